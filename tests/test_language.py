"""Indonesian by default, whatever the browser asks; English when chosen."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _login_page_language(client, **headers):
    html = client.get(reverse("login"), **headers).content.decode()
    return "id" if 'lang="id"' in html and "Masuk" in html else "en"


def test_indonesian_even_for_a_browser_set_to_english(client):
    assert _login_page_language(client, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9") == "id"


def test_the_language_switch_chooses_english_and_back(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert _login_page_language(client) == "en"
    client.post(reverse("set_language"), {"language": "id", "next": "/login/"})
    assert _login_page_language(client) == "id"


def test_an_unknown_language_cookie_falls_back_to_indonesian(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert _login_page_language(client) == "id"
