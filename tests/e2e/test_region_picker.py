"""The region picker in a real browser: typed, chosen with the keyboard, under
the Content-Security-Policy (the ``page`` fixture fails on any console error,
CSP violations included)."""

import pytest
from playwright.sync_api import expect

from setara import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_village_is_found_by_typing_and_picked_with_the_keyboard(
    page, login, regions_sample
):
    UserFactory(username="officer", role=roles.PROGRAMME_STAFF)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    login("officer")
    page.goto("/regions/")

    # Tab order: the picker's box is focusable; Enter opens it.
    page.locator(".select2-selection").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".select2-search__field")).to_be_focused()
    page.keyboard.type("tompobulu")
    expect(page.locator(".select2-search__field")).to_have_value("tompobulu")
    options = page.locator(".select2-results__option")
    expect(options).to_have_text(
        [
            "Kec. Tompobulu, Kab. Maros",
            "Tompobulu, Kec. Rumbia, Kab. Jeneponto",
            "Tompobulu, Kec. Tompobulu, Kab. Maros",
        ]
    )
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator(".select2-selection__rendered")).to_contain_text(
        "Tompobulu, Kec. Tompobulu, Kab. Maros"
    )
    # Back on the box after choosing: Tab reaches the button, Enter submits.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#region-code")).to_have_text("73.09.11.2001")
    # The chosen region is shown again, labelled, after the page reloads.
    expect(page.locator(".select2-selection__rendered")).to_contain_text(
        "Tompobulu, Kec. Tompobulu, Kab. Maros"
    )
    assert violations == []
