"""The report pages' numbers are cached per filter and language for the current data
version (``setara.data_version``): a second look runs none of the report's
queries, and any change to the data shows at once."""

import pickle
import re
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from setara import roles
from tests.auth import login
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

REPORT = reverse("trainings:report")
TRAININGS = reverse("trainings:report_trainings")


def report_sql(context) -> list[str]:
    """The statements of a request that read enrolments (the report's own)."""
    return [
        q["sql"] for q in context.captured_queries if "trainings_enrolment" in q["sql"]
    ]


def get(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == HTTPStatus.OK
    return response, queries


def tables_html(response) -> str:
    """The page from its first table on, without what changes on every request
    (the CSRF token, script nonces)."""
    html = response.content.decode()
    html = html[html.index("<table") :]
    return re.sub(r'(value|nonce)="[^"]*"', "", html)


def in_english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


class TestReportPage:
    def test_a_second_look_runs_none_of_the_report_queries(self, staff_client):
        EnrolmentFactory()
        first, cold = get(staff_client, REPORT)
        second, warm = get(staff_client, REPORT)
        # Headline, breakdowns, agencies and knowledge gain: 4 queries the first time.
        assert len(report_sql(cold)) == 4
        assert report_sql(warm) == []
        assert len(warm) == len(cold) - 4
        assert second.context["summary"] == first.context["summary"]
        assert tables_html(second) == tables_html(first)

    def test_new_enrolment_and_attendance_show_at_once(self, staff_client):
        enrolment = EnrolmentFactory(participant__sex="P")
        before, _ = get(staff_client, REPORT)
        assert before.context["summary"]["participations_total"] == 1
        assert before.context["summary"]["person_days_total"] == 0

        AttendanceFactory(enrolment=enrolment)
        after_attendance, queries = get(staff_client, REPORT)
        assert len(report_sql(queries)) == 4  # recomputed, not read from the cache
        assert after_attendance.context["summary"]["person_days_female"] == 1

        EnrolmentFactory(training=enrolment.training, participant__sex="L")
        after, _ = get(staff_client, REPORT)
        summary = after.context["summary"]
        assert (summary["participations_male"], summary["participations_total"]) == (
            1,
            2,
        )
        # The rendered tables too (the {% cache %} fragment), not only the context.
        assert tables_html(after) != tables_html(after_attendance)

    def test_filters_do_not_share_entries(self, staff_client):
        government = AgencyFactory(type="government")
        EnrolmentFactory(participant__agency=government)
        EnrolmentFactory.create_batch(2, participant__agency__type="ngo")
        every, _ = get(staff_client, REPORT)
        ngo, _ = get(staff_client, REPORT, agency_type="ngo")
        gov, _ = get(staff_client, REPORT, agency_type="government")
        totals = [
            page.context["summary"]["participations_total"]
            for page in (every, ngo, gov)
        ]
        assert totals == [3, 2, 1]
        # The same filters typed again (an empty one, another order) are a hit.
        again, queries = get(
            staff_client, REPORT, training="", agency_type="government"
        )
        assert report_sql(queries) == []
        assert again.context["summary"]["participations_total"] == 1

    def test_each_language_has_its_own_entry(self, staff_client):
        EnrolmentFactory()
        indonesian, _ = get(staff_client, REPORT)
        with translation.override("en"):
            english, queries = get(in_english(staff_client), REPORT)
        assert len(report_sql(queries)) == 4
        label = "Unique persons (each person counted once)"
        assert label in english.content.decode()
        assert label not in indonesian.content.decode()

    def test_what_depends_on_the_user_is_not_cached(self, coordinator_client):
        EnrolmentFactory()
        staff = login(
            Client(), UserFactory(username="staff", role=roles.PROGRAMME_STAFF)
        )
        with translation.override("en"):
            coordinator_page, _ = get(in_english(coordinator_client), REPORT)
            staff_page, queries = get(in_english(staff), REPORT)
        assert report_sql(queries) == []  # the coordinator's numbers, from the cache
        assert staff_page.context["summary"] == coordinator_page.context["summary"]
        note = "Participant lists you export leave out phone numbers"
        assert note in staff_page.content.decode()
        assert note not in coordinator_page.content.decode()

    def test_the_cache_holds_no_personal_data(self, staff_client):
        agency = AgencyFactory(name="Dinas Sosial Kabupaten Contoh")
        EnrolmentFactory(
            participant=ParticipantFactory(
                full_name="Siti Rahmawati Tercatat",
                phone="+6281234567890",
                nik="7309115001900001",
                agency=agency,
            )
        )
        page, _ = get(staff_client, REPORT)
        stored = b"".join(pickle.dumps(value) for value in _cached_values())
        assert b"Dinas Sosial Kabupaten Contoh" in stored  # what is cached: tables
        for personal in (b"Siti Rahmawati", b"81234567890", b"7309115001900001"):
            assert personal not in stored


class TestReportTrainingsPage:
    def test_a_second_look_runs_none_of_the_report_queries(self, staff_client):
        EnrolmentFactory()
        first, cold = get(staff_client, TRAININGS)
        second, warm = get(staff_client, TRAININGS)
        assert len(report_sql(cold)) == 3
        assert report_sql(warm) == []
        assert tables_html(second) == tables_html(first)

    def test_each_page_and_change_shows(self, staff_client):
        for number in range(26):
            EnrolmentFactory(training=TrainingFactory(title=f"Training {number:02}"))
        first, _ = get(staff_client, TRAININGS)
        second, queries = get(staff_client, TRAININGS, page=2)
        assert len(report_sql(queries)) == 2  # the span is cached, the page is not
        assert len(first.context["trainings"]) == 25
        [last] = second.context["trainings"]
        assert last["participations_total"] == 1

        EnrolmentFactory(training_id=last["training_id"])
        again, _ = get(staff_client, TRAININGS, page=2)
        assert again.context["trainings"][0]["participations_total"] == 2


def _cached_values():
    """Every value in the "data" cache (local memory in tests), unpickled."""
    return [pickle.loads(value) for value in caches["data"]._cache.values()]  # noqa: SLF001
