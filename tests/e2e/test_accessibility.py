"""The main pages pass axe-core at 1280 and 360 px, and none scrolls sideways on a
360 px phone.

axe-core comes from npm (package.json and package-lock.json at the repository
root; ``npm ci`` puts it in node_modules/). Without it the tests skip with the
reason printed; with ``SETARA_REQUIRE_BROWSER=1`` (set by .ci/run) they fail
instead, as the browser tests do without Chromium (tests/e2e/conftest.py).

axe is added to each page as a script tag, which the app's Content-Security-Policy
(``script-src 'self'``, no inline scripts) would block: these tests' browser context
bypasses the policy. Other browser tests keep it.
"""

import io
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from setara import roles
from tests.e2e.conftest import watched_page
from tests.factories import UserFactory
from trainings.models import Training

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SHEET = (
    Path(__file__).resolve().parents[1]
    / "participants"
    / "data"
    / "maros-ocsea-2023-daftar-hadir.xlsx"
)
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
#: axe impacts that fail the test; "moderate" and "minor" ones are not counted.
FAILING_IMPACTS = ("serious", "critical")


@pytest.fixture
def axe_script():
    """Path of axe.min.js; skips (or fails, under ``SETARA_REQUIRE_BROWSER=1``)
    when ``npm ci`` has not been run."""
    if not AXE.is_file():
        reason = (
            f"axe-core not found at {AXE}: run 'npm ci' at the repository root "
            "to run the accessibility checks"
        )
        if os.environ.get("SETARA_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE


@pytest.fixture
def page(browser, live_server):
    """Like conftest's ``page`` (it fails on anything the browser logged as an
    error), in a context that lets axe's script tag in (``bypass_csp``) and asks
    for reduced motion."""
    yield from watched_page(
        browser,
        live_server,
        viewport=DESKTOP,
        bypass_csp=True,
        # No transitions: axe reads colours as they end, not half-way.
        reduced_motion="reduce",
    )


def axe_violations(page, axe_script: Path) -> list[str]:
    """Run axe-core (``axe_script``, axe.min.js) on the page as it is now; one
    line per element of each serious or critical violation: the page, impact,
    rule, the element's selector and the rule's help page."""
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{page.url} [{violation['impact']}] {violation['id']}: "
        f"{' '.join(node['target'])} ({violation['helpUrl']})"
        for violation in results["violations"]
        if violation["impact"] in FAILING_IMPACTS
        for node in violation["nodes"]
    ]


def main_pages(page, login) -> list[str]:
    """Load the Maros demo, log a coordinator in and upload the Maros sign-in
    sheet to its training; the URLs of the main pages (the login page not among
    them: it needs a logged-out browser)."""
    call_command("load_demo", stdout=io.StringIO())
    UserFactory(username="koordinator", role=roles.COORDINATOR)
    login("koordinator")
    training = Training.objects.get()
    page.goto(f"/trainings/{training.pk}/import/")
    page.set_input_files("input[type=file]", str(SHEET))
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#import-summary")
    return [
        "/trainings/",
        f"/trainings/{training.pk}/",
        f"/trainings/{training.pk}/attendance/",
        f"/trainings/{training.pk}/enrol/",
        urlsplit(page.url).path,  # the import preview
        "/trainings/report/",
        "/referrals/",
        "/referrals/pathway/73.09/",
        f"/trainings/{training.pk}/sign-in-sheet/",
    ]


def test_main_pages_have_no_serious_accessibility_violations(axe_script, page, login):
    """axe-core finds nothing serious or critical on the main pages at 1280 and
    360 px, nor on a phone with the training page's "More" menu open."""
    urls = main_pages(page, login)
    found = []
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        for url in urls:
            page.goto(url)
            found += axe_violations(page, axe_script)
    page.goto(urls[1])
    page.click("#training-more")
    page.locator("#training-actions .dropdown-menu.show").wait_for()
    found += axe_violations(page, axe_script)

    page.context.clear_cookies()
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto("/login/")
        found += axe_violations(page, axe_script)
    assert found == [], "axe-core violations:\n" + "\n".join(found)


def test_no_page_is_wider_than_a_phone(page, login):
    """At 360 px no main page scrolls sideways (wide tables scroll in their own
    box), the training page's numbers are on the first screen, and its "More"
    menu opens within the screen."""
    urls = main_pages(page, login)
    page.set_viewport_size(PHONE)
    too_wide = []
    for url in [*urls, "/login/"]:
        if url == "/login/":
            page.context.clear_cookies()
        page.goto(url)
        width, screen = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        if width > screen:
            too_wide.append(f"{url}: {width} px wide on a {screen} px screen")
    assert too_wide == []


def test_training_page_on_a_phone_shows_the_numbers_first(page, login):
    """At 360 px the training page's numbers are on the first screen, the other
    actions are in a "More" menu that opens within the screen, and its links
    work."""
    training_url = main_pages(page, login)[1]
    page.set_viewport_size(PHONE)
    page.goto(training_url)
    assert page.locator("[data-stat=total]").bounding_box()["y"] < PHONE["height"]
    assert not page.locator("#export-participants-xlsx").is_visible()
    page.click("#training-more")
    menu = page.locator("#training-actions .dropdown-menu.show")
    menu.wait_for()
    box = menu.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    menu.locator("a[href$='/sign-in-sheet/']").click()
    page.wait_for_url("**/sign-in-sheet/")
