"""A coordinator's first login: the password, then setting up an authenticator
app from the key on the page, the recovery codes, and the training list."""

import base64

import pytest
from django_otp.oath import totp

from setara import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def code_from(key_text: str) -> str:
    """What an authenticator app shows now for the key as the page prints it."""
    key = base64.b32decode(key_text.replace(" ", ""))
    return f"{totp(key):06d}"


def test_coordinator_sets_up_two_factor_sign_in(page):
    UserFactory(username="koordinator", role=roles.COORDINATOR)
    page.goto("/login/")
    page.fill("input[name=username]", "koordinator")
    page.fill("input[name=password]", "test-password")
    page.click("form button[type=submit] >> nth=-1")

    page.wait_for_url("**/account/two-factor/setup/**")
    assert page.locator("img[src^='data:image/svg+xml']").is_visible()
    key = page.locator("[data-totp-key]").inner_text()
    page.fill("input[name=code]", code_from(key))
    page.click("form button[type=submit] >> nth=-1")

    codes = page.locator("[data-recovery-codes] li")
    assert codes.count() == 10
    assert all(len(code) == 8 for code in codes.all_inner_texts())
    page.locator("main a.btn-primary").click()
    page.wait_for_url("**/trainings/")
    assert page.locator("h1").inner_text() == "Pelatihan"
