"""Access request (UU PDP): an admin downloads everything held about one person,
and the download is recorded in the export log."""

import datetime
import json
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import translation

from participants.models import ExportLog
from tests.auth import login
from tests.factories import AttendanceFactory, EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

NIK = "7309014512850012"


@pytest.fixture(autouse=True)
def keep_language():
    """Restore the active language that requests' LocaleMiddleware changes."""
    with translation.override("en"):
        yield


@pytest.fixture
def enrolment():
    participant = ParticipantFactory(
        full_name="Andi Baso", nik=NIK, phone="+6281355501234", sex="L"
    )
    participant.position = "Kepala Seksi"
    participant.save()
    enrolment = EnrolmentFactory(participant=participant)
    AttendanceFactory(enrolment=enrolment, date=datetime.date(2023, 10, 18))
    AttendanceFactory(
        enrolment=enrolment, date=datetime.date(2023, 10, 19), present=False
    )
    return enrolment


def _url(participant):
    return reverse("privacy:access_request", args=[participant.pk])


def test_admin_downloads_everything_held(admin_client, admin_user, enrolment):
    person = enrolment.participant
    earlier = ExportLog.objects.create(
        user=admin_user,
        export="trainings:report_participants",
        filters={"q": "Andi Baso"},
        row_count=3,
    )
    response = admin_client.get(_url(person))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["participant"]["full_name"] == "Andi Baso"
    assert data["participant"]["nik"] == NIK
    assert data["participant"]["phone"] == "+6281355501234"
    assert data["agency"]["name"] == person.agency.name
    [entry] = data["enrolments"]
    assert entry["training"]["title"] == enrolment.training.title
    assert entry["attendance"] == [
        {"date": "2023-10-18", "present": True},
        {"date": "2023-10-19", "present": False},
    ]
    records = [(row["record"], row["type"]) for row in data["history"]]
    assert records.count(("participant", "+")) == 1
    assert records.count(("participant", "~")) == 1
    assert ("enrolment", "+") in records
    assert records.count(("attendance", "+")) == 2
    assert [log["filters"] for log in data["export_log"]] == [earlier.filters]


def test_exports_of_their_trainings_are_listed(admin_client, enrolment):
    """A training's participant list exported through the page names them."""
    admin_client.get(
        reverse("trainings:export_participants", args=[enrolment.training.pk, "csv"])
    )
    other = EnrolmentFactory()
    admin_client.get(
        reverse("trainings:export_participants", args=[other.training.pk, "csv"])
    )
    data = json.loads(admin_client.get(_url(enrolment.participant)).content)
    assert [log["filters"] for log in data["export_log"]] == [
        {"pk": str(enrolment.training.pk), "fmt": "csv"}
    ]


def test_download_is_recorded_in_the_export_log(admin_client, admin_user, enrolment):
    admin_client.get(_url(enrolment.participant))
    log = ExportLog.objects.get()
    assert log.user == admin_user
    assert log.export == "privacy:access_request"
    assert log.filters == {"participant": str(enrolment.participant.pk)}
    assert log.row_count == 1


@pytest.mark.parametrize("role_client", ["staff_client", "coordinator_client"])
def test_only_admins_may_download(request, role_client, enrolment):
    client = request.getfixturevalue(role_client)
    response = client.get(_url(enrolment.participant))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not ExportLog.objects.exists()


def test_link_on_the_participant_page_for_admins_only(
    client, admin_user, coordinator_user, enrolment
):
    page = enrolment.participant.get_absolute_url()
    login(client, admin_user)
    assert 'id="access-request"' in client.get(page).content.decode()
    login(client, coordinator_user)
    assert 'id="access-request"' not in client.get(page).content.decode()


def test_fixed_number_of_queries(
    admin_client, enrolment, django_assert_max_num_queries
):
    for _ in range(5):
        other = EnrolmentFactory(participant=enrolment.participant)
        AttendanceFactory(enrolment=other)
    # 22, plus the registrations, the certificates and the second factor's
    # device (OTPMiddleware).
    with django_assert_max_num_queries(25):
        admin_client.get(_url(enrolment.participant))
