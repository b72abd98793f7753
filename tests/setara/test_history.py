"""Change history: every way records are written leaves who / when / what, and
coordinators and admins (not programme staff) read it on the record's page in a
fixed number of queries."""

import datetime
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from participants.models import Participant
from referrals.models import ReferralInstitution
from referrals.services import institutions_set_active
from setara.history import record_history
from tests.auth import login
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    ReferralInstitutionFactory,
    RegencyFactory,
    TrainingFactory,
    UserFactory,
)
from trainings.history import training_history
from trainings.imports.plan import ImportOptions, plan_import
from trainings.imports.rows import read_participant_file
from trainings.models import Attendance, Enrolment, Training
from trainings.services import attendance_record, enrolment_create, enrolments_import

pytestmark = pytest.mark.django_db

MAROS = (
    Path(__file__).parent.parent
    / "participants"
    / "data"
    / "maros-ocsea-2023-daftar-hadir.xlsx"
)
DAY_1 = datetime.date(2023, 10, 18)
DAY_2 = datetime.date(2023, 10, 19)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def training():
    return TrainingFactory()  # 18-20 October 2023


def _import_maros(training, user):
    parsed = read_participant_file(MAROS.read_bytes(), "m.xlsx", days=training.days)
    plan = plan_import(training=training, parsed=parsed, options=ImportOptions())
    enrolments_import(training=training, plan=plan, user=user)


class TestRecording:
    def test_imported_rows_appear_in_the_training_history(self, training):
        user = UserFactory(username="importer")
        _import_maros(training, user)
        history = training_history(training, limit=None)
        assert Enrolment.history.filter(history_type="+").count() == 19
        assert Attendance.history.filter(history_type="+").count() == 57
        users = set(Attendance.history.values_list("history_user__username", flat=True))
        assert users == {"importer"}
        # One line each for the training, the import's enrolments and its marks.
        assert history.total == 3
        marks, enrolments, created = history.entries
        assert (len(marks.items), len(enrolments.items)) == (57, 19)
        assert marks.record == "57 attendance marks"
        assert (marks.user, marks.action) == ("importer", "created")
        assert marks.items[0].record.startswith("Attendance: ")
        assert created.record == "Training"
        assert Participant.history.filter(history_type="+").count() == 19

    def test_attendance_grid_records_each_mark_with_the_user(self, training):
        first = EnrolmentFactory(training=training)
        second = EnrolmentFactory(training=training)
        user = UserFactory(username="marker")
        attendance_record(
            training=training,
            enrolments=[first, second],
            present={(first.pk, DAY_1), (second.pk, DAY_1)},
            user=user,
        )
        attendance_record(
            training=training,
            enrolments=[first, second],
            present={(first.pk, DAY_1)},
            user=user,
        )
        rows = Attendance.history.order_by("history_id")
        assert [(r.history_type, r.present) for r in rows] == [
            ("+", True),
            ("+", True),
            ("~", False),
        ]
        assert {r.history_user_id for r in rows} == {user.pk}
        [change] = training_history(training).entries[0].changes
        assert (change.old, change.new) == ("yes", "no")

    def test_attendance_grid_page_records_the_logged_in_user(
        self, staff_client, staff_user, training
    ):
        enrolment = EnrolmentFactory(training=training)
        staff_client.post(
            reverse("trainings:attendance", args=[training.pk]),
            {"present": [f"{enrolment.pk}:{DAY_1.isoformat()}"]},
        )
        [row] = Attendance.history.all()
        assert row.history_user == staff_user

    def test_enrol_remove_and_delete_pages_record_history(
        self, staff_client, staff_user, training
    ):
        participant = ParticipantFactory()
        staff_client.post(
            reverse("trainings:enrol", args=[training.pk]),
            {"participant": participant.pk, "role": "participant"},
        )
        enrolment = Enrolment.objects.get()
        AttendanceFactory(enrolment=enrolment)
        staff_client.post(reverse("trainings:enrolment_delete", args=[enrolment.pk]))
        staff_client.post(reverse("participants:delete", args=[participant.pk]))
        staff_client.post(reverse("trainings:delete", args=[training.pk]))
        assert list(Enrolment.history.values_list("history_type", flat=True)) == [
            "-",
            "+",
        ]
        assert Attendance.history.filter(history_type="-").count() == 1
        assert Participant.history.filter(history_type="-").get().history_user == (
            staff_user
        )
        assert Training.history.filter(history_type="-").get().history_user == (
            staff_user
        )
        for model in (Enrolment, Participant, Training):
            users = set(model.history.values_list("history_user", flat=True))
            assert staff_user.pk in users

    def test_enrolment_service_records_a_created_row(self, training):
        enrolment_create(training=training, participant=ParticipantFactory())
        assert Enrolment.history.filter(history_type="+").count() == 1

    def test_admin_bulk_delete_records_history(self, admin_client, admin_user):
        people = ParticipantFactory.create_batch(3)
        response = admin_client.post(
            reverse("admin:participants_participant_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [p.pk for p in people],
                "post": "yes",
            },
        )
        assert response.status_code == HTTPStatus.FOUND
        deleted = Participant.history.filter(history_type="-")
        assert deleted.count() == 3
        assert {row.history_user_id for row in deleted} == {admin_user.pk}

    def test_admin_bulk_action_on_institutions_records_history(self):
        user = UserFactory()
        institutions = ReferralInstitutionFactory.create_batch(2)
        institutions_set_active(
            institutions=ReferralInstitution.objects.all(), active=False, user=user
        )
        changed = ReferralInstitution.history.filter(history_type="~")
        assert changed.count() == len(institutions)
        assert {row.history_user_id for row in changed} == {user.pk}


