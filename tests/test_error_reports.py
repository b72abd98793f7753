"""No personal data in error reports, logs or error pages.

A view fails while handling a POST with a name, a phone number and a NIK (and a
name searched for in the query string, and an exception message that repeats
them): the 500 page, the error e-mail to ADMINS and the logged traceback hold none
of them, but still say what failed and where.
"""

import datetime
import io
import logging
import runpy
import sys
from http import HTTPStatus
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.views.debug import get_exception_reporter_class
from gunicorn.config import Config
from gunicorn.glogging import Logger

from setara.error_reports import HidePersonalDataLogFilter, traceback_without_messages
from tests.auth import login
from tests.factories import TrainingFactory, UserFactory
from trainings.views.records import TrainingEnrolView

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so assertions on their text hold."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


NAME = "Siti Rahmawati"
PHONE = "081244556677"
NIK = "7309015505900001"
SEARCHED = "Hasnah Daeng"
PERSONAL = [NAME, "Rahmawati", PHONE, "81244556677", NIK, "Hasnah", "Daeng"]


class EnrolFailure(Exception):
    pass


def failing_post(self, request, *args, **kwargs):
    """Stands in for a bug deep in the enrol view: locals and the message hold
    what the user typed."""
    full_name = request.POST["full_name"]
    phone = request.POST["phone"]
    person = {"full_name": full_name, "phone": phone, "nik": request.POST["nik"]}
    try:
        int(person["nik"] + "x")
    except ValueError as error:
        raise EnrolFailure(f"could not enrol {full_name} ({phone})") from error


def post_failing_enrol(client, training):
    """POST a new person (and a name searched for) to the enrol page."""
    url = reverse("trainings:enrol", args=[training.pk]) + "?q=" + SEARCHED
    return client.post(
        url,
        {"full_name": NAME, "phone": PHONE, "nik": NIK, "sex": "P"},
        HTTP_REFERER="http://testserver/trainings/?q=" + SEARCHED,
    )


@pytest.fixture
def failing_client(monkeypatch, settings, staff_user):
    """A logged-in client whose enrol view fails; ADMINS is set so Django
    e-mails the error report."""
    settings.ADMINS = [("Ops", "ops@example.org")]
    monkeypatch.setattr(TrainingEnrolView, "post", failing_post)
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login(client, staff_user)
    return client


def assert_no_personal_data(text: str):
    leaked = [value for value in PERSONAL if value in text]
    assert not leaked, f"personal data in the text: {leaked}"


def test_the_500_page_holds_no_personal_data(failing_client):
    response = post_failing_enrol(failing_client, TrainingFactory())
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "500.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "Server error" in page
    assert_no_personal_data(page)


def test_the_error_email_says_what_failed_but_holds_no_personal_data(
    failing_client,
):
    training = TrainingFactory()
    post_failing_enrol(failing_client, training)
    assert len(mail.outbox) == 1
    report = mail.outbox[0]
    text = report.subject + report.body
    assert_no_personal_data(text)
    # Still useful: the path, the exception types, the field names, where it failed.
    assert f"/trainings/{training.pk}/enrol/" in text
    assert "EnrolFailure" in text and "ValueError" in text
    assert "failing_post" in text
    for field in ["full_name", "phone", "nik", "q"]:
        assert field in text


def test_the_logged_traceback_holds_no_personal_data(failing_client):
    """The console handler configured in settings gets the request's error
    record; with its filter the traceback has no exception messages."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, HidePersonalDataLogFilter) for f in h.filters)
    )
    training = TrainingFactory()
    stream = io.StringIO()
    old_stream = handler.setStream(stream)
    try:
        post_failing_enrol(failing_client, training)
    finally:
        handler.setStream(old_stream)
    logged = stream.getvalue()
    assert f"Internal Server Error: /trainings/{training.pk}/enrol/" in logged
    assert "EnrolFailure" in logged and "failing_post" in logged
    assert_no_personal_data(logged)


def _report_text(request_factory, debug: bool, settings, *, html=False) -> str:
    """The error report of ``failing_post`` as text (the e-mail) or HTML (an
    e-mail with include_html, or the debug page)."""
    settings.DEBUG = debug
    request = request_factory.post(
        "/trainings/1/enrol/?q=" + SEARCHED,
        {"full_name": NAME, "phone": PHONE, "nik": NIK},
    )
    try:
        failing_post(None, request)
    except EnrolFailure:
        exc_info = sys.exc_info()
    reporter = get_exception_reporter_class(request)(request, *exc_info, is_email=True)
    return reporter.get_traceback_html() if html else reporter.get_traceback_text()


def test_the_configured_reporter_hides_what_debug_would_show(rf, settings):
    """With DEBUG on (a developer's machine) the report shows the values; with
    DEBUG off (every server) it does not: the hiding is the filter's doing."""
    shown = _report_text(rf, True, settings)
    assert NAME in shown and PHONE in shown and NIK in shown
    hidden = _report_text(rf, False, settings)
    assert_no_personal_data(hidden)
    assert "full_name" in hidden
    assert NIK in _report_text(rf, True, settings, html=True)
    assert_no_personal_data(_report_text(rf, False, settings, html=True))


class FakeRequest:
    POST = {"full_name": NAME, "phone": PHONE, "nik": NIK}


def test_traceback_without_messages_keeps_types_and_places():
    try:
        failing_post(None, FakeRequest())
    except EnrolFailure as error:
        text = traceback_without_messages(error)
    assert_no_personal_data(text)
    assert text.count("Traceback (most recent call last):") == 2
    assert "builtins.ValueError: [hidden]" in text
    assert text.endswith("EnrolFailure: [hidden]")


def test_404_page_shows_nothing_from_the_request(staff_client):
    response = staff_client.get("/trainings/999999/?q=" + SEARCHED)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "404.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "Page not found" in page
    assert_no_personal_data(page)
    assert "999999" not in page


def test_403_page_for_a_user_without_a_role(client):
    user = UserFactory()
    user.groups.clear()
    login(client, user)
    response = client.get(reverse("trainings:list") + "?q=" + SEARCHED)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "403.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "Access denied" in page
    assert_no_personal_data(page)


def test_gunicorn_access_log_leaves_out_query_strings_and_referers():
    """The access-log format of gunicorn.conf.py, run through gunicorn's own
    logger, writes the path but not ``?q=<name>`` nor the Referer."""
    conf = runpy.run_path(str(Path(__file__).parent.parent / "gunicorn.conf.py"))
    config = Config()
    config.set("access_log_format", conf["access_log_format"])
    config.set("accesslog", "-")
    logger = Logger(config)
    stream = io.StringIO()
    logger.access_log.handlers = [logging.StreamHandler(stream)]
    query = "q=" + SEARCHED.replace(" ", "+")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/trainings/7/enrol/?" + query,
        "PATH_INFO": "/trainings/7/enrol/",
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.9",
        "HTTP_REFERER": "https://setara.example.org/trainings/7/enrol/?" + query,
        "HTTP_USER_AGENT": "Firefox",
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    request = SimpleNamespace(headers=[])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=42))
    line = stream.getvalue()
    assert '"GET /trainings/7/enrol/ HTTP/1.1" 200 512 42ms' in line
    assert "10.0.0.9" in line
    assert_no_personal_data(line)
