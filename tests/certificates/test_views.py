"""The certificate panel on the training page, issuing from it, the PDF of one
certificate and of all (a job), the list and revocation for coordinators."""

import re
import zlib
from http import HTTPStatus

import pytest
from django.template.defaultfilters import slugify
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from certificates.models import Certificate
from certificates.pdf import certificates_html
from certificates.services import certificate_issue, certificate_revoke
from jobs.models import Job
from participants.models import ExportLog
from trainings.models import Enrolment

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def english(client):
    client.cookies["django_language"] = "en"
    return client


def pdf_pages(pdf: bytes) -> list[tuple[int, int]]:
    """The (width, height) in points of each page of a WeasyPrint PDF."""
    streams = re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S)
    objects = pdf + b"".join(zlib.decompress(stream) for stream in streams)
    boxes = re.findall(rb"/Type /Page\b.*?/MediaBox \[([^\]]*)\]", objects, re.S)
    if not boxes:
        boxes = re.findall(rb"/MediaBox \[([^\]]*)\]", objects)
    return [tuple(round(float(n)) for n in box.split()[2:]) for box in boxes]


class TestPanel:
    def test_lists_who_qualifies_and_why_not(self, staff_client, training, enrol):
        andi = enrol("Andi Baso")
        sitti = enrol("Sitti Aminah", days=2)
        enrol("Fasilitator Satu", role=Enrolment.Role.FACILITATOR)
        english(staff_client)
        html = staff_client.get(training.get_absolute_url()).content.decode()
        panel = html[html.index('id="certificates"') :]
        assert "Present every day of the training" in panel
        assert f'data-enrolment="{andi.pk}" data-qualifies="yes"' in panel
        assert f'data-enrolment="{sitti.pk}" data-qualifies="no"' in panel
        assert "present 2 of 3 days, needs 3" in panel
        assert "Fasilitator Satu" not in panel
        # One "Generate" button: Andi's.
        assert panel.count("data-certificate-issue") == 1
        assert reverse("certificates:issue", args=[andi.pk]) in panel
        assert 'id="certificates-all"' in panel

    def test_says_when_the_pass_mark_is_missing(self, staff_client, training, enrol):
        training.certificate_requires_pass = True
        training.test_pass_mark = None
        training.save()
        enrol("Andi Baso", post=90)
        html = english(staff_client).get(training.get_absolute_url()).content.decode()
        assert "this training has no pass mark" in html
        assert 'data-qualifies="yes"' not in html

    def test_issued_certificates_with_their_verification_link(
        self, coordinator_client, training, enrol, staff_user
    ):
        certificate = certificate_issue(enrolment=enrol(), user=staff_user)
        html = coordinator_client.get(training.get_absolute_url()).content.decode()
        assert f'data-certificate="{certificate.number}"' in html
        assert (
            f'href="http://testserver/c/{certificate.code}/" data-verification-link'
            in html
        )
        assert reverse("certificates:revoke", args=[certificate.pk]) in html

    def test_staff_do_not_get_the_revoke_link(
        self, staff_client, training, enrol, staff_user
    ):
        certificate = certificate_issue(enrolment=enrol(), user=staff_user)
        html = staff_client.get(training.get_absolute_url()).content.decode()
        assert certificate.number in html
        assert reverse("certificates:revoke", args=[certificate.pk]) not in html

    def test_a_fixed_number_of_queries(
        self, staff_client, training, enrol, staff_user, django_assert_max_num_queries
    ):
        """The training page costs the same with 2 people as with 8, certificates
        issued or not."""

        def queries():
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as context:
                response = staff_client.get(training.get_absolute_url())
            assert response.status_code == HTTPStatus.OK
            return len(context.captured_queries)

        for number in range(2):
            certificate_issue(enrolment=enrol(f"Peserta {number}"), user=staff_user)
        few = queries()
        for number in range(6):
            enrolment = enrol(f"Orang {number}", days=number % 4)
            if number % 4 == 3:
                certificate_issue(enrolment=enrolment, user=staff_user)
        assert queries() == few


