"""Every export of personal data leaves one row in the export log.

The participant lists (names; phone numbers, NIK and birth dates for coordinators),
the sign-in sheet PDF, the referral pathway file and the admin's directory export
(focal persons) are logged; the report tables and the training summary (counts
only) are not. Admins read the log in the admin; nobody edits it.
"""

import datetime
import io
from http import HTTPStatus

import pytest
from django.http import QueryDict
from django.urls import reverse
from openpyxl import load_workbook

from jobs.models import Job
from participants.models import ExportLog
from setara.export_log import export_log_filters, export_log_record
from tests.auth import login
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ReferralInstitutionFactory,
    RegencyFactory,
    ServiceTypeFactory,
    TrainingFactory,
)
from trainings.models import Enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def training():
    """A training with three participants and one facilitator."""
    training = TrainingFactory(start_date=datetime.date(2023, 10, 18))
    for _ in range(3):
        AttendanceFactory(enrolment__training=training)
    EnrolmentFactory(training=training, role=Enrolment.Role.FACILITATOR)
    return training


def _body(response) -> bytes:
    """The file of a response; reading a streamed one to its end closes it (the
    test client does that with the database connection kept open)."""
    if not response.streaming:
        return response.content
    return b"".join(response.streaming_content)


class TestService:
    def test_records_user_export_filters_and_rows(self, staff_user):
        entry = export_log_record(
            user=staff_user,
            export="trainings:report_participants",
            filters={"sex": "P"},
            row_count=12,
        )
        entry.refresh_from_db()
        assert (entry.user, entry.export, entry.filters, entry.row_count) == (
            staff_user,
            "trainings:report_participants",
            {"sex": "P"},
            12,
        )
        assert entry.created_at is not None

    def test_filters_keep_url_arguments_and_every_value_of_repeated_keys(self):
        from django.http import QueryDict

        query = QueryDict("sex=P&topic=1&topic=2&agency=")
        assert export_log_filters(query, {"pk": 7, "fmt": "csv"}) == {
            "pk": "7",
            "fmt": "csv",
            "sex": "P",
            "topic": ["1", "2"],
        }


class TestParticipantExports:
    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_training_list_writes_one_row_with_every_enrolment(
        self, training, coordinator_client, coordinator_user, fmt
    ):
        url = reverse("trainings:export_participants", args=[training.pk, fmt])
        response = coordinator_client.get(url)
        assert response.status_code == HTTPStatus.OK
        _body(response)
        entry = ExportLog.objects.get()
        assert entry.user == coordinator_user
        assert entry.export == "trainings:export_participants"
        assert entry.filters == {"pk": str(training.pk), "fmt": fmt}
        assert entry.row_count == 4  # three participants and the facilitator

    def test_a_nul_in_the_query_string_is_cleaned_before_logging(
        self, training, coordinator_client
    ):
        """PostgreSQL refuses NUL in a JSON column: the export must not fail. A
        request with a NUL is refused before any view (400,
        setara.middleware.QueryGuardMiddleware); the log cleans it all the same."""
        url = reverse("trainings:export_participants", args=[training.pk, "xlsx"])
        response = coordinator_client.get(url, {"x\x00y": "a\x00b", "z": "\x00"})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert not ExportLog.objects.exists()
        query = QueryDict("x%00y=a%00b&z=%00")
        assert export_log_filters(query, {"pk": training.pk, "fmt": "xlsx"}) == {
            "pk": str(training.pk),
            "fmt": "xlsx",
            "xy": "ab",
        }

    def test_staff_list_without_phone_and_nik_is_logged_too(
        self, training, staff_client, staff_user
    ):
        # Names alone are personal data.
        url = reverse("trainings:export_participants", args=[training.pk, "xlsx"])
        response = staff_client.get(url)
        assert response.status_code == HTTPStatus.OK
        _body(response)
        assert ExportLog.objects.get().user == staff_user

    def test_report_people_list_counts_the_people_of_the_filters(
        self, training, coordinator_client
    ):
        # A person in two trainings is one row of the file.
        person = training.enrolments.participants().first().participant
        EnrolmentFactory(participant=person, training__start_date=training.start_date)
        EnrolmentFactory(training__start_date=datetime.date(2022, 3, 1))
        url = reverse("trainings:report_participants", args=["xlsx"])
        filters = {"period_after": "2023-01-01", "region": ""}
        response = coordinator_client.post(url, query_params=filters)
        assert response.status_code == HTTPStatus.FOUND
        assert not ExportLog.objects.exists()  # nothing has left the system yet
        job = Job.objects.get()
        download = coordinator_client.get(reverse("jobs:download", args=[job.pk]))
        assert download.status_code == HTTPStatus.OK
        rows = load_workbook(io.BytesIO(_body(download))).active.max_row - 1
        assert rows == 3
        entry = ExportLog.objects.get()
        assert entry.export == "trainings:report_participants"
        assert entry.filters == {"fmt": "xlsx", "period_after": "2023-01-01"}
        assert entry.row_count == rows

    def test_invalid_filters_export_nothing_and_log_nothing(self, coordinator_client):
        url = reverse("trainings:report_participants", args=["csv"])
        response = coordinator_client.get(url, {"period_after": "not a date"})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert not ExportLog.objects.exists()

    def test_signin_sheet_pdf_is_logged(self, training, staff_client):
        pytest.importorskip("weasyprint")
        url = reverse("trainings:signin_sheet_pdf", args=[training.pk])
        response = staff_client.get(url)
        if response.status_code == HTTPStatus.FOUND:  # no Pango on this machine
            assert not ExportLog.objects.exists()
            pytest.skip("WeasyPrint cannot draw PDFs here")
        assert response["Content-Type"] == "application/pdf"
        entry = ExportLog.objects.get()
        assert (entry.export, entry.row_count) == ("trainings:signin_sheet_pdf", 4)


