import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from participants.models import Agency, Participant
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TopicFactory,
    TrainingFactory,
)
from trainings.models import Attendance, Enrolment, Training
from trainings.services import (
    AttendanceConflict,
    attendance_record,
    enrolment_create,
    participant_create_and_enrol,
    training_save,
)

pytestmark = pytest.mark.django_db

DAY_1 = datetime.date(2023, 10, 18)
DAY_2 = datetime.date(2023, 10, 19)
DAY_3 = datetime.date(2023, 10, 20)


class TestTrainingSave:
    def test_creates_with_topics(self):
        training = TrainingFactory.build(region=TrainingFactory().region)
        topic = TopicFactory()
        training_save(training=training, topics=[topic])
        assert list(Training.objects.get(pk=training.pk).topics.all()) == [topic]

    def test_refuses_dates_that_strand_attendance_and_names_the_days(self):
        training = TrainingFactory()
        AttendanceFactory(enrolment__training=training, date=DAY_1)
        AttendanceFactory(enrolment__training=training, date=DAY_3)
        training.start_date = DAY_2
        training.end_date = DAY_2
        with pytest.raises(ValidationError) as error:
            training_save(training=training)
        message = error.value.message_dict["start_date"][0]
        assert "18/10/2023" in message and "20/10/2023" in message
        training.refresh_from_db()
        assert (training.start_date, training.end_date) == (DAY_1, DAY_3)

    def test_database_trigger_refusal_becomes_the_same_message(self, monkeypatch):
        """If attendance appears between the check and the save (another request),
        the trigger's IntegrityError still reaches the user as a date error."""
        training = TrainingFactory()
        AttendanceFactory(enrolment__training=training, date=DAY_3)
        training.end_date = DAY_2
        calls = []

        def check_finds_nothing_first(t):
            calls.append(t)
            if len(calls) == 1:
                return []
            return [DAY_3]

        monkeypatch.setattr(
            "trainings.services._stranded_attendance_days", check_finds_nothing_first
        )
        with pytest.raises(ValidationError) as error:
            training_save(training=training)
        assert "end_date" in error.value.message_dict
        assert len(calls) == 2

    def test_keeps_dates_that_cover_the_attendance(self):
        training = TrainingFactory()
        AttendanceFactory(enrolment__training=training, date=DAY_2)
        training.start_date = DAY_2
        training_save(training=training)
        training.refresh_from_db()
        assert training.start_date == DAY_2


class TestEnrolmentCreate:
    def test_enrols_in_the_given_role(self):
        training, person = TrainingFactory(), ParticipantFactory()
        enrolment = enrolment_create(
            training=training, participant=person, role=Enrolment.Role.COMMITTEE
        )
        assert enrolment.role == "committee"

    def test_second_enrolment_of_the_same_person_is_refused(self):
        enrolment = EnrolmentFactory()
        with pytest.raises(ValidationError):
            enrolment_create(
                training=enrolment.training, participant=enrolment.participant
            )
        assert Enrolment.objects.count() == 1


class TestParticipantCreateAndEnrol:
    def test_creates_agency_person_and_enrolment(self):
        training = TrainingFactory()
        enrolment = participant_create_and_enrol(
            training=training,
            participant_fields={"full_name": "Andi Baso", "sex": "L"},
            new_agency_name="PATBM Bontoa",
            new_agency_type=Agency.Type.COMMUNITY,
        )
        assert enrolment.participant.agency.region == training.region
        assert enrolment.training == training

    def test_an_invalid_person_leaves_no_agency_behind(self):
        training = TrainingFactory()
        with pytest.raises(ValidationError):
            participant_create_and_enrol(
                training=training,
                participant_fields={"full_name": "Andi", "sex": "L", "nik": "12"},
                new_agency_name="PATBM Bontoa",
            )
        assert not Agency.objects.exists()
        assert not Participant.objects.exists()

    def test_uses_an_existing_agency(self):
        agency = AgencyFactory()
        enrolment = participant_create_and_enrol(
            training=TrainingFactory(),
            participant_fields={"full_name": "Sitti", "sex": "P"},
            agency=agency,
        )
        assert enrolment.participant.agency == agency


