import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
)
from trainings.models import Attendance, Enrolment, Training, format_date_range

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
