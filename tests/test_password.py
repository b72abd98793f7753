"""Passwords: at least 12 characters, and a change page for every user."""

from http import HTTPStatus

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY

from tests.auth import login

pytestmark = pytest.mark.django_db

CHANGE = "/account/password/"
NEW = "kapal-layar-Maros-2023"


@pytest.fixture(autouse=True)
def _english(client):
    """English pages (the language cookie) and English test-side strings."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def test_an_11_character_password_is_refused():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("kapal-layar")
    validate_password("kapal-layar!")  # 12


def test_the_user_menu_links_to_the_change_page(staff_client):
    content = staff_client.get(reverse("trainings:list")).content.decode()
    assert f'href="{CHANGE}"' in content


def test_there_is_no_reset_by_email():
    with pytest.raises(NoReverseMatch):
        reverse("password_reset")


def change(client, old="test-password", new=NEW, again=None):
    return client.post(
        CHANGE,
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def test_the_change_keeps_this_session_and_ends_the_others(staff_user, staff_client):
    other = login(Client(), staff_user)
    assert staff_client.get(CHANGE).status_code == HTTPStatus.OK
    response = change(staff_client)
    assert response.url == reverse("trainings:list")
    page = staff_client.get(response.url)
    assert page.status_code == HTTPStatus.OK
    assert "Your password was changed." in page.content.decode()
    staff_user.refresh_from_db()
    assert staff_user.check_password(NEW)
    assert other.get(reverse("trainings:list")).url.startswith(reverse("login"))


def test_the_change_keeps_the_second_factor(coordinator_user, coordinator_client):
    change(coordinator_client)
    assert DEVICE_ID_SESSION_KEY in coordinator_client.session
    assert coordinator_client.get("/trainings/").status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    ("old", "new", "error_field"),
    [
        ("wrong-password", NEW, "old_password"),
        ("test-password", "kapal-layar", "new_password2"),  # 11 characters
        ("test-password", "123456789012345", "new_password2"),  # only digits
    ],
)
def test_a_refused_change_changes_nothing(
    staff_user, staff_client, old, new, error_field
):
    response = change(staff_client, old, new)
    assert response.status_code == HTTPStatus.OK
    assert error_field in response.context["form"].errors
    staff_user.refresh_from_db()
    assert staff_user.check_password("test-password")
    assert SESSION_KEY in staff_client.session
