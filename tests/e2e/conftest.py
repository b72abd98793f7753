"""Browser tests: Playwright driving Debian's Chromium against the live server.

Without /usr/bin/chromium the tests skip with the reason printed; with
``SETARA_REQUIRE_BROWSER=1`` (set by .ci/run) they fail instead, so CI never passes
with the browser tests silently skipped.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the Django ORM calls the
# tests make to set up data are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _keep_serialized_contents():
    """Carry the serialized test data over to the connections made after Playwright
    starts.

    Playwright's sync API leaves an event loop registered on this thread, so Django
    then keeps its connections per async context and hands the tests new connection
    objects. Without the data serialized at set-up, serialized rollback (see
    tests/conftest.py) could not restore the seeded rows after a transactional test.
    """
    from django.db import connections

    saved = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }

    def restore():
        for alias, contents in saved.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents

    return restore


@pytest.fixture(scope="session")
def browser(django_db_setup):
    missing = not (os.path.exists(CHROMIUM) or shutil.which("chromium"))
    if missing:
        reason = (
            f"Chromium not found at {CHROMIUM}: install it with "
            "'apt-get install chromium' to run the browser tests"
        )
        if os.environ.get("SETARA_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    restore_serialized_contents = _keep_serialized_contents()
    with sync_playwright() as playwright:
        restore_serialized_contents()
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def watched_page(browser, live_server, **context_options):
    """Yield a page on the live server in a new browser context (Indonesian,
    ``context_options`` added); afterwards the test fails if the browser logged an
    error (a script error, a CSP violation, an invalid SVG attribute, a failed
    load). For ``yield from`` in a fixture."""
    context = browser.new_context(
        base_url=live_server.url, locale="id-ID", **context_options
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on(
        "console",
        lambda message: (
            errors.append(f"{page.url}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    yield page
    context.close()
    assert errors == [], "the browser logged errors"


@pytest.fixture
def page(browser, live_server):
    """A page on the live server that fails the test on a logged browser error
    (``watched_page``)."""
    yield from watched_page(browser, live_server)


@pytest.fixture
def login(page):
    """Log in through the login form: ``login(username, password)``. A user who
    needs a second factor (coordinators, admins) gets an authenticator app if
    they have none (``tests.auth.confirmed_device``), and the helper types its
    current code on the second page, as the user would."""
    from django.contrib.auth import get_user_model

    from accounts.demo import usable_code
    from accounts.two_factor import two_factor_required
    from tests.auth import confirmed_device

    def _login(username, password="test-password"):
        user = get_user_model().objects.filter(username=username).first()
        needs_code = user is not None and two_factor_required(user)
        device = confirmed_device(user) if needs_code else None
        page.goto("/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("form button[type=submit] >> nth=-1")
        if device is not None:
            page.wait_for_url("**/account/two-factor/verify/**")
            device.refresh_from_db()
            page.fill("input[name=code]", usable_code(device))
            page.click("form button[type=submit] >> nth=-1")
        page.wait_for_url("**/trainings/**")

    return _login