class TestExportsWithoutPersonalData:
    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_report_tables_write_no_row(self, training, coordinator_client, fmt):
        response = coordinator_client.post(
            reverse("trainings:report_export", args=[fmt])
        )
        assert response.status_code == HTTPStatus.FOUND
        job = Job.objects.get()
        assert job.status == Job.Status.SUCCEEDED
        download = coordinator_client.get(reverse("jobs:download", args=[job.pk]))
        _body(download)
        assert not ExportLog.objects.exists()

    def test_training_summary_writes_no_row(self, training, coordinator_client):
        url = reverse("trainings:export_summary", args=[training.pk])
        response = coordinator_client.get(url)
        assert response.status_code == HTTPStatus.OK
        _body(response)
        assert not ExportLog.objects.exists()

    def test_pages_write_no_row(self, training, coordinator_client):
        for url in [
            reverse("trainings:report"),
            training.get_absolute_url(),
            reverse("referrals:directory"),
        ]:
            assert coordinator_client.get(url).status_code == HTTPStatus.OK
        assert not ExportLog.objects.exists()


class TestReferralExports:
    @pytest.fixture
    def regency(self):
        regency = RegencyFactory()
        service = ServiceTypeFactory()
        for focal_person in ["Ibu Hasnah", "Pak Amir"]:
            institution = ReferralInstitutionFactory(
                region=regency, focal_person=focal_person
            )
            institution.services.add(service)
        return regency

    def test_pathway_file_names_focal_persons_and_is_logged(
        self, regency, staff_client, staff_user
    ):
        url = reverse("referrals:pathway_xlsx", args=[regency.code])
        response = staff_client.get(url)
        assert response.status_code == HTTPStatus.OK
        sheet = load_workbook(io.BytesIO(_body(response))).active
        institution_rows = sheet.max_row - 1
        entry = ExportLog.objects.get()
        assert entry.user == staff_user
        assert entry.export == "referrals:pathway_xlsx"
        assert entry.filters == {"code": regency.code}
        assert entry.row_count == institution_rows >= 2

    def test_pathway_page_is_not_logged(self, regency, staff_client):
        url = reverse("referrals:pathway", args=[regency.code])
        assert staff_client.get(url).status_code == HTTPStatus.OK
        assert not ExportLog.objects.exists()

    def test_admin_directory_export_is_logged(self, regency, admin_client, admin_user):
        url = reverse("admin:referrals_referralinstitution_export")
        form = admin_client.get(url).context["form"]
        data = {name: field.initial for name, field in form.fields.items()}
        data = {key: value for key, value in data.items() if value is not None}
        data.update({"format": "1", "resource": "0"})  # csv
        response = admin_client.post(url, data)
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Disposition"].startswith("attachment")
        assert "Ibu Hasnah" in response.content.decode()
        entry = ExportLog.objects.get()
        assert entry.user == admin_user
        assert entry.export == "admin:referrals_referralinstitution_export"
        assert entry.row_count == 2


class TestReadingTheLog:
    @pytest.fixture
    def entry(self, staff_user):
        return export_log_record(
            user=staff_user,
            export="trainings:report_participants",
            filters={},
            row_count=3,
        )

    def test_admin_reads_the_log(self, entry, admin_client):
        response = admin_client.get(reverse("admin:participants_exportlog_changelist"))
        assert response.status_code == HTTPStatus.OK
        # By its readable name, in the admin's language (test_export_names.py)
        assert "Daftar peserta" in response.content.decode()
        change = reverse("admin:participants_exportlog_change", args=[entry.pk])
        assert admin_client.get(change).status_code == HTTPStatus.OK

    def test_admin_cannot_edit_or_delete_it(self, entry, admin_client):
        change = reverse("admin:participants_exportlog_change", args=[entry.pk])
        admin_client.post(change, {"row_count": 0, "export": "x"})
        delete = reverse("admin:participants_exportlog_delete", args=[entry.pk])
        assert admin_client.post(delete, {"post": "yes"}).status_code == 403
        entry.refresh_from_db()
        assert (entry.export, entry.row_count) == ("trainings:report_participants", 3)

    @pytest.mark.parametrize("user_fixture", ["staff_user", "coordinator_user"])
    def test_other_roles_cannot_read_it_even_with_admin_access(
        self, entry, client, request, user_fixture
    ):
        user = request.getfixturevalue(user_fixture)
        user.is_staff = True
        user.save()
        login(client, user)
        # The admin is for the Admin role only: its login page, not the log.
        url = reverse("admin:participants_exportlog_changelist")
        assert client.get(url).url.startswith(reverse("admin:login"))
        change = reverse("admin:participants_exportlog_change", args=[entry.pk])
        assert client.get(change).url.startswith(reverse("admin:login"))
