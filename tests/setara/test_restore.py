"""Restoring deleted records from the history: admins only, by POST, with the
original ids, and a training with the enrolments and attendance deleted with it."""

import datetime
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from participants.models import Participant
from participants.services import participant_restore
from referrals.models import ReferralInstitution
from setara.merging import participant_merge, participant_merge_undo
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    ReferralInstitutionFactory,
    ServiceTypeFactory,
    TargetGroupFactory,
    TrainingFactory,
)
from trainings.models import Attendance, Enrolment, Training

pytestmark = pytest.mark.django_db

DAY_1 = datetime.date(2023, 10, 18)
DAY_2 = datetime.date(2023, 10, 19)


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English; the language active before is restored afterwards."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _rows(model, **filters):
    return sorted(
        model.objects.filter(**filters).values_list(
            *[f.attname for f in model._meta.concrete_fields]
        )
    )


def _deletion(model, pk):
    return model.history.filter(id=pk, history_type="-").latest("history_date")


def _restore(client, kind, row):
    return client.post(reverse("restore:restore", args=[kind, row.history_id]))


@pytest.fixture
def training():
    training = TrainingFactory()
    for _ in range(3):
        enrolment = EnrolmentFactory(training=training)
        AttendanceFactory(enrolment=enrolment, date=DAY_1)
        AttendanceFactory(enrolment=enrolment, date=DAY_2, present=False)
    return training


class TestTrainingRestore:
    def test_delete_then_restore_gives_the_same_rows(self, admin_client, training):
        before = (
            _rows(Training, pk=training.pk),
            _rows(Enrolment, training=training),
            _rows(Attendance, enrolment__training=training),
        )
        admin_client.post(reverse("trainings:delete", args=[training.pk]))
        assert not Training.objects.exists()
        assert not Attendance.objects.exists()

        response = _restore(admin_client, "training", _deletion(Training, training.pk))

        assert response.status_code == HTTPStatus.FOUND
        assert response.url == training.get_absolute_url()
        after = (
            _rows(Training, pk=training.pk),
            _rows(Enrolment, training=training),
            _rows(Attendance, enrolment__training=training),
        )
        assert after == before
        assert len(after[2]) == 6

    def test_enrolments_removed_before_the_deletion_stay_removed(
        self, admin_client, training
    ):
        removed = training.enrolments.first()
        admin_client.post(reverse("trainings:enrolment_delete", args=[removed.pk]))
        admin_client.post(reverse("trainings:delete", args=[training.pk]))
        _restore(admin_client, "training", _deletion(Training, training.pk))
        assert training.enrolments.count() == 2
        assert not Enrolment.objects.filter(pk=removed.pk).exists()
        assert Attendance.objects.count() == 4

    def test_restore_records_history_with_the_admin(
        self, admin_client, admin_user, training
    ):
        admin_client.post(reverse("trainings:delete", args=[training.pk]))
        _restore(admin_client, "training", _deletion(Training, training.pk))
        latest = Training.history.filter(id=training.pk).latest("history_date")
        assert (latest.history_type, latest.history_user) == ("+", admin_user)
        assert Attendance.history.filter(history_type="+").count() == 12

    def test_deleted_in_the_admin_restores_too(self, admin_client, training):
        admin_client.post(
            reverse("admin:trainings_training_delete", args=[training.pk]),
            {"post": "yes"},
        )
        assert not Training.objects.exists()
        _restore(admin_client, "training", _deletion(Training, training.pk))
        assert Attendance.objects.count() == 6

    def test_admin_bulk_delete_restores_too(self, admin_client, training):
        other = TrainingFactory()
        admin_client.post(
            reverse("admin:trainings_training_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [training.pk, other.pk],
                "post": "yes",
            },
        )
        assert not Training.objects.exists()
        _restore(admin_client, "training", _deletion(Training, training.pk))
        assert list(Training.objects.all()) == [training]
        assert Attendance.objects.count() == 6

    def test_a_person_deleted_since_must_be_restored_first(
        self, admin_client, training
    ):
        admin_client.post(reverse("trainings:delete", args=[training.pk]))
        person = Participant.objects.first()
        person_id, name = person.pk, person.full_name
        person.delete()
        response = _restore(admin_client, "training", _deletion(Training, training.pk))
        assert response.status_code == HTTPStatus.FOUND
        assert not Training.objects.exists()
        messages = [str(m) for m in admin_client.get(response.url).context["messages"]]
        assert any(name in message for message in messages)
        _restore(admin_client, "participant", _deletion(Participant, person_id))
        _restore(admin_client, "training", _deletion(Training, training.pk))
        assert Attendance.objects.count() == 6

    def test_a_region_deleted_since_is_a_message_not_an_error(
        self, admin_client, training
    ):
        admin_client.post(reverse("trainings:delete", args=[training.pk]))
        training.region.delete()
        response = _restore(admin_client, "training", _deletion(Training, training.pk))
        assert response.status_code == HTTPStatus.FOUND
        assert response.url == reverse("restore:deleted")
        assert not Training.objects.exists()
        assert not Enrolment.objects.exists()

    def test_restoring_twice_is_refused(self, admin_client, training):
        admin_client.post(reverse("trainings:delete", args=[training.pk]))
        row = _deletion(Training, training.pk)
        _restore(admin_client, "training", row)
        _restore(admin_client, "training", row)
        assert Training.objects.count() == 1
        assert Enrolment.objects.count() == 3


