"""Erasure on request (UU PDP): personal data leaves the record, its history and
every other table, while past reports keep their anonymous counts."""

import datetime
import io
from http import HTTPStatus

import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from participants.models import ExportLog, Participant
from setara import roles
from setara.merging import participant_merge
from setara.privacy import participant_erase, participant_personal_data
from tests.auth import login
from tests.factories import EnrolmentFactory, ParticipantFactory
from trainings import tables
from trainings.models import Enrolment, Training

pytestmark = pytest.mark.django_db

NIK = "7309014512850012"
EMAIL = "rahmawati@example.org"


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English; the language active before is restored afterwards."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def maros():
    """The demo's Maros training: 19 participants (4 L, 15 P), 18 present on day 2."""
    call_command("load_demo", stdout=io.StringIO())
    return Training.objects.get(start_date=datetime.date(2023, 10, 18))


@pytest.fixture
def rahmawati(maros, admin_user):
    """A Maros participant with every kind of personal data, changed once (so the
    history holds it twice), named in the admin's action log and an export log."""
    person = Participant.objects.get(full_name="Rahmawati")
    person.nik = NIK
    person.email = EMAIL
    person.birth_date = datetime.date(1985, 12, 5)
    person.village = "Desa Bontoa"
    person.save()
    person.position = "Kepala Seksi"
    person.save()
    LogEntry.objects.log_actions(
        user_id=admin_user.pk,
        queryset=[person],
        action_flag=CHANGE,
        change_message=f"Changed phone of {person.full_name}",
    )
    ExportLog.objects.create(
        user=admin_user,
        export="trainings:report_participants",
        filters={"q": "Rahmawati", "fmt": "xlsx"},
        row_count=1,
    )
    return person


def _counts(training):
    [row] = tables.training_rows(Enrolment.objects.participants())
    summary = Enrolment.objects.participants().report_summary()
    return (
        (summary["participations_total"], summary["participations_male"]),
        summary["participations_female"],
        [day["total"] for day in row["per_day"]],
    )


def _database_text() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


class TestErasure:
    def test_report_counts_stay_and_personal_data_is_gone_everywhere(
        self, admin_client, maros, rahmawati
    ):
        phone = rahmawati.phone
        before = _counts(maros)
        assert before == ((19, 4), 15, [19, 18, 19])
        dump = _database_text()
        for value in ("Rahmawati", phone, NIK, EMAIL, "Desa Bontoa"):
            assert value in dump  # the check below can fail

        response = admin_client.post(
            reverse("privacy:erase", args=[rahmawati.pk]), follow=True
        )

        assert response.status_code == HTTPStatus.OK
        assert _counts(maros) == before
        dump = _database_text()
        for value in ("Rahmawati", phone, NIK, EMAIL, "Desa Bontoa", "Kepala Seksi"):
            assert value not in dump, value
        person = Participant.objects.get(pk=rahmawati.pk)
        assert person.full_name == f"Erased participant #{person.pk}"
        assert person.erased_at is not None
        assert (person.sex, person.agency_id) == ("P", rahmawati.agency_id)
        assert person.enrolments.count() == 1
        assert person.birth_date is None and person.birth_year is None
        history = Participant.history.filter(id=person.pk)
        assert set(history.values_list("full_name", flat=True)) == {person.full_name}
        assert set(history.values_list("nik", flat=True)) == {""}
        assert ExportLog.objects.get().filters == {"q": "[erased]", "fmt": "xlsx"}

    def test_enrolment_and_attendance_names_leave_the_admin_log(self, admin_user):
        enrolment = EnrolmentFactory(participant__full_name="Andi Baso")
        LogEntry.objects.log_actions(
            user_id=admin_user.pk, queryset=[enrolment], action_flag=CHANGE
        )
        participant_erase(participant=enrolment.participant, user=admin_user)
        entry = LogEntry.objects.get(
            content_type=ContentType.objects.get_for_model(Enrolment)
        )
        assert "Andi" not in entry.object_repr

    def test_self_registrations_go_with_the_person(self, admin_user):
        from registrations.models import Registration
        from tests.factories import RegistrationFactory

        enrolment = EnrolmentFactory(participant__full_name="Andi Baso")
        person = enrolment.participant
        own = RegistrationFactory(
            training=enrolment.training,
            full_name="Andi Baso",
            status="accepted",
            participant=person,
            enrolment=enrolment,
        )
        lookalike = RegistrationFactory(full_name="Andi Basso", match=person)
        data = participant_personal_data(person)
        assert [r["id"] for r in data["registrations"]] == [own.pk]
        assert data["registrations"][0]["phone"] == own.phone
        assert "device_key" not in data["registrations"][0]

        participant_erase(participant=person, user=admin_user)
        assert not Registration.objects.filter(pk=own.pk).exists()
        lookalike.refresh_from_db()
        assert (lookalike.full_name, lookalike.match) == ("Andi Basso", None)
        assert Enrolment.objects.filter(pk=enrolment.pk).exists()

    def test_erasure_is_in_the_history_with_the_admin(self, admin_user):
        person = ParticipantFactory()
        participant_erase(participant=person, user=admin_user)
        latest = Participant.history.filter(id=person.pk).latest("history_date")
        assert latest.history_user == admin_user
        assert latest.history_change_reason == "erased on request"