class TestIssue:
    def test_staff_issue_a_certificate(self, staff_client, training, enrol):
        enrolment = enrol("Andi Baso")
        url = reverse("certificates:issue", args=[enrolment.pk])
        response = english(staff_client).post(url, follow=True)
        certificate = Certificate.objects.get()
        assert (
            response.redirect_chain[0][0]
            == training.get_absolute_url() + "#certificates"
        )
        messages = [str(m) for m in response.context["messages"]]
        assert messages == [f"Certificate {certificate.number} of Andi Baso is ready."]
        # A double click: the same certificate.
        staff_client.post(url)
        assert Certificate.objects.count() == 1

    def test_someone_who_does_not_qualify_is_refused(
        self, staff_client, training, enrol
    ):
        enrolment = enrol("Sitti Aminah", days=1)
        response = english(staff_client).post(
            reverse("certificates:issue", args=[enrolment.pk]), follow=True
        )
        assert not Certificate.objects.exists()
        [message] = response.context["messages"]
        assert message.level_tag == "error"
        assert "present 1 of 3 days, needs 3" in str(message)

    def test_a_get_issues_nothing(self, staff_client, training, enrol):
        enrolment = enrol()
        response = staff_client.get(reverse("certificates:issue", args=[enrolment.pk]))
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert not Certificate.objects.exists()


class TestPdf:
    def test_one_certificate_as_an_a4_landscape_pdf(
        self, staff_client, staff_user, training, enrol
    ):
        certificate = certificate_issue(enrolment=enrol("Andi Baso"), user=staff_user)
        response = staff_client.get(reverse("certificates:pdf", args=[certificate.pk]))
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"] == "application/pdf"
        with translation.override("id"):  # the default language
            word = gettext("certificate")
        stem = f"{slugify(word)}-setara-2023-{training.pk:04d}-001"
        assert response["Content-Disposition"] == f'attachment; filename="{stem}.pdf"'
        assert response.content.startswith(b"%PDF")
        assert pdf_pages(response.content) == [(842, 595)]
        log = ExportLog.objects.get()
        assert (log.user, log.export, log.row_count) == (
            staff_user,
            "certificates:pdf",
            1,
        )
        assert log.filters == {
            "participant": str(certificate.enrolment.participant_id),
            "certificate": certificate.number,
        }

    def test_the_page_prints_what_the_issue_asks_for(self, staff_user, training, enrol):
        training.partners = "UNICEF Indonesia"
        training.save()
        certificate = certificate_issue(
            enrolment=enrol("Hj. Sitti Aminah, S.Sos"), user=staff_user
        )
        with translation.override("id"):
            html = certificates_html([certificate], "https://setara.example.org/")
        assert "Hj. Sitti Aminah, S.Sos" in html
        assert training.title in html
        assert "18–20 Oktober 2023" in html
        assert f"Aula Kantor Bupati, {training.region.name}" in html
        assert (
            "SETARA" in html and "Yayasan BaKTI" in html and "UNICEF Indonesia" in html
        )
        assert certificate.number in html
        assert f"https://setara.example.org/c/{certificate.code}/" in html
        assert 'src="data:image/svg+xml' in html
        assert 'lang="id"' in html

    def test_a_revoked_certificate_is_not_printed(
        self, staff_client, staff_user, training, enrol
    ):
        certificate = certificate_issue(enrolment=enrol(), user=staff_user)
        certificate_revoke(certificate=certificate, user=staff_user, reason="Salah")
        response = staff_client.get(
            reverse("certificates:pdf", args=[certificate.pk]), follow=True
        )
        assert response.redirect_chain
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
        assert not ExportLog.objects.exists()


