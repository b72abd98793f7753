"""No browser or proxy keeps a copy of a page or a download (issue 17, R9):
every response but a static file says ``Cache-Control: no-store, private``
(setara.middleware.NoStoreMiddleware), whatever its status, for signed-in users
and anonymous visitors alike (the public registration pages show a name)."""

from http import HTTPStatus

import pytest
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils.cache import patch_cache_control

from setara.middleware import NoStoreMiddleware
from tests.test_url_permissions import ADMIN, ANON, RULES
from tests.test_url_permissions import role_client as role_client  # noqa: F401
from tests.test_url_permissions import world as world  # noqa: F401

pytestmark = pytest.mark.django_db


def _directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",")}


@pytest.mark.parametrize("role", [ANON, ADMIN])
def test_every_url_is_no_store(role, request):
    """Every URL of the project (pages, downloads, JSON, redirects, refusals),
    as an anonymous visitor and as an admin (who may open them all)."""
    client = request.getfixturevalue("role_client")
    objects = request.getfixturevalue("world")
    wrong = []
    for name, rule in sorted(RULES.items()):
        response = client.get(rule.url(objects), rule.query)
        if response.streaming:
            b"".join(response.streaming_content)
        if not {"no-store", "private"} <= _directives(response):
            wrong.append(f"{name} ({response.status_code}): {_directives(response)}")
    assert not wrong, "\n".join(wrong)


def test_a_page_that_does_not_exist_is_no_store_too(staff_client):
    response = staff_client.get("/no-such-page/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert {"no-store", "private"} <= _directives(response)


def test_static_files_keep_their_caching(client):
    assert finders.find("favicon.svg")
    response = client.get("/static/favicon.svg")
    assert response.status_code == HTTPStatus.OK
    b"".join(response.streaming_content)
    assert "no-store" not in _directives(response)
    assert "public" in _directives(response)


def test_what_a_view_set_is_kept_and_never_loosened():
    """The view's own directives stay (never_cache's "max-age=0, no-cache, ...");
    a "public" is replaced by "private"."""

    def view(request):
        response = HttpResponse()
        patch_cache_control(response, max_age=0, no_cache=True, public=True)
        return response

    response = NoStoreMiddleware(view)(RequestFactory().get("/"))
    assert _directives(response) == {"max-age=0", "no-cache", "no-store", "private"}


def test_the_public_registration_page_is_no_store(client, request):
    objects = request.getfixturevalue("world")
    url = reverse("registrations:register", args=[objects.desk.token])
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert {"no-store", "private"} <= _directives(response)
