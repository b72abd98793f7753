"""The training page and the enrol page of a big training (issue 18): the
participant list is windowed (``trainings.training_page``), the numbers at the
top count everyone, the numbers panels are cached until the data changes, and
both pages run the same number of queries whatever the training's size."""

import datetime
import re

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from certificates.models import Certificate
from tests.factories import (
    AttendanceFactory,
    CertificateFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
)
from trainings.models import Attendance, Enrolment
from trainings.training_page import PARTICIPANTS_PER_PAGE

DAY_1 = datetime.date(2023, 10, 18)
DAY_2 = datetime.date(2023, 10, 19)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _enrol(training, count, *, start=0, present_on=(DAY_1,)):
    """``count`` participants named "Person 0001"... (so they sort by number),
    alternately female and male, present on ``present_on``."""
    enrolments = []
    for number in range(start, start + count):
        enrolment = EnrolmentFactory(
            training=training,
            participant=ParticipantFactory(full_name=f"Person {number + 1:04d}"),
        )
        for day in present_on:
            AttendanceFactory(enrolment=enrolment, date=day)
        enrolments.append(enrolment)
    return enrolments


def _stat(html, name):
    return re.search(rf'data-stat="{name}">([^<]*)<', html).group(1)


def _day_totals(html):
    return re.findall(r'data-stat="day-total">(\d+)<', html)


def _numbers_in_list(html):
    """The No. column and the names of the participant list, in order."""
    section = html.split('id="participants-heading"')[1].split("</section>")[0]
    return re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td><a [^>]*>([^<]+)</a>", section)


def _cold_queries(client, url):
    """The queries of ``url`` with nothing cached."""
    caches["data"].clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


class TestWindow:
    def test_page_two_numbers_rows_from_101_and_top_counts_everyone(
        self, coordinator_client
    ):
        training = TrainingFactory()
        _enrol(training, PARTICIPANTS_PER_PAGE + 5)
        response = coordinator_client.get(training.get_absolute_url(), {"page": "2"})
        html = response.content.decode()
        rows = _numbers_in_list(html)
        assert rows == [
            (str(PARTICIPANTS_PER_PAGE + n), f"Person {PARTICIPANTS_PER_PAGE + n:04d}")
            for n in range(1, 6)
        ]
        assert _stat(html, "total") == str(PARTICIPANTS_PER_PAGE + 5)
        assert _day_totals(html) == [str(PARTICIPANTS_PER_PAGE + 5), "0", "0"]
        total = PARTICIPANTS_PER_PAGE + 5
        assert f"Showing {PARTICIPANTS_PER_PAGE + 1}–{total} of {total}" in html
        assert 'id="participant-pages"' in html
        # The certificate panel counts everyone and lists the page's people.
        assert 'data-qualifying="0"' in html
        assert f"0 of {total} participants qualify." in html
        eligibility = re.findall(r'<tr data-enrolment="(\d+)"', html)
        assert len(eligibility) == 5

    def test_first_page_and_past_the_end(self, coordinator_client):
        training = TrainingFactory()
        _enrol(training, PARTICIPANTS_PER_PAGE + 1)
        first = coordinator_client.get(training.get_absolute_url()).content.decode()
        assert _numbers_in_list(first)[0] == ("1", "Person 0001")
        assert len(_numbers_in_list(first)) == PARTICIPANTS_PER_PAGE
        last = coordinator_client.get(
            training.get_absolute_url(), {"page": "99999999999999999999"}
        ).content.decode()
        assert _numbers_in_list(last) == [
            (str(PARTICIPANTS_PER_PAGE + 1), f"Person {PARTICIPANTS_PER_PAGE + 1:04d}")
        ]
        junk = coordinator_client.get(training.get_absolute_url(), {"page": "abc"})
        assert _numbers_in_list(junk.content.decode())[0] == ("1", "Person 0001")

    def test_small_training_has_no_page_links(self, coordinator_client):
        training = TrainingFactory()
        _enrol(training, 3)
        html = coordinator_client.get(training.get_absolute_url()).content.decode()
        assert 'id="participant-pages"' not in html
        assert "data-participant-window" not in html
        assert [number for number, _ in _numbers_in_list(html)] == ["1", "2", "3"]

    def test_qualifying_count_is_of_everyone(self, coordinator_client):
        training = TrainingFactory(certificate_min_days=1)
        present = _enrol(training, PARTICIPANTS_PER_PAGE + 2)
        absent = _enrol(training, 3, start=PARTICIPANTS_PER_PAGE + 2, present_on=())
        erased = present[-1].participant
        erased.erased_at = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
        erased.save()
        EnrolmentFactory(training=training, role=Enrolment.Role.FACILITATOR)
        html = coordinator_client.get(training.get_absolute_url()).content.decode()
        qualifying = len(present) - 1
        total = len(present) + len(absent)
        assert f'data-qualifying="{qualifying}"' in html
        assert f"{qualifying} of {total} participants qualify." in html

    def test_issued_certificates_show_the_latest_and_link_to_all(self, admin_client):
        training = TrainingFactory()
        enrolments = _enrol(training, 25)
        for serial, enrolment in enumerate(enrolments, start=1):
            CertificateFactory(enrolment=enrolment, serial=serial)
        html = admin_client.get(training.get_absolute_url()).content.decode()
        shown = re.findall(r'<tr data-certificate="([^"]+)"', html)
        assert len(shown) == 20
        newest = Certificate.objects.order_by("-serial").first()
        assert shown[0] == newest.number
        assert "The latest 20 of 25 certificates issued." in html
        assert f"{reverse('certificates:list')}?training={training.pk}" in html


