"""Merging two records of one person and undoing it (setara/merging.py)."""

import datetime
import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation

from participants.models import Participant, ParticipantMerge
from setara import roles
from setara.merging import (
    chosen_values,
    default_choices,
    participant_merge,
    participant_merge_undo,
)
from tests.factories import (
    AgencyFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
    UserFactory,
)
from trainings.models import Attendance, Enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages in English, whatever the Indonesian catalogue holds."""
    with translation.override("en"):
        yield


DAY = datetime.date(2023, 10, 18)


def day(n: int) -> datetime.date:
    return DAY + datetime.timedelta(days=n)


def mark(enrolment, marks: dict) -> None:
    """``marks``: day number -> present (True) or absent (False)."""
    for n, present in marks.items():
        Attendance.objects.create(enrolment=enrolment, date=day(n), present=present)


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coord", role=roles.COORDINATOR)


@pytest.fixture
def pair(db):
    """Two records of one person, enrolled together in one six-day training
    (with every combination of marks), and each alone in another."""
    agency = AgencyFactory()
    kept = ParticipantFactory(
        full_name="Nurhaeda Rahman", sex="P", agency=agency, phone="", nik=""
    )
    other = ParticipantFactory(
        full_name="Nurhayda Rahman",
        sex="",
        agency=agency,
        phone="+6281234567890",
        nik="7309015505900012",
        position="",
    )
    shared = TrainingFactory(start_date=DAY, end_date=day(5))
    kept_shared = EnrolmentFactory(training=shared, participant=kept)
    other_shared = EnrolmentFactory(training=shared, participant=other)
    # day: 0 both present, 1 absent + present, 2 only the other present,
    # 3 both absent, 4 only the other absent, 5 nobody recorded it.
    mark(kept_shared, {0: True, 1: False, 3: False})
    mark(other_shared, {0: True, 1: True, 2: True, 3: False, 4: False})
    kept_alone = EnrolmentFactory(participant=kept)
    mark(kept_alone, {0: True})
    other_alone = EnrolmentFactory(participant=other)
    mark(other_alone, {0: True, 1: True, 2: True})
    return {
        "kept": kept,
        "other": other,
        "shared": shared,
        "kept_shared": kept_shared,
        "other_shared": other_shared,
        "kept_alone": kept_alone,
        "other_alone": other_alone,
    }


def merge(pair, user, **values):
    return participant_merge(
        survivor=pair["kept"], duplicate=pair["other"], values=values, user=user
    )


def registry_state() -> dict:
    """Every participant (without ``updated_at``), enrolment and attendance row."""
    return {
        "participants": [
            {k: v for k, v in row.items() if k != "updated_at"}
            for row in Participant.objects.order_by("pk").values()
        ],
        "enrolments": list(Enrolment.objects.order_by("pk").values()),
        "attendance": list(Attendance.objects.order_by("pk").values()),
    }


class TestParticipantMerge:
    def test_moves_enrolments_and_deletes_the_duplicate(self, pair, coordinator):
        record = merge(pair, coordinator)
        assert not Participant.objects.filter(pk=pair["other"].pk).exists()
        kept = pair["kept"]
        assert set(kept.enrolments.values_list("pk", flat=True)) == {
            pair["kept_shared"].pk,
            pair["kept_alone"].pk,
            pair["other_alone"].pk,
        }
        assert record.moved_enrolment_ids == [pair["other_alone"].pk]
        assert [e["id"] for e in record.removed_enrolments] == [pair["other_shared"].pk]
        assert not Enrolment.objects.filter(pk=pair["other_shared"].pk).exists()

    def test_a_shared_training_keeps_every_day_present_on_either(
        self, pair, coordinator
    ):
        merge(pair, coordinator)
        marks = dict(pair["kept_shared"].attendances.values_list("date", "present"))
        assert marks == {
            day(0): True,  # present on both
            day(1): True,  # absent on one, present on the other
            day(2): True,  # only the other recorded it, present
            day(3): False,  # absent on both
            day(4): False,  # only the other recorded it, absent
        }  # day 5: recorded by neither, still not recorded

    def test_values_chosen_replace_the_survivors(self, pair, coordinator):
        other = pair["other"]
        merge(pair, coordinator, phone=other.phone, nik=other.nik, sex="P")
        kept = Participant.objects.get(pk=pair["kept"].pk)
        assert (kept.phone, kept.nik, kept.sex) == (other.phone, other.nik, "P")
        assert kept.full_name == "Nurhaeda Rahman"

    def test_the_village_region_can_come_from_the_duplicate(self, pair, coordinator):
        from tests.factories import VillageFactory

        village = VillageFactory()
        Participant.objects.filter(pk=pair["other"].pk).update(village_region=village)
        merge(pair, coordinator, village_region=village)
        kept = Participant.objects.get(pk=pair["kept"].pk)
        assert kept.village_region == village
        participant_merge_undo(merge=ParticipantMerge.objects.get(), user=coordinator)
        kept.refresh_from_db()
        assert kept.village_region is None

    def test_every_write_is_in_the_history_with_user_and_reason(
        self, pair, coordinator
    ):
        kept, other = pair["kept"], pair["other"]
        merge(pair, coordinator)
        reason = f"merged participant #{other.pk} into #{kept.pk}"
        deleted = Participant.history.get(id=other.pk, history_type="-")
        assert deleted.full_name == "Nurhayda Rahman"  # the history keeps it
        assert (deleted.history_user, deleted.history_change_reason) == (
            coordinator,
            reason,
        )
        survivor_row = Participant.history.filter(id=kept.pk).latest()
        assert survivor_row.history_change_reason == reason
        moved = Enrolment.history.filter(id=pair["other_alone"].pk).latest()
        assert (moved.history_type, moved.participant_id) == ("~", kept.pk)
        removed = Enrolment.history.get(id=pair["other_shared"].pk, history_type="-")
        assert removed.history_user == coordinator
        marks = Attendance.history.filter(history_change_reason=reason)
        # 2 added and 1 changed on the kept enrolment, 5 deleted with the other's.
        assert sorted(marks.values_list("history_type", flat=True)) == sorted(
            ["+", "+", "~", "-", "-", "-", "-", "-"]
        )
        assert {row.history_user for row in marks} == {coordinator}

    def test_merging_a_merged_pair_again_is_refused(self, pair, coordinator):
        merge(pair, coordinator)
        with pytest.raises(ValidationError, match="no longer exists"):
            merge(pair, coordinator)

    def test_invalid_values_write_nothing(self, pair, coordinator):
        before = registry_state()
        with pytest.raises(ValidationError):
            merge(pair, coordinator, phone="+62123")
        assert registry_state() == before
        assert not ParticipantMerge.objects.exists()

    def test_an_erased_record_is_not_merged(self, pair, coordinator):
        Participant.objects.filter(pk=pair["other"].pk).update(
            erased_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
        )
        with pytest.raises(ValidationError, match="erased"):
            merge(pair, coordinator)

    def test_two_different_niks_are_two_people(self, pair, coordinator):
        Participant.objects.filter(pk=pair["kept"].pk).update(nik="7309015505900099")
        pair["kept"].refresh_from_db()
        with pytest.raises(ValidationError, match="different NIKs"):
            merge(pair, coordinator)
        assert Participant.objects.filter(pk=pair["other"].pk).exists()

    def test_a_record_is_not_merged_with_itself(self, pair, coordinator):
        with pytest.raises(ValidationError):
            participant_merge(
                survivor=pair["kept"],
                duplicate=pair["kept"],
                values={},
                user=coordinator,
            )


class TestTheReport:
    """Done when: a coordinator merges two records of one person and the report
    drops by one unique person while participations and person-days stay
    right."""

    def test_unique_persons_drop_by_one(self, pair, coordinator):
        bystander = EnrolmentFactory(training=pair["shared"])
        mark(bystander, {0: True, 1: True})
        before = Enrolment.objects.participants().report_summary()
        merge(pair, coordinator)
        after = Enrolment.objects.participants().report_summary()
        assert after["persons_total"] == before["persons_total"] - 1
        # One enrolment in the training both were in goes; the others stay.
        assert after["participations_total"] == before["participations_total"] - 1
        # Every day present on either record stays present, once: day 0 was
        # present on both and counts once; days 1 and 2 were present on the
        # other record only and still count.
        assert before["person_days_total"] == (1 + 1) + (3 + 3) + 2
        assert after["person_days_total"] == 3 + 1 + 3 + 2
        assert after["trainings"] == before["trainings"]

    def test_sex_columns_follow_the_kept_value(self, pair, coordinator):
        before = Enrolment.objects.participants().report_summary()
        assert (before["persons_female"], before["persons_not_recorded"]) == (1, 1)
        merge(pair, coordinator, sex="P")
        after = Enrolment.objects.participants().report_summary()
        assert (after["persons_female"], after["persons_not_recorded"]) == (1, 0)
        assert after["participations_female"] == 3


class TestUndo:
    def test_undo_restores_exactly_the_former_state(self, pair, coordinator):
        admin = UserFactory(username="boss", role=roles.ADMIN)
        other = pair["other"]
        before = registry_state()
        record = merge(pair, coordinator, phone=other.phone, nik=other.nik, sex="P")
        restored = participant_merge_undo(merge=record, user=admin)
        assert restored.pk == other.pk
        assert registry_state() == before
        record.refresh_from_db()
        assert record.undone_by == admin and record.undone_at is not None
        assert Participant.history.filter(id=other.pk).latest().history_user == admin

    def test_records_made_by_the_enrol_form_merge_and_come_back(
        self, pair, coordinator
    ):
        """Both carry the enrol form's submission token (a UUID): the snapshot
        keeps it as text and the undo puts it back."""
        admin = UserFactory(username="boss", role=roles.ADMIN)
        for person in (pair["kept"], pair["other"]):
            Participant.objects.filter(pk=person.pk).update(
                submission_token=uuid.uuid4()
            )
            person.refresh_from_db()
        before = registry_state()
        record = merge(pair, coordinator)
        participant_merge_undo(merge=record, user=admin)
        assert registry_state() == before

    def test_a_chain_of_merges_is_undone_from_the_last(self, pair, coordinator):
        """A into B, then B into C: undoing B into C brings B back and links the
        first merge to it again, so A into B can be undone too."""
        before = registry_state()
        first = merge(pair, coordinator)
        third = ParticipantFactory(agency=pair["kept"].agency, nik="", phone="")
        second = participant_merge(
            survivor=third, duplicate=pair["kept"], values={}, user=coordinator
        )
        participant_merge_undo(merge=second, user=coordinator)
        first.refresh_from_db()
        assert first.survivor_id == pair["kept"].pk
        participant_merge_undo(merge=first, user=coordinator)
        state = registry_state()
        state["participants"] = [
            p for p in state["participants"] if p["id"] != third.pk
        ]
        assert state == before

    def test_undo_twice_is_refused(self, pair, coordinator):
        record = merge(pair, coordinator)
        participant_merge_undo(merge=record, user=coordinator)
        with pytest.raises(ValidationError, match="undone already"):
            participant_merge_undo(merge=record, user=coordinator)

    def test_refused_when_the_survivor_was_merged_into_another(self, pair, coordinator):
        record = merge(pair, coordinator)
        third = ParticipantFactory(agency=pair["kept"].agency)
        participant_merge(
            survivor=third, duplicate=pair["kept"], values={}, user=coordinator
        )
        state = registry_state()
        with pytest.raises(ValidationError, match="deleted or merged"):
            participant_merge_undo(merge=record, user=coordinator)
        assert registry_state() == state

    def test_refused_when_the_survivor_kept_a_later_merge(self, pair, coordinator):
        record = merge(pair, coordinator)
        third = ParticipantFactory(agency=pair["kept"].agency)
        participant_merge(
            survivor=pair["kept"], duplicate=third, values={}, user=coordinator
        )
        with pytest.raises(ValidationError, match="undo that merge first"):
            participant_merge_undo(merge=record, user=coordinator)

    def test_refused_when_the_survivor_was_edited(self, pair, coordinator):
        record = merge(pair, coordinator)
        kept = Participant.objects.get(pk=pair["kept"].pk)
        kept.position = "Kepala Seksi"
        kept.save()
        with pytest.raises(ValidationError, match="edited after the merge"):
            participant_merge_undo(merge=record, user=coordinator)
        assert not Participant.objects.filter(pk=pair["other"].pk).exists()

    def test_refused_when_attendance_changed_since(self, pair, coordinator):
        record = merge(pair, coordinator)
        pair["kept_shared"].attendances.filter(date=day(1)).update(present=False)
        with pytest.raises(ValidationError, match="changed or removed since"):
            participant_merge_undo(merge=record, user=coordinator)


class TestDefaultChoices:
    def test_the_record_with_more_enrolments_wins_unless_empty(self, pair):
        first = Participant.objects.get(pk=pair["kept"].pk)
        second = Participant.objects.get(pk=pair["other"].pk)
        EnrolmentFactory(participant=second)
        first.enrolment_count, second.enrolment_count = 2, 3
        choices = default_choices(first, second)
        assert choices["full_name"] == "second"
        assert choices["position"] == "first"  # the second's is empty
        values = chosen_values({"first": first, "second": second}, choices)
        assert values["nik"] == second.nik
        assert values["position"] == first.position


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL"
)
def test_two_simultaneous_merges_of_one_pair_merge_once(pair, coordinator):
    """Two requests merging the same pair at once: one merges, the other is told
    the record no longer exists; nothing is half done."""
    results, barrier = [], threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            with translation.override("en"):  # the language is per thread
                merge(pair, coordinator)
            results.append("merged")
        except ValidationError as error:
            with translation.override("en"):
                results.append(" ".join(error.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("merged") == 1
    [refusal] = [r for r in results if r != "merged"]
    assert "no longer exists" in refusal
    assert ParticipantMerge.objects.count() == 1
    assert pair["kept"].enrolments.count() == 3
