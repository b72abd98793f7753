"""Sessions end after 30 minutes idle, and 12 hours after login however active."""

import time
from http import HTTPStatus

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts.sessions import LOGIN_AT_KEY, session_expired

pytestmark = pytest.mark.django_db

TRAININGS = "/trainings/"
TWELVE_HOURS = 12 * 60 * 60


def test_the_limits():
    assert settings.SESSION_ABSOLUTE_SECONDS == TWELVE_HOURS
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def logged_in_since(client, seconds_ago):
    """Move the session's stored login time back (the clock stays)."""
    session = client.session
    session[LOGIN_AT_KEY] = int(time.time()) - seconds_ago
    session.save()


def test_the_login_stores_its_time(client, staff_user):
    before = int(time.time())
    client.post(reverse("login"), {"username": "staff", "password": "test-password"})
    assert before <= client.session[LOGIN_AT_KEY] <= int(time.time())


def test_an_active_session_ends_12_hours_after_login(staff_client):
    logged_in_since(staff_client, TWELVE_HOURS - 60)
    assert staff_client.get(TRAININGS).status_code == HTTPStatus.OK
    logged_in_since(staff_client, TWELVE_HOURS + 1)
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = staff_client.get(TRAININGS, follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert SESSION_KEY not in staff_client.session
    assert (
        "You were logged out: a session lasts at most 12 hours."
        in response.content.decode()
    )
    # A new login starts a new 12 hours.
    staff_client.post(
        reverse("login"), {"username": "staff", "password": "test-password"}
    )
    assert staff_client.get(TRAININGS).status_code == HTTPStatus.OK


def test_the_second_factor_does_not_extend_the_12_hours(coordinator_client):
    logged_in_since(coordinator_client, TWELVE_HOURS + 1)
    response = coordinator_client.get(TRAININGS)
    assert response.url.startswith(reverse("login"))
    assert SESSION_KEY not in coordinator_client.session


def test_a_session_without_a_login_time_has_ended(staff_client):
    session = staff_client.session
    del session[LOGIN_AT_KEY]
    session.save()
    assert staff_client.get(TRAININGS).url.startswith(reverse("login"))


def test_a_public_page_still_opens_for_an_ended_session(staff_client):
    logged_in_since(staff_client, TWELVE_HOURS + 1)
    assert staff_client.get(reverse("login")).status_code == HTTPStatus.OK
    assert SESSION_KEY not in staff_client.session


def test_session_expired_rule():
    now = 1_000_000.0
    assert not session_expired({}, now=now)
    logged_in = {SESSION_KEY: "1", LOGIN_AT_KEY: now - TWELVE_HOURS + 1}
    assert not session_expired(logged_in, now=now)
    assert session_expired({**logged_in, LOGIN_AT_KEY: now - TWELVE_HOURS}, now=now)
    assert session_expired({**logged_in, LOGIN_AT_KEY: "yesterday"}, now=now)
