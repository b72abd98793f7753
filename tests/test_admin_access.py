"""Who is offered the Django admin and how one gets in (setara/admin_site.py):
the navigation's link shows only for those the admin admits, and the admin's
login page logs nobody in: signing in is the app's login, with its second
factor."""

from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from setara import roles
from tests.auth import login
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LINK = f'href="{reverse("admin:index")}"'


def user_with(role, *, is_staff=False, is_superuser=False):
    user = UserFactory(username="someone", role=role)
    if role is None:
        user.groups.clear()
    user.is_staff, user.is_superuser = is_staff, is_superuser
    user.save()
    return user


@pytest.mark.parametrize(
    ("role", "is_staff", "is_superuser", "offered"),
    [
        (roles.ADMIN, True, False, True),
        (None, True, True, True),
        (roles.ADMIN, False, False, False),
        (roles.COORDINATOR, True, False, False),
        (roles.PROGRAMME_STAFF, True, False, False),
        (roles.PROGRAMME_STAFF, False, False, False),
    ],
)
def test_the_admin_link_shows_only_to_those_the_admin_admits(
    client, role, is_staff, is_superuser, offered
):
    """ "Staff status" alone (ticked by mistake on a programme officer) offers
    no link to a page that would refuse them."""
    login(client, user_with(role, is_staff=is_staff, is_superuser=is_superuser))
    page = client.get(reverse("trainings:list")).content.decode()
    assert (ADMIN_LINK in page) is offered
    admitted = client.get(reverse("admin:index")).status_code == HTTPStatus.OK
    assert admitted is offered


def test_the_login_page_shows_no_admin_link(client):
    assert ADMIN_LINK not in client.get(reverse("login")).content.decode()


class TestAdminLogin:
    def test_an_anonymous_visitor_is_sent_to_the_apps_login(self, client):
        response = client.get(reverse("admin:index"), follow=True)
        first, *_rest, last = [url for url, _status in response.redirect_chain]
        assert first.startswith(reverse("admin:login"))
        assert urlsplit(last).path == reverse("login")
        # ... and comes back to the admin after it.
        assert "/admin/" in parse_qs(urlsplit(last).query)["next"][0]

    def test_its_form_logs_nobody_in(self, client):
        """A POST of a "Staff status" user's right password to the admin's login
        (whose own form would let any such user in) logs nobody in."""
        user_with(roles.PROGRAMME_STAFF, is_staff=True)
        response = client.post(
            reverse("admin:login"),
            {"username": "someone", "password": "test-password"},
        )
        assert response.status_code == HTTPStatus.FOUND
        assert urlsplit(response.url).path == reverse("login")
        assert SESSION_KEY not in client.session

    @pytest.mark.parametrize("role", [roles.PROGRAMME_STAFF, roles.COORDINATOR])
    def test_a_non_admin_reads_that_it_is_for_admins(self, client, role):
        login(client, user_with(role, is_staff=True))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get(reverse("admin:login"), {"next": reverse("admin:index")})
        assert response.status_code == HTTPStatus.OK
        text = response.content.decode()
        assert "You are logged in as someone" in text
        assert "open to the Admin role only" in text
        assert "<form" not in text.split("</nav>", 1)[1]  # no password form

    def test_an_admin_goes_on_to_next(self, admin_client):
        target = reverse("admin:referrals_referralinstitution_changelist")
        response = admin_client.get(reverse("admin:login"), {"next": target})
        assert response.status_code == HTTPStatus.FOUND
        assert response.url == target

    @pytest.mark.parametrize(
        "next_url", ["https://evil.example/", "//evil.example/admin/", ""]
    )
    def test_an_admin_goes_to_the_index_when_next_is_elsewhere(
        self, admin_client, next_url
    ):
        response = admin_client.get(reverse("admin:login"), {"next": next_url})
        assert response.url == reverse("admin:index")
