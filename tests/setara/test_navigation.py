"""The main navigation marks the section of the current page (aria-current)."""

import re
from http import HTTPStatus

import pytest
from django.test import RequestFactory
from django.urls import resolve

from setara.navigation import navigation
from tests.factories import TrainingFactory

pytestmark = pytest.mark.django_db


def _section(path: str) -> str:
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    return navigation(request)["nav_section"]


@pytest.mark.parametrize(
    ("path", "section"),
    [
        ("/trainings/", "trainings"),
        ("/trainings/7/attendance/", "trainings"),
        ("/trainings/report/", "reports"),
        ("/trainings/report/trainings/", "reports"),
        ("/trainings/report/export.xlsx", "reports"),
        ("/jobs/", "jobs"),
        ("/referrals/", "referrals"),
        ("/referrals/pathway/73.09/", "referrals"),
        ("/trainings/deleted/", "deleted"),
        ("/participants/duplicates/", "duplicates"),
        ("/certificates/", "certificates"),
        ("/participants/7/", ""),
        ("/account/password/", ""),
    ],
)
def test_each_page_belongs_to_its_section(path, section):
    assert _section(path) == section


def test_no_section_without_a_matched_url():
    assert navigation(RequestFactory().get("/nowhere/")) == {"nav_section": ""}


def _current_links(html: str) -> list[str]:
    """The hrefs of the main navigation's links marked as the current page."""
    menu = re.search(r'<ul class="navbar-nav me-auto">(.*?)</ul>', html, re.DOTALL)
    assert menu, "no main navigation"
    return re.findall(
        r'<a class="nav-link active" aria-current="page" href="([^"]+)"',
        menu.group(1),
    )


def test_the_current_section_is_marked_once(coordinator_client):
    training = TrainingFactory()
    for path, marked in [
        ("/trainings/", "/trainings/"),
        (training.get_absolute_url(), "/trainings/"),
        ("/trainings/report/", "/trainings/report/"),
        ("/referrals/", "/referrals/"),
        ("/jobs/", "/jobs/"),
    ]:
        response = coordinator_client.get(path)
        assert response.status_code == HTTPStatus.OK
        assert _current_links(response.content.decode()) == [marked], path


def test_a_page_outside_the_sections_marks_none(coordinator_client):
    response = coordinator_client.get("/account/password/")
    assert response.status_code == HTTPStatus.OK
    assert _current_links(response.content.decode()) == []