class TestOtherRecords:
    def test_participant_restored_with_its_id_and_values(self, admin_client):
        person = ParticipantFactory(nik="7309014512850012", phone="+6281355501234")
        before = _rows(Participant, pk=person.pk)
        admin_client.post(reverse("participants:delete", args=[person.pk]))
        assert not Participant.objects.exists()
        _restore(admin_client, "participant", _deletion(Participant, person.pk))
        after = _rows(Participant, pk=person.pk)
        # updated_at is set again on save; every other column is as before.
        updated = [f.attname for f in Participant._meta.concrete_fields].index(
            "updated_at"
        )
        assert [r[:updated] + r[updated + 1 :] for r in after] == [
            r[:updated] + r[updated + 1 :] for r in before
        ]

    def test_participant_whose_nik_was_taken_is_not_restored(self, admin_client):
        person = ParticipantFactory(nik="7309014512850012")
        admin_client.post(reverse("participants:delete", args=[person.pk]))
        ParticipantFactory(nik="7309014512850012")
        _restore(admin_client, "participant", _deletion(Participant, person.pk))
        assert not Participant.objects.filter(pk=person.pk).exists()

    def test_referral_institution_restored_with_services(self, admin_client):
        institution = ReferralInstitutionFactory()
        institution.services.set(ServiceTypeFactory.create_batch(2))
        institution.target_groups.set([TargetGroupFactory()])
        institution.save()  # records the m2m values in the history
        services = set(institution.services.values_list("pk", flat=True))
        groups = set(institution.target_groups.values_list("pk", flat=True))
        pk, name = institution.pk, institution.name
        institution.delete()
        _restore(
            admin_client, "referral-institution", _deletion(ReferralInstitution, pk)
        )
        restored = ReferralInstitution.objects.get(pk=pk)
        assert restored.name == name
        assert set(restored.services.values_list("pk", flat=True)) == services
        assert set(restored.target_groups.values_list("pk", flat=True)) == groups


class TestPage:
    def test_lists_deleted_records_of_each_kind(self, admin_client, training):
        person = ParticipantFactory(full_name="Andi Baso")
        institution = ReferralInstitutionFactory(name="UPTD PPA Hilang")
        person.delete()
        institution.delete()
        admin_client.post(reverse("trainings:delete", args=[training.pk]))
        response = admin_client.get(reverse("restore:deleted"))
        assert response.status_code == HTTPStatus.OK
        content = response.content.decode()
        for text in (training.title, "Andi Baso", "UPTD PPA Hilang"):
            assert text in content
        assert content.count('method="post"') >= 3

    def test_restored_records_leave_the_list(self, admin_client):
        person = ParticipantFactory(full_name="Andi Baso")
        pk = person.pk
        person.delete()
        response = _restore(admin_client, "participant", _deletion(Participant, pk))
        admin_client.get(response.url)  # shows the "restored" message
        response = admin_client.get(reverse("restore:deleted"))
        assert "Andi Baso" not in response.content.decode()

    def test_restore_is_post_only(self, admin_client):
        person = ParticipantFactory()
        pk = person.pk
        person.delete()
        row = _deletion(Participant, pk)
        url = reverse("restore:restore", args=["participant", row.history_id])
        assert admin_client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert not Participant.objects.exists()

    def test_unknown_kind_is_not_found(self, admin_client):
        url = reverse("restore:restore", args=["agency", 1])
        assert admin_client.post(url).status_code == HTTPStatus.NOT_FOUND

    @pytest.mark.parametrize("role_client", ["staff_client", "coordinator_client"])
    def test_non_admins_get_403(self, request, role_client):
        client = request.getfixturevalue(role_client)
        person = ParticipantFactory()
        pk = person.pk
        person.delete()
        row = _deletion(Participant, pk)
        assert client.get(reverse("restore:deleted")).status_code == 403
        response = client.post(
            reverse("restore:restore", args=["participant", row.history_id])
        )
        assert response.status_code == HTTPStatus.FORBIDDEN
        assert not Participant.objects.exists()

    def test_list_queries_do_not_grow(
        self, admin_client, django_assert_max_num_queries
    ):
        for person in ParticipantFactory.create_batch(10):
            person.delete()
        for training in TrainingFactory.create_batch(5):
            training.delete()
        # 13: the list also reads which deleted people were merged away; 14 with
        # the second factor's device (OTPMiddleware); 15 with the Admin role
        # check for the navigation's admin link (setara.admin_site.admin_access).
        with django_assert_max_num_queries(15):
            admin_client.get(reverse("restore:deleted"))


class TestMergedRecords:
    """A record merged into another is not offered as a deleted record: restoring
    it alone would split the person again (its trainings moved with the merge)."""

    @pytest.fixture
    def merge(self, admin_user):
        kept = ParticipantFactory(full_name="Rahmawati")
        other = ParticipantFactory(full_name="Rahmawati, S.E.")
        EnrolmentFactory(participant=other)
        return participant_merge(
            survivor=kept, duplicate=other, values={}, user=admin_user
        )

    def test_not_listed_among_deleted_records(self, merge, admin_client):
        response = admin_client.get(reverse("restore:deleted"))
        assert "Rahmawati, S.E." not in response.content.decode()

    def test_restoring_it_is_refused_pointing_to_the_merge(self, merge, admin_user):
        row = Participant.history.filter(
            id=merge.duplicate_id, history_type="-"
        ).latest()
        with translation.override("en"), pytest.raises(ValidationError) as error:
            participant_restore(history_id=row.history_id, user=admin_user)
        assert f"merged into #{merge.survivor_number}" in error.value.messages[0]
        assert not Participant.objects.filter(pk=merge.duplicate_id).exists()

    def test_listed_again_once_the_merge_is_undone_and_deleted(
        self, merge, admin_user, admin_client
    ):
        person = participant_merge_undo(merge=merge, user=admin_user)
        person.enrolments.all().delete()
        person.delete()
        response = admin_client.get(reverse("restore:deleted"))
        assert "Rahmawati, S.E." in response.content.decode()