class TestAttendanceRecord:
    def _rows(self):
        return set(Attendance.objects.values_list("enrolment_id", "date", "present"))

    def test_records_present_and_absent_only_on_days_with_ticks(self):
        training = TrainingFactory()
        first, second = EnrolmentFactory.create_batch(2, training=training)
        result = attendance_record(
            training=training, enrolments=[first, second], present={(first.pk, DAY_1)}
        )
        assert self._rows() == {(first.pk, DAY_1, True), (second.pk, DAY_1, False)}
        assert (result.created, result.updated) == (2, 0)

    def test_same_grid_twice_changes_nothing(self):
        training = TrainingFactory()
        first, second = EnrolmentFactory.create_batch(2, training=training)
        present = {(first.pk, DAY_1), (second.pk, DAY_2)}
        attendance_record(
            training=training, enrolments=[first, second], present=present
        )
        before = set(Attendance.objects.values_list("pk", "present"))
        result = attendance_record(
            training=training, enrolments=[first, second], present=present
        )
        assert result.changed == 0
        assert set(Attendance.objects.values_list("pk", "present")) == before

    def test_unticking_a_recorded_day_marks_absent(self):
        attendance = AttendanceFactory()
        training = attendance.enrolment.training
        result = attendance_record(
            training=training, enrolments=[attendance.enrolment], present=set()
        )
        attendance.refresh_from_db()
        assert attendance.present is False
        assert result.updated == 1

    def test_rows_not_in_the_grid_are_left_alone(self):
        training = TrainingFactory()
        shown, added_meanwhile = EnrolmentFactory.create_batch(2, training=training)
        attendance_record(
            training=training, enrolments=[shown], present={(shown.pk, DAY_1)}
        )
        assert not Attendance.objects.filter(enrolment=added_meanwhile).exists()

    def test_concurrent_insert_is_a_conflict_and_writes_nothing(self, monkeypatch):
        """Two saves read "no row yet" and both insert: the unique constraint refuses
        the second, which becomes AttendanceConflict with nothing half-written."""
        training = TrainingFactory()
        first, second = EnrolmentFactory.create_batch(2, training=training)
        real_filter = Attendance.objects.filter

        def stale_read(*args, **kwargs):
            rows = list(real_filter(*args, **kwargs))
            # the other request inserts now, after this one has read
            Attendance.objects.bulk_create([Attendance(enrolment=second, date=DAY_1)])
            return rows

        monkeypatch.setattr(Attendance.objects, "filter", stale_read)
        with pytest.raises(AttendanceConflict):
            attendance_record(
                training=training,
                enrolments=[first, second],
                present={(first.pk, DAY_1), (second.pk, DAY_1)},
            )
        monkeypatch.undo()
        # The simulated insert ran inside the same transaction, so it is rolled back
        # with the refused save: no duplicate, nothing half-written.
        assert self._rows() == set()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent transactions (PostgreSQL); SQLite serialises writers",
)
def test_two_simultaneous_grid_saves_take_turns_and_cannot_duplicate_rows():
    """Two saves of one training's grid at once: the lock on the training row makes
    the second wait for the first and then read what it wrote, so both succeed and
    no row is doubled (before the lock, the second got AttendanceConflict)."""
    enrolment = EnrolmentFactory()
    training = enrolment.training
    start = threading.Barrier(2, timeout=10)
    outcomes = []

    def request():
        try:
            start.wait()
            with transaction.atomic():
                attendance_record(
                    training=training,
                    enrolments=[enrolment],
                    present={(enrolment.pk, DAY_1)},
                )
            outcomes.append("saved")
        except Exception as error:  # the outcome is what the test checks
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == ["saved", "saved"]
    assert Attendance.objects.filter(enrolment=enrolment).count() == 1