class TestQueries:
    def test_training_page_queries_do_not_grow(self, coordinator_client):
        small, big = TrainingFactory(), TrainingFactory()
        for training, people in ((small, 3), (big, 150)):
            enrolments = _enrol(training, people, present_on=(DAY_1, DAY_2))
            for enrolment in enrolments[:2]:
                CertificateFactory(enrolment=enrolment)
                enrolment.post_score = 80
                enrolment.pre_score = 50
                enrolment.save()
        few = _cold_queries(coordinator_client, small.get_absolute_url())
        many = _cold_queries(coordinator_client, big.get_absolute_url())
        page_two = _cold_queries(coordinator_client, big.get_absolute_url() + "?page=2")
        assert few == many == page_two

    def test_enrol_page_queries_do_not_grow(self, coordinator_client):
        small, big = TrainingFactory(), TrainingFactory()
        _enrol(small, 3)
        urls = [reverse("trainings:enrol", args=[t.pk]) for t in (small, big)]
        # Measured before the big training's people exist: 3 search results
        # then, 25 (the most shown) after, so a query per result shows too.
        few = _cold_queries(coordinator_client, urls[0] + "?q=Person")
        _enrol(big, 150)
        many = _cold_queries(coordinator_client, urls[1] + "?q=Person")
        assert few == many

    def test_cached_numbers_skip_their_queries(self, coordinator_client):
        training = TrainingFactory()
        _enrol(training, 3)
        cold = _cold_queries(coordinator_client, training.get_absolute_url())
        with CaptureQueriesContext(connection) as warm:
            coordinator_client.get(training.get_absolute_url())
        assert len(warm) < cold


class TestCacheFollowsTheData:
    def test_a_new_mark_changes_attendance_per_day(self, coordinator_client):
        training = TrainingFactory()
        [first, second] = _enrol(training, 2)
        url = training.get_absolute_url()
        assert _day_totals(coordinator_client.get(url).content.decode()) == [
            "2",
            "0",
            "0",
        ]
        Attendance.objects.create(enrolment=second, date=DAY_2, present=True)
        assert _day_totals(coordinator_client.get(url).content.decode()) == [
            "2",
            "1",
            "0",
        ]

    def test_a_new_participant_changes_the_summary(self, coordinator_client):
        training = TrainingFactory()
        _enrol(training, 2)
        url = training.get_absolute_url()
        assert _stat(coordinator_client.get(url).content.decode(), "total") == "2"
        _enrol(training, 1, start=2)
        assert _stat(coordinator_client.get(url).content.decode(), "total") == "3"


class TestEnrolPage:
    def test_roster_is_windowed_and_search_knows_who_is_enrolled(
        self, coordinator_client
    ):
        training = TrainingFactory()
        _enrol(training, PARTICIPANTS_PER_PAGE + 3)
        outsider = ParticipantFactory(full_name="Person 9999")
        url = reverse("trainings:enrol", args=[training.pk])
        response = coordinator_client.get(url, {"q": "Person 0001"})
        html = response.content.decode()
        total = PARTICIPANTS_PER_PAGE + 3
        assert f"Enrolled ({total})" in html
        roster = html.split('id="enrolled"')[1].split("</ol>")[0]
        assert roster.count("<li ") == PARTICIPANTS_PER_PAGE
        assert 'id="roster-pages"' in html
        results = html.split('id="search-results"')[1].split("</ul>")[0]
        assert "Enrolled" in results
        page_two = coordinator_client.get(url, {"page": "2", "q": "Person 9999"})
        html = page_two.content.decode()
        roster = html.split('id="enrolled"')[1].split("</ol>")[0]
        assert roster.count("<li ") == 3
        assert "counter-reset: section 100" in html
        results = html.split('id="search-results"')[1].split("</ul>")[0]
        assert f'name="participant" value="{outsider.pk}"' in results