class TestAllAsOnePdf:
    def test_issues_the_qualifying_and_makes_one_pdf_in_a_job(
        self, staff_client, staff_user, training, enrol
    ):
        enrol("Andi Baso")
        enrol("Sitti Aminah")
        enrol("Nurhaeda", days=2)  # does not qualify
        enrol("Fasilitator", role=Enrolment.Role.FACILITATOR)
        response = staff_client.post(
            reverse("certificates:issue_all", args=[training.pk])
        )
        job = Job.objects.get()
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse("jobs:detail", args=[job.pk])
        assert sorted(Certificate.objects.values_list("name", flat=True)) == [
            "Andi Baso",
            "Sitti Aminah",
        ]
        assert job.status == Job.Status.SUCCEEDED, job.error_message
        assert (job.kind, job.progress_done, job.progress_total) == (Job.Kind.PDF, 2, 2)
        assert job.params == {"training": training.pk, "base_url": "http://testserver/"}
        assert job.personal and job.permission == "certificates.add_certificate"
        with job.file.open("rb") as file:
            pdf = file.read()
        assert pdf.startswith(b"%PDF")
        assert pdf_pages(pdf) == [(842, 595), (842, 595)]
        # Downloading it is recorded like the other files of names.
        download = staff_client.get(reverse("jobs:download", args=[job.pk]))
        b"".join(download.streaming_content)
        log = ExportLog.objects.get()
        assert (log.export, log.filters, log.row_count) == (
            "certificates:issue_all",
            {"pk": str(training.pk)},
            2,
        )

    def test_nobody_qualifies_starts_no_job(self, staff_client, training, enrol):
        enrol("Nurhaeda", days=1)
        response = english(staff_client).post(
            reverse("certificates:issue_all", args=[training.pk]), follow=True
        )
        assert not Job.objects.exists()
        assert not Certificate.objects.exists()
        assert [str(m) for m in response.context["messages"]] == [
            "Nobody qualifies for a certificate of this training yet."
        ]

    def test_a_user_who_lost_the_permission_gets_a_failed_job(
        self, staff_user, training, enrol
    ):
        from certificates import tasks
        from jobs.services import job_start

        enrol()
        certificate_issue(enrolment=Enrolment.objects.get(), user=staff_user)
        staff_user.groups.clear()
        job = job_start(
            task=tasks.training_certificates_pdf,
            user=staff_user,
            kind=Job.Kind.PDF,
            title="Certificates",
            params={"training": training.pk, "base_url": "http://testserver/"},
        )
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED
        assert not job.file


