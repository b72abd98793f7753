import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from participants.disaggregation import SEX_COLUMNS
from participants.models import Agency
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TopicFactory,
    TrainingFactory,
)
from trainings.dates import day_rows, format_date_range
from trainings.models import Attendance, Enrolment, Training

pytestmark = pytest.mark.django_db


class TestTrainingConstraints:
    def test_end_before_start_is_refused_by_the_database(self):
        training = TrainingFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Training.objects.filter(pk=training.pk).update(
                end_date=datetime.date(2023, 10, 17)
            )

    def test_end_before_start_fails_full_clean_with_a_field_message(self):
        training = TrainingFactory(end_date=datetime.date(2023, 10, 20))
        training.end_date = datetime.date(2023, 10, 17)
        with pytest.raises(ValidationError) as error:
            training.full_clean()
        assert "end_date" in error.value.message_dict

    def test_one_day_training_is_allowed(self):
        day = datetime.date(2024, 1, 5)
        training = TrainingFactory(start_date=day, end_date=day)
        assert training.days == [day]


class TestEnrolmentConstraints:
    def test_same_person_cannot_enrol_twice_in_one_training(self):
        enrolment = EnrolmentFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Enrolment.objects.create(
                training=enrolment.training, participant=enrolment.participant
            )

    def test_same_person_can_enrol_in_two_trainings(self):
        person = ParticipantFactory()
        EnrolmentFactory(participant=person)
        EnrolmentFactory(participant=person)
        assert person.enrolments.count() == 2


class TestAttendanceConstraints:
    def test_one_attendance_per_enrolment_per_day(self):
        attendance = AttendanceFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Attendance.objects.create(
                enrolment=attendance.enrolment, date=attendance.date
            )

    @pytest.mark.parametrize("offset", [-1, 3])
    def test_database_refuses_attendance_outside_training_days(self, offset):
        enrolment = EnrolmentFactory()  # training 18-20 October 2023
        date = enrolment.training.start_date + datetime.timedelta(days=offset)
        with pytest.raises(IntegrityError), transaction.atomic():
            Attendance.objects.create(enrolment=enrolment, date=date)
        with pytest.raises(IntegrityError), transaction.atomic():
            Attendance.objects.bulk_create([Attendance(enrolment=enrolment, date=date)])

    def test_database_refuses_moving_attendance_outside_training_days(self):
        attendance = AttendanceFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            Attendance.objects.filter(pk=attendance.pk).update(
                date=datetime.date(2023, 10, 25)
            )

    def test_database_refuses_shortening_a_training_past_its_attendance(self):
        attendance = AttendanceFactory(
            date=datetime.date(2023, 10, 20)
        )  # last day of 18-20
        with pytest.raises(IntegrityError), transaction.atomic():
            Training.objects.filter(pk=attendance.enrolment.training_id).update(
                end_date=datetime.date(2023, 10, 19)
            )

    def test_training_can_grow_around_its_attendance(self):
        attendance = AttendanceFactory()
        Training.objects.filter(pk=attendance.enrolment.training_id).update(
            end_date=datetime.date(2023, 10, 25)
        )

    def test_full_clean_names_the_training_days(self):
        enrolment = EnrolmentFactory()
        attendance = Attendance(enrolment=enrolment, date=datetime.date(2023, 11, 1))
        with pytest.raises(ValidationError) as error:
            attendance.full_clean()
        assert "date" in error.value.message_dict


class TestDateRange:
    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            ((2023, 10, 18), (2023, 10, 20), "18–20 Oktober 2023"),
            ((2023, 10, 18), (2023, 10, 18), "18 Oktober 2023"),
            ((2023, 9, 30), (2023, 10, 2), "30 September – 2 Oktober 2023"),
            ((2023, 12, 30), (2024, 1, 2), "30 Desember 2023 – 2 Januari 2024"),
        ],
    )
    def test_indonesian_date_ranges(self, start, end, expected):
        assert format_date_range(datetime.date(*start), datetime.date(*end)) == expected

    def test_english_date_range(self):
        from django.utils import translation

        with translation.override("en"):
            assert (
                format_date_range(
                    datetime.date(2023, 10, 18), datetime.date(2023, 10, 20)
                )
                == "18–20 October 2023"
            )


@pytest.fixture
def programme():
    """Three trainings of three days in March, June and September 2023, each with
    two topics, four participants (L, P, not recorded, P; of a government office,
    an NGO or no agency), attendance on every day (two absent on the last) and a
    facilitator: enough rows that a query per row would show."""
    agencies = [
        AgencyFactory(type=Agency.Type.GOVERNMENT),
        AgencyFactory(type=Agency.Type.NGO),
        None,
    ]
    topics = [TopicFactory(), TopicFactory()]
    trainings = []
    for month in (3, 6, 9):
        training = TrainingFactory(start_date=datetime.date(2023, month, 1))
        training.topics.set(topics)
        for number, sex in enumerate(["L", "P", "", "P"]):
            person = ParticipantFactory(sex=sex, agency=agencies[number % 3])
            enrolment = EnrolmentFactory(training=training, participant=person)
            for day in training.days:
                present = day != training.end_date or number % 2 == 0
                AttendanceFactory(enrolment=enrolment, date=day, present=present)
        EnrolmentFactory(training=training, role=Enrolment.Role.FACILITATOR)
        trainings.append(training)
    return trainings