class TestErasePage:
    def test_confirmation_says_what_goes_and_what_stays(self, admin_client):
        person = ParticipantFactory(full_name="Andi Baso")
        response = admin_client.get(reverse("privacy:erase", args=[person.pk]))
        content = response.content.decode()
        assert response.status_code == HTTPStatus.OK
        assert 'data-erase="removed"' in content
        assert 'data-erase="kept"' in content
        assert "Andi Baso" in content
        assert Participant.objects.get(pk=person.pk).erased_at is None

    @pytest.mark.parametrize("role_client", ["staff_client", "coordinator_client"])
    def test_only_admins_may_erase(self, request, role_client):
        client = request.getfixturevalue(role_client)
        person = ParticipantFactory(full_name="Andi Baso")
        url = reverse("privacy:erase", args=[person.pk])
        assert client.get(url).status_code == HTTPStatus.FORBIDDEN
        assert client.post(url).status_code == HTTPStatus.FORBIDDEN
        assert Participant.objects.get(pk=person.pk).full_name == "Andi Baso"

    def test_erase_button_only_for_admins(self, admin_client, client, staff_user):
        person = ParticipantFactory()
        assert (
            'id="erase"' in admin_client.get(person.get_absolute_url()).content.decode()
        )
        login(client, staff_user)
        assert (
            'id="erase"' not in client.get(person.get_absolute_url()).content.decode()
        )


class TestNikOnTheParticipantPage:
    @pytest.mark.parametrize(
        ("role_client", "shown"),
        [
            ("staff_client", "****************"),
            ("coordinator_client", NIK),
            ("admin_client", NIK),
        ],
    )
    def test_full_nik_only_for_coordinators_and_admins(
        self, request, role_client, shown
    ):
        client = request.getfixturevalue(role_client)
        person = ParticipantFactory(nik=NIK)
        content = client.get(person.get_absolute_url()).content.decode()
        assert f'data-field="nik">{shown}<' in content
        if shown != NIK:
            assert NIK not in content

    def test_admin_list_masks_nik_for_users_without_the_permission(
        self, admin_client, admin_user
    ):
        ParticipantFactory(nik=NIK)
        url = reverse("admin:participants_participant_changelist")
        assert NIK in admin_client.get(url).content.decode()
        # The admin is for the Admin role only: that role without the permission.
        Group.objects.get(name=roles.ADMIN).permissions.remove(
            Permission.objects.get(codename="export_personal_data")
        )
        login(admin_client, get_user_model().objects.get(pk=admin_user.pk))
        content = admin_client.get(url).content.decode()
        assert NIK not in content
        assert "****************" in content


class TestMergedRecords:
    """A record merged into the person is the same person's data: erasure and the
    access request cover it too, and the merge keeps no personal values."""

    @pytest.fixture
    def merged(self, admin_user):
        kept = ParticipantFactory(full_name="Nurhaeda Rahman", phone="", nik="")
        other = ParticipantFactory(
            full_name="Nurhayda Rahman", phone="+6281299990001", nik=NIK, email=EMAIL
        )
        EnrolmentFactory(participant=other)
        record = participant_merge(
            survivor=kept,
            duplicate=other,
            values={"phone": other.phone, "nik": ""},
            user=admin_user,
        )
        kept.refresh_from_db()
        return kept, other.pk, record

    def test_access_request_holds_the_merged_records_history(self, merged):
        kept, other_id, _record = merged
        data = participant_personal_data(kept)
        people = [
            row["values"] for row in data["history"] if row["record"] == "participant"
        ]
        assert "Nurhayda Rahman" in {values["full_name"] for values in people}
        assert {values["id"] for values in people} == {kept.pk, other_id}

    def test_erasure_blanks_the_merged_record_and_the_merge(self, merged, admin_user):
        kept, other_id, record = merged
        participant_erase(participant=kept, user=admin_user)
        for row in Participant.history.filter(id__in=[kept.pk, other_id]).values():
            assert row["phone"] == row["nik"] == row["email"] == ""
            assert "Rahman" not in row["full_name"]
        record.refresh_from_db()
        text = str(
            [record.duplicate_data, record.survivor_before, record.survivor_after]
        )
        for value in ("Rahman", "+6281299990001", NIK, EMAIL):
            assert value not in text
