"""The report page and its counts: every number split L / P / not recorded / total,
counted by the database in a fixed number of queries."""

import datetime
import io
from http import HTTPStatus
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from participants.models import Agency, Participant
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    RegencyFactory,
    TopicFactory,
    TrainingFactory,
)
from trainings import tables
from trainings.models import Attendance, Enrolment, Training

pytestmark = pytest.mark.django_db


@pytest.fixture
def maros():
    """The Maros OCSEA training of the demo: 19 participants, 4 L and 15 P."""
    call_command("load_demo", stdout=io.StringIO())
    return Training.objects.get(start_date=datetime.date(2023, 10, 18))


def sexes(data, prefix):
    """(L, P, not recorded, total) of a report row."""
    keys = ("male", "female", "not_recorded", "total")
    return tuple(data[f"{prefix}_{key}"] for key in keys)


def day_counts(row, number):
    """(L, P, not recorded, total) present on day ``number`` of a training row."""
    day = row["per_day"][number - 1]
    return (day["male"], day["female"], day["not_recorded"], day["total"])


def training_rows():
    return list(tables.training_rows(Enrolment.objects.participants()))


def cells(table):
    """A page table's rows as lists of cell texts."""
    return [[cell["text"] for cell in row] for row in table["rows"]]


class TestMarosReport:
    def test_headline_counts(self, maros):
        summary = Enrolment.objects.participants().report_summary()
        assert summary["trainings"] == 1
        assert summary["max_days"] == 3
        assert sexes(summary, "participations") == (4, 15, 0, 19)
        assert sexes(summary, "persons") == (4, 15, 0, 19)
        # Day 2 has 18 present (one P absent), the other days 19: 56 person-days.
        assert sexes(summary, "person_days") == (12, 44, 0, 56)

    @pytest.mark.parametrize(
        ("agency_type", "expected"),
        [
            ("government", (1, 6, 0, 7)),
            ("law_enforcement", (2, 1, 0, 3)),
            ("service_provider", (0, 4, 0, 4)),
            ("community", (1, 4, 0, 5)),
            ("ngo", (0, 0, 0, 0)),
            ("none", (0, 0, 0, 0)),
        ],
    )
    def test_per_agency_type(self, maros, agency_type, expected):
        summary = Enrolment.objects.participants().report_summary()
        assert sexes(summary, f"type_{agency_type}") == expected

    def test_per_day_and_every_day(self, maros):
        enrolments = Enrolment.objects.participants()
        [row] = enrolments.training_summary()
        assert row["training_id"] == maros.pk
        assert row["days"] == 3
        assert sexes(row, "participations") == (4, 15, 0, 19)
        [row] = training_rows()
        assert day_counts(row, 1) == (4, 15, 0, 19)
        assert day_counts(row, 2) == (4, 14, 0, 18)
        assert day_counts(row, 3) == (4, 15, 0, 19)
        assert row["person_days"] == 56
        assert row["attended_every_day"] == 18

    def test_disability_not_asked_is_its_own_column(self, maros):
        summary = Enrolment.objects.participants().report_summary()
        assert sexes(summary, "disability_not_asked") == (4, 15, 0, 19)
        assert sexes(summary, "disability_yes") == (0, 0, 0, 0)

    def test_agency_rows_add_up_to_the_total(self, maros):
        rows = list(Enrolment.objects.participants().agency_summary())
        assert len(rows) == 11
        assert sum(row["participations_total"] for row in rows) == 19
        dinsos = next(r for r in rows if r["agency_name"].startswith("Dinas Sosial"))
        assert sexes(dinsos, "participations") == (1, 1, 0, 2)

    def test_month_summary(self, maros):
        [row] = Enrolment.objects.participants().month_summary()
        assert row["month"] == datetime.date(2023, 10, 1)
        assert sexes(row, "participations") == (4, 15, 0, 19)

    def test_report_page_shows_the_tables(self, maros, coordinator_client):
        response = coordinator_client.get(reverse("trainings:report"))
        assert response.status_code == HTTPStatus.OK
        tables = response.context["tables"]
        summary = cells(tables["summary"])
        assert summary[0][-2] == "1"  # trainings held
        assert summary[1][1:5] == ["4", "15", "0", "19"]  # participations
        assert summary[2][1:5] == ["4", "15", "0", "19"]  # unique persons
        assert summary[3][1:5] == ["12", "44", "0", "56"]  # person-days
        by_type = {row[0]: row[1:5] for row in cells(tables["agency_type"])}
        with translation.override("id"):
            government = str(Agency.Type.GOVERNMENT.label)
        assert by_type[government] == ["1", "6", "0", "7"]
        assert cells(tables["agency_type"])[-1][1:5] == ["4", "15", "0", "19"]
        content = response.content.decode()
        assert "<svg" in content
        assert "cdn" not in content.lower()

    def test_trainings_page_shows_day_two(self, maros, staff_client):
        response = staff_client.get(reverse("trainings:report_trainings"))
        assert response.status_code == HTTPStatus.OK
        [row] = response.context["trainings"]
        assert [day["total"] for day in row["per_day"]] == [19, 18, 19]
        assert row["attendance_rate"] == round(100 * 56 / 57, 1)
        assert row["attended_every_day"] == 18
        assert 'data-stat="day-total">18<' in response.content.decode()