class TestHistoryList:
    def test_a_change_lists_fields_old_and_new_with_names(self, training):
        user = UserFactory(username="editor")
        other = RegencyFactory(name="Kabupaten Gowa")
        old_region = training.region.name
        training.title = "Pelatihan Baru"
        training.region = other
        training._history_user = user
        training.save()
        entry = training_history(training).entries[0]
        assert entry.user == "editor"
        assert entry.action == "changed"
        changes = {c.label: (c.old, c.new) for c in entry.changes}
        assert changes["title"][1] == "Pelatihan Baru"
        assert changes["region"] == (old_region, "Kabupaten Gowa")
        assert set(changes) == {"title", "region"}

    def test_nik_is_masked_in_the_history(self):
        participant = ParticipantFactory(nik="7309011234560012")
        participant.nik = "7309011234569999"
        participant.save()
        [change] = record_history(participant, "Participant").entries[0].changes
        assert (change.old, change.new) == ("****************", "****************")

    def test_limit_keeps_the_latest_and_counts_all(self, training):
        for number in range(5):
            training.title = f"Title {number}"
            training.save()
        history = training_history(training, limit=3)
        assert history.total == 6
        assert history.truncated
        assert history.entries[0].changes[0].new == "Title 4"


def history_url(training) -> str:
    return reverse("trainings:history", args=[training.pk])