class TestTrainingQueryCounts:
    def test_for_list_runs_three_queries(self, programme, django_assert_num_queries):
        # The trainings with their regions, their participant counts, their topics.
        with django_assert_num_queries(3):
            rows = [
                (t.region.name, len(t.topics.all()), t.participant_count)
                for t in Training.objects.for_list()
            ]
        assert [(topics, count) for _, topics, count in rows] == [(2, 4)] * 3

    def test_with_participant_count_runs_one_query(
        self, programme, django_assert_num_queries
    ):
        trainings = Training.objects.with_participant_count()
        with django_assert_num_queries(1):
            counts = [training.participant_count for training in trainings]
        assert counts == [4, 4, 4]

    def test_with_record_counts_runs_one_query(
        self, programme, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            counts = [
                (t.enrolment_count, t.attendance_count)
                for t in Training.objects.with_record_counts()
            ]
        assert counts == [(5, 12)] * 3


class TestEnrolmentQueryCounts:
    def test_for_roster_runs_two_queries(self, programme, django_assert_num_queries):
        with django_assert_num_queries(2):
            rows = [
                (e.participant.agency, e.attendance_marks(e.training.days))
                for e in Enrolment.objects.select_related("training").for_roster()
            ]
        assert len(rows) == 15

    def test_with_attendance_count_runs_one_query(
        self, programme, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            rows = [
                (e.training.title, e.participant.full_name, e.attendance_count)
                for e in Enrolment.objects.with_attendance_count()
            ]
        assert sorted(count for *_, count in rows) == [0] * 3 + [3] * 12

    def test_with_days_present_runs_one_query(
        self, programme, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            rows = [
                (e.training.title, e.days_present)
                for e in Enrolment.objects.participants().with_days_present()
            ]
        assert sorted(days for _, days in rows) == [2] * 6 + [3] * 6

    def test_with_days_attended_runs_one_query(
        self, programme, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            days = [e.days_attended for e in Enrolment.objects.with_days_attended()]
        assert sorted(days) == [0] * 3 + [2] * 6 + [3] * 6

    def test_sex_summary_runs_one_query(self, programme, django_assert_num_queries):
        with django_assert_num_queries(1):
            summary = Enrolment.objects.participants().sex_summary()
        assert summary == {"male": 3, "female": 6, "not_recorded": 3, "total": 12}

    def test_agency_type_summary_runs_one_query(
        self, programme, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            rows = list(Enrolment.objects.participants().agency_type_summary())
        assert {row["agency_type"]: row["total"] for row in rows} == {
            "government": 6,
            "ngo": 3,
            None: 3,
        }

    def test_report_summary_runs_one_query(self, programme, django_assert_num_queries):
        with django_assert_num_queries(1):
            summary = Enrolment.objects.participants().report_summary()
        assert (summary["trainings"], summary["max_days"]) == (3, 3)
        assert (summary["participations_total"], summary["person_days_total"]) == (
            12,
            30,
        )

    def test_span_summary_runs_one_query(self, programme, django_assert_num_queries):
        with django_assert_num_queries(1):
            summary = Enrolment.objects.participants().span_summary()
        assert summary == {"trainings": 3, "max_days": 3}

    def test_agency_summary_runs_one_query(self, programme, django_assert_num_queries):
        with django_assert_num_queries(1):
            rows = list(Enrolment.objects.participants().agency_summary())
        assert [row["participations_total"] for row in rows] == [6, 3, 3]

    def test_month_summary_runs_one_query(self, programme, django_assert_num_queries):
        with django_assert_num_queries(1):
            rows = list(Enrolment.objects.participants().month_summary())
        assert [row["participations_total"] for row in rows] == [4, 4, 4]

    def test_in_trainings_page_runs_one_query(
        self, programme, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            rows = list(Enrolment.objects.participants().in_trainings_page(0, 2))
        assert {e.training_id for e in rows} == {programme[2].pk, programme[1].pk}

    def test_training_summary_runs_one_query(
        self, programme, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            rows = list(Enrolment.objects.participants().training_summary())
        assert [row["person_days"] for row in rows] == [10, 10, 10]
        assert [row["attended_every_day"] for row in rows] == [2, 2, 2]

    def test_participant_summary_runs_one_query(
        self, programme, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            rows = list(Enrolment.objects.participants().participant_summary())
        assert len(rows) == 12


class TestAttendanceQueryCounts:
    def test_training_day_summary_runs_one_query(
        self, programme, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            rows = list(Attendance.objects.training_day_summary())
        assert [row["present_total"] for row in rows] == [4, 4, 2] * 3
        assert [row["present_not_recorded"] for row in rows] == [1, 1, 1] * 3


def test_day_rows_fill_days_nobody_attended_with_zeros():
    days = [datetime.date(2023, 10, 18), datetime.date(2023, 10, 19)]
    present = {days[1]: {f"present_{key}": 1 for key in SEX_COLUMNS}}
    assert day_rows(days, present) == [
        {"number": 1, "date": days[0], **dict.fromkeys(SEX_COLUMNS, 0)},
        {"number": 2, "date": days[1], **dict.fromkeys(SEX_COLUMNS, 1)},
    ]