class TestCounting:
    def test_one_person_in_two_trainings_is_two_participations_one_person(self):
        person = ParticipantFactory(sex=Participant.Sex.FEMALE)
        EnrolmentFactory(participant=person)
        EnrolmentFactory(participant=person)
        summary = Enrolment.objects.participants().report_summary()
        assert summary["trainings"] == 2
        assert sexes(summary, "participations") == (0, 2, 0, 2)
        assert sexes(summary, "persons") == (0, 1, 0, 1)

    def test_blank_sex_is_counted_as_not_recorded_and_totals_add_up(self):
        training = TrainingFactory()
        for sex in ["L", "P", "P", ""]:
            enrolment = EnrolmentFactory(
                training=training, participant=ParticipantFactory(sex=sex)
            )
            AttendanceFactory(enrolment=enrolment)
        enrolments = Enrolment.objects.participants()
        summary = enrolments.report_summary()
        assert sexes(summary, "participations") == (1, 2, 1, 4)
        assert sexes(summary, "persons") == (1, 2, 1, 4)
        assert sexes(summary, "person_days") == (1, 2, 1, 4)
        assert sexes(summary, "type_government") == (1, 2, 1, 4)
        assert sexes(summary, "disability_not_asked") == (1, 2, 1, 4)
        [row] = training_rows()
        assert sexes(row, "participations") == (1, 2, 1, 4)
        assert day_counts(row, 1) == (1, 2, 1, 4)
        assert day_counts(row, 2) == (0, 0, 0, 0)
        [month] = enrolments.month_summary()
        assert sexes(month, "participations") == (1, 2, 1, 4)

    def test_facilitators_are_not_counted(self):
        training = TrainingFactory()
        EnrolmentFactory(training=training)
        EnrolmentFactory(training=training, role=Enrolment.Role.FACILITATOR)
        summary = Enrolment.objects.participants().report_summary()
        assert summary["participations_total"] == 1

    def test_absent_days_are_not_person_days(self):
        enrolment = EnrolmentFactory()
        start = enrolment.training.start_date
        AttendanceFactory(enrolment=enrolment, date=start, present=True)
        AttendanceFactory(
            enrolment=enrolment, date=start + datetime.timedelta(days=1), present=False
        )
        [row] = training_rows()
        assert row["person_days"] == 1
        assert row["attended_every_day"] == 0
        assert day_counts(row, 2)[3] == 0

    def test_everyone_present_every_day_of_a_one_day_training(self):
        day = datetime.date(2024, 3, 5)
        training = TrainingFactory(start_date=day, end_date=day)
        AttendanceFactory(enrolment=EnrolmentFactory(training=training), date=day)
        [row] = Enrolment.objects.participants().training_summary()
        assert (row["days"], row["attended_every_day"]) == (1, 1)

    def test_participant_without_agency_is_counted_as_no_agency(self):
        EnrolmentFactory(participant=ParticipantFactory(agency=None, sex="L"))
        summary = Enrolment.objects.participants().report_summary()
        assert sexes(summary, "type_none") == (1, 0, 0, 1)
        [row] = Enrolment.objects.participants().agency_summary()
        assert row["agency_id"] is None

    def test_empty_report(self):
        summary = Enrolment.objects.participants().report_summary()
        assert summary["trainings"] == 0
        assert summary["max_days"] == 0
        assert sexes(summary, "person_days") == (0, 0, 0, 0)