class TestPages:
    def test_coordinator_sees_training_history(self, coordinator_client, training):
        """On a page of its own, linked from the training page (issue 18: the
        training page no longer reads the history on every view)."""
        EnrolmentFactory(training=training, participant__full_name="Andi Baso")
        page = coordinator_client.get(training.get_absolute_url())
        assert "history" not in page.context
        assert history_url(training) in page.content.decode()
        response = coordinator_client.get(history_url(training))
        assert response.context["history"].total == 2
        content = response.content.decode()
        assert 'id="history"' in content
        assert "Enrolment: Andi Baso" in content

    def test_programme_staff_do_not_get_the_history(self, staff_client, training):
        EnrolmentFactory(training=training)
        response = staff_client.get(training.get_absolute_url())
        assert response.status_code == HTTPStatus.OK
        assert history_url(training) not in response.content.decode()
        assert staff_client.get(history_url(training)).status_code == 403
        participant = ParticipantFactory()
        response = staff_client.get(participant.get_absolute_url())
        assert response.context["history"] is None
        assert 'id="history"' not in response.content.decode()

    def test_history_needs_the_permission_not_the_role(self, client, training):
        """The view checks the permission: a staff user granted it sees history."""
        user = UserFactory(username="reader")
        user.user_permissions.add(
            *Permission.objects.filter(
                codename__in=[
                    "view_historicaltraining",
                    "view_historicalenrolment",
                    "view_historicalattendance",
                ]
            )
        )
        login(client, user)
        response = client.get(history_url(training))
        assert response.context["history"] is not None

    def test_admin_sees_participant_history(self, admin_client):
        participant = ParticipantFactory(position="Staf")
        participant.position = "Kepala Seksi"
        participant.save()
        response = admin_client.get(participant.get_absolute_url())
        content = response.content.decode()
        assert 'id="history"' in content
        assert "Staf → Kepala Seksi" in content

    def test_training_history_page_queries_do_not_grow_with_history(
        self, coordinator_client, training
    ):
        def page_queries(people):
            for enrolment in EnrolmentFactory.create_batch(people, training=training):
                AttendanceFactory(enrolment=enrolment, date=DAY_1)
                mark = AttendanceFactory(enrolment=enrolment, date=DAY_2)
                mark.present = False
                mark.save()
            training.title = f"Changed {people}"
            training.save()
            with CaptureQueriesContext(connection) as queries:
                response = coordinator_client.get(history_url(training))
            history = response.context["history"]
            return len(queries), sum(len(e.items) or 1 for e in history.entries)

        few, total_few = page_queries(2)
        many, total_many = page_queries(12)
        assert (total_few, total_many) == (1 + 1 + 2 * 4, 1 + 2 + 14 * 4)
        assert few == many
        # Session, user, two-factor device, permissions (2), the training, the
        # history of the training, its enrolments and attendance with their
        # users, the session save.
        assert many <= 17

    def test_participant_page_queries_do_not_grow_with_history(
        self, coordinator_client
    ):
        participant = ParticipantFactory()

        def page_queries(changes):
            for agency in [ParticipantFactory().agency for _ in range(changes)]:
                participant.agency = agency
                participant.save()
            with CaptureQueriesContext(connection) as queries:
                response = coordinator_client.get(participant.get_absolute_url())
            return len(queries), response.context["history"].total

        few, total_few = page_queries(1)
        many, total_many = page_queries(15)
        assert (total_few, total_many) == (2, 17)
        assert few == many


class TestGrouping:
    def test_a_grid_save_is_one_line_with_an_item_per_mark(
        self, staff_client, training
    ):
        first = EnrolmentFactory(training=training, participant__full_name="Andi")
        second = EnrolmentFactory(training=training, participant__full_name="Budi")
        url = reverse("trainings:attendance", args=[training.pk])
        cells = [f"{e.pk}:{DAY_1.isoformat()}" for e in (first, second)]
        staff_client.post(url, {"present": cells})
        staff_client.post(url, {"present": []})
        unmarked, marked, *_ = training_history(training).entries
        assert marked.record == "2 attendance marks"
        assert unmarked.record == "2 attendance marks"
        assert unmarked.action == "changed"
        assert {item.record for item in unmarked.items} == {
            "Attendance: Andi, 18/10/2023",
            "Attendance: Budi, 18/10/2023",
        }
        change = unmarked.items[0].changes[0]
        assert (change.old, change.new) == ("yes", "no")

    def test_different_users_are_not_grouped(self, training):
        enrolments = EnrolmentFactory.create_batch(2, training=training)
        for enrolment, name in zip(enrolments, ["one", "two"], strict=True):
            attendance_record(
                training=training,
                enrolments=[enrolment],
                present={(enrolment.pk, DAY_1)},
                user=UserFactory(username=name),
            )
        two, one = training_history(training).entries[:2]
        assert (two.user, one.user) == ("two", "one")
        assert not two.items and not one.items