class TestListAndRevoke:
    @pytest.fixture
    def certificate(self, training, enrol, staff_user):
        return certificate_issue(enrolment=enrol("Andi Baso"), user=staff_user)

    def test_the_list_filters_by_training(
        self, coordinator_client, certificate, staff_user, enrol
    ):
        from tests.factories import TrainingFactory

        other = TrainingFactory(title="Pelatihan Lain")
        elsewhere = certificate_issue(
            enrolment=enrol("Orang Lain", on=other), user=staff_user
        )
        response = coordinator_client.get(
            reverse("certificates:list"),
            {"training": certificate.enrolment.training_id},
        )
        assert list(response.context["object_list"]) == [certificate]
        html = response.content.decode()
        assert certificate.number in html and elsewhere.number not in html
        response = coordinator_client.get(reverse("certificates:list"), {"q": "lain"})
        assert list(response.context["object_list"]) == [elsewhere]

    @pytest.mark.parametrize(
        "query", [{"training": "abc"}, {"training": "999999"}, {"status": "zzz"}]
    )
    def test_bad_filters_give_a_page_not_an_error(
        self, coordinator_client, certificate, query
    ):
        response = coordinator_client.get(reverse("certificates:list"), query)
        assert response.status_code == HTTPStatus.OK

    def test_the_list_costs_the_same_for_1_or_6_certificates(
        self, coordinator_client, coordinator_user, certificate, enrol, staff_user
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def queries():
            with CaptureQueriesContext(connection) as context:
                coordinator_client.get(reverse("certificates:list"))
            return len(context.captured_queries)

        # With a revocation already: the history names its user (one query for
        # the users named, however many).
        certificate_revoke(certificate=certificate, user=coordinator_user, reason="x")
        few = queries()
        for number in range(5):
            issued = certificate_issue(
                enrolment=enrol(f"Peserta {number}"), user=staff_user
            )
            if number % 2:
                certificate_revoke(
                    certificate=issued, user=coordinator_user, reason="Salah"
                )
        assert queries() == few

    def test_revoke_asks_for_a_reason_then_revokes(
        self, coordinator_client, coordinator_user, certificate
    ):
        url = reverse("certificates:revoke", args=[certificate.pk])
        page = english(coordinator_client).get(url)
        assert page.status_code == HTTPStatus.OK
        assert certificate.number in page.content.decode()
        response = coordinator_client.post(url, {"reason": "  "})
        assert response.status_code == HTTPStatus.OK
        assert response.context["form"].errors["reason"]
        certificate.refresh_from_db()
        assert not certificate.is_revoked
        response = coordinator_client.post(url, {"reason": "Attendance corrected"})
        assert response["Location"] == (
            f"{reverse('certificates:list')}?training={certificate.enrolment.training_id}"
        )
        certificate.refresh_from_db()
        assert certificate.is_revoked
        assert certificate.revoked_by == coordinator_user
        # The list shows the revocation in its history.
        html = coordinator_client.get(response["Location"]).content.decode()
        history = html[html.index('id="history"') :]
        assert f"Certificate {certificate.number}" in history
        assert "Attendance corrected" in history
        assert 'data-history-action="changed"' in history

    def test_staff_may_not_revoke(self, staff_client, certificate):
        url = reverse("certificates:revoke", args=[certificate.pk])
        assert staff_client.get(url).status_code == HTTPStatus.FORBIDDEN
        response = staff_client.post(url, {"reason": "No"})
        assert response.status_code == HTTPStatus.FORBIDDEN
        certificate.refresh_from_db()
        assert not certificate.is_revoked
        assert staff_client.get(reverse("certificates:list")).status_code == (
            HTTPStatus.FORBIDDEN
        )

    def test_a_revoked_certificate_shows_it_was_revoked(
        self, coordinator_client, coordinator_user, certificate
    ):
        certificate_revoke(certificate=certificate, user=coordinator_user, reason="x")
        url = reverse("certificates:revoke", args=[certificate.pk])
        html = coordinator_client.get(url).content.decode()
        assert 'id="already-revoked"' in html
        assert coordinator_client.post(url, {"reason": "again"}).status_code == (
            HTTPStatus.FOUND
        )
        certificate.refresh_from_db()
        assert certificate.revoke_reason == "x"


class TestDeletionKeepsCertificates:
    """A certificate is out in the world: its training and enrolment stay."""

    def test_a_training_with_certificates_is_not_deleted(
        self, admin_client, admin_user, training, enrol
    ):
        certificate_issue(enrolment=enrol(), user=admin_user)
        response = english(admin_client).post(
            reverse("trainings:delete", args=[training.pk]), follow=True
        )
        assert response.redirect_chain[-1][0] == training.get_absolute_url()
        assert [str(m) for m in response.context["messages"]] == [
            "This cannot be deleted while certificates refer to it."
        ]
        assert Certificate.objects.count() == 1
        training.refresh_from_db()

    def test_an_enrolment_with_a_certificate_is_not_removed(
        self, staff_client, staff_user, training, enrol
    ):
        enrolment = enrol()
        certificate_issue(enrolment=enrolment, user=staff_user)
        response = staff_client.post(
            reverse("trainings:enrolment_delete", args=[enrolment.pk]), follow=True
        )
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
        assert Enrolment.objects.filter(pk=enrolment.pk).exists()