class TestFilters:
    def test_filters_narrow_every_table(self, maros, staff_client):
        other = TrainingFactory(start_date=datetime.date(2024, 2, 1))
        EnrolmentFactory.create_batch(3, training=other)
        url = reverse("trainings:report")
        response = staff_client.get(url, {"period_after": "2024-01-01"})
        assert response.context["summary"]["participations_total"] == 3
        response = staff_client.get(url, {"training": str(maros.pk)})
        assert response.context["summary"]["participations_total"] == 19
        response = staff_client.get(url, {"training": "Eksploitasi"})
        assert response.context["summary"]["participations_total"] == 19

    def test_region_includes_its_regencies(self, maros, staff_client):
        province = maros.region.parent
        TrainingFactory(region=RegencyFactory(code="73.71", level="city"))
        response = staff_client.get(
            reverse("trainings:report"), {"region": province.code}
        )
        assert response.context["summary"]["participations_total"] == 19

    def test_agency_by_alias_and_agency_type(self, maros, staff_client):
        url = reverse("trainings:report")
        response = staff_client.get(url, {"agency": "Dinsos Maros"})
        assert response.context["summary"]["participations_total"] == 2
        response = staff_client.get(url, {"agency_type": "law_enforcement"})
        assert sexes(response.context["summary"], "participations") == (2, 1, 0, 3)

    def test_topic(self, maros, staff_client):
        topic = TopicFactory()
        response = staff_client.get(reverse("trainings:report"), {"topic": topic.pk})
        assert response.context["summary"]["participations_total"] == 0

    def test_unknown_region_is_a_400(self, staff_client):
        response = staff_client.get(reverse("trainings:report"), {"region": "999999"})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "region" in response.context["filter"].errors

    def test_invalid_filter_is_a_400_with_the_message_not_a_500(self, staff_client):
        response = staff_client.get(
            reverse("trainings:report"), {"period_after": "not-a-date"}
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.context["filter"].errors


class TestQueryCount:
    @staticmethod
    def _make_trainings(count):
        agency = AgencyFactory()
        region = RegencyFactory()
        trainings = Training.objects.bulk_create(
            Training(
                title=f"Pelatihan {n}",
                region=region,
                start_date=datetime.date(2023, 1 + n % 12, 1),
                end_date=datetime.date(2023, 1 + n % 12, 2 + n % 3),
            )
            for n in range(count)
        )
        people = Participant.objects.bulk_create(
            Participant(full_name=f"Peserta {n}", sex="LP"[n % 2], agency=agency)
            for n in range(count)
        )
        enrolments = Enrolment.objects.bulk_create(
            Enrolment(training=t, participant=p)
            for t, p in zip(trainings, people, strict=True)
        )
        Attendance.objects.bulk_create(
            Attendance(enrolment=e, date=e.training.start_date) for e in enrolments
        )

    @staticmethod
    def _queries(context):
        """The statements a request runs, without the savepoints that appear only
        because the test wraps every request in its own transaction."""
        return [
            q["sql"]
            for q in context.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        ]

    @pytest.mark.parametrize("filtered", [False, True])
    @pytest.mark.parametrize(
        "url_name", ["trainings:report", "trainings:report_trainings"]
    )
    def test_same_queries_for_10_and_1000_trainings(
        self, coordinator_client, url_name, filtered
    ):
        url = reverse(url_name)
        if filtered:
            province = RegencyFactory().parent
            filters = {
                "region": province.code,
                "topic": TopicFactory().pk,
                "period_after": "2023-01-01",
                "agency_type": "government",
                "agency": "Dinas",
                "training": "Pelatihan",
            }
            url += "?" + urlencode(filters)
        coordinator_client.get(url)  # warm up: content types, session
        self._make_trainings(10)
        with CaptureQueriesContext(connection) as small:
            assert coordinator_client.get(url).status_code == HTTPStatus.OK
        self._make_trainings(990)
        with CaptureQueriesContext(connection) as large:
            response = coordinator_client.get(url)
        assert response.status_code == HTTPStatus.OK
        assert len(self._queries(small)) == len(self._queries(large))
        # Session, user, the second factor's device, two for permissions, the
        # session save and the topic choices of the filter form: 7; a chosen
        # region is checked (with its parents, so the picker's label needs no
        # query): 1 more. The report page:
        # headline, breakdowns (month, province, regency/city with their names),
        # agencies and knowledge gain (4; no scores here, so not the gain by
        # agency type); the trainings page 3 at most.
        report = 4 if url_name == "trainings:report" else 3
        expected = 7 + (1 if filtered else 0) + report
        if url_name == "trainings:report":
            assert len(self._queries(large)) == expected, self._queries(large)
        else:
            assert len(self._queries(large)) <= expected, self._queries(large)
        if filtered:  # the topic is on no training
            assert not response.context["filter"].errors
        elif url_name == "trainings:report_trainings":
            assert len(response.context["trainings"]) == 25
        else:
            assert response.context["summary"]["trainings"] == 1000


def test_reports_link_in_the_menu(staff_client):
    content = staff_client.get(reverse("trainings:list")).content.decode()
    assert f'href="{reverse("trainings:report")}"' in content


def test_days_are_counted_across_a_month_end():
    """A training from 30 September to 2 October has its third day on 2 October."""
    training = TrainingFactory(
        start_date=datetime.date(2023, 9, 30), end_date=datetime.date(2023, 10, 2)
    )
    enrolment = EnrolmentFactory(training=training)
    for day in training.days:
        AttendanceFactory(enrolment=enrolment, date=day)
    late = EnrolmentFactory(training=training)
    AttendanceFactory(enrolment=late, date=datetime.date(2023, 10, 2))
    [row] = training_rows()
    assert row["days"] == 3
    assert [day_counts(row, n)[3] for n in (1, 2, 3)] == [1, 1, 2]
    assert row["per_day"][2]["date"] == datetime.date(2023, 10, 2)
    assert row["attended_every_day"] == 1
    assert row["person_days"] == 4
