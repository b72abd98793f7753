"""The sign-in sheet of a training too large for one request
(``SIGNIN_PDF_IN_REQUEST_MAX_ROWS``, 5 here): its page offers a job instead of
the rows, a GET of its PDF draws nothing, a POST starts the job, which draws the
sheet in parts of whole pages (``trainings.signin_pdf``) joined into the same
pages as one drawing."""

import io
from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from jobs.models import Job
from jobs.runner import job_run
from participants.models import ExportLog
from tests.auth import login
from tests.factories import EnrolmentFactory, TrainingFactory, UserFactory
from trainings import signin_pdf
from trainings.signin import page_starts, sheet_parts

pytestmark = pytest.mark.django_db

MAX_ROWS = 5


@pytest.fixture(autouse=True)
def small_threshold(settings):
    settings.SIGNIN_PDF_IN_REQUEST_MAX_ROWS = MAX_ROWS


@pytest.fixture
def queue_only(settings):
    """A task backend that queues and never runs: jobs stay waiting."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }


def big_training(people: int = MAX_ROWS + 1):
    training = TrainingFactory()
    for n in range(people):
        EnrolmentFactory(training=training, participant__full_name=f"Peserta {n:03d}")
    return training


def sheet_url(training):
    return reverse("trainings:signin_sheet", args=[training.pk])


def pdf_url(training):
    return reverse("trainings:signin_sheet_pdf", args=[training.pk])


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def not_drawn(*args, **kwargs):
    raise AssertionError("the sheet was drawn in the request")


class TestPage:
    def test_a_big_training_shows_the_job_button_not_the_rows(self, staff_client):
        training = big_training()
        with translation.override("en"):
            response = english(staff_client).get(sheet_url(training), {"phone": "on"})
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert "Peserta" not in html
        assert 'id="signin-sheet"' not in html and "blank-row" not in html
        form = html[html.index('id="signin-sheet-pdf-job"') :].split("</form>")[0]
        assert "csrfmiddlewaretoken" in form
        # The phone option is in the job's form (sent with its POST), ticked as
        # the address asked; the GET options keep only the blank sheet.
        assert 'name="phone" value="on" id="signin-job-phone"' in form
        assert "checked" in form.split('id="signin-job-phone"')[1].split(">")[0]
        options = html[html.index('id="signin-sheet-options"') :].split("</form>")[0]
        assert 'name="phone"' not in options
        unticked = staff_client.get(sheet_url(training)).content.decode()
        job_form = unticked[unticked.index('id="signin-job-phone"') :].split(">")[0]
        assert "checked" not in job_form
        assert 'id="signin-sheet-pdf"' not in html  # no link that draws at once
        assert "This training has 6 people on its sheet" in html
        # The options stay, and a blank sheet is still drawn on the page.
        assert 'id="signin-sheet-options"' in html
        blank = staff_client.get(sheet_url(training), {"blank_for": "40"})
        assert blank.content.decode().count('class="blank-row"') == 40

    def test_a_small_training_lists_its_people(self, staff_client):
        training = big_training(MAX_ROWS)
        html = staff_client.get(sheet_url(training)).content.decode()
        assert html.count("Peserta") == MAX_ROWS
        assert 'id="signin-sheet-pdf"' in html and "signin-sheet-pdf-job" not in html

    def test_fixed_queries_whatever_the_number_of_people(self, staff_client):
        counts = []
        for people in (2, 4, 6, 30):  # below and above the threshold
            url = sheet_url(big_training(people))
            staff_client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert staff_client.get(url).status_code == HTTPStatus.OK
            counts.append(len(queries))
        assert counts[0] == counts[1]
        assert counts[2] == counts[3] <= counts[0]  # no roster read


class TestPdfGet:
    def test_does_not_draw_a_big_sheet(self, staff_client, monkeypatch):
        monkeypatch.setattr("trainings.views.signin.sheet_pdf", not_drawn)
        training = big_training()
        response = english(staff_client).get(
            pdf_url(training), {"phone": "on"}, follow=True
        )
        assert response.redirect_chain == [
            (sheet_url(training) + "?phone=on", HTTPStatus.FOUND)
        ]
        [message] = response.context["messages"]
        assert message.level_tag == "info" and "too many people" in str(message)
        assert not Job.objects.exists() and not ExportLog.objects.exists()

    def test_a_blank_sheet_of_a_big_training_is_drawn_at_once(self, staff_client):
        pytest.importorskip("weasyprint")
        response = staff_client.get(pdf_url(big_training()), {"blank_for": "30"})
        assert response["Content-Type"] == "application/pdf"
        assert not Job.objects.exists() and not ExportLog.objects.exists()

    def test_a_small_sheet_is_still_drawn_at_once(self, staff_client):
        pytest.importorskip("weasyprint")
        response = staff_client.get(pdf_url(big_training(MAX_ROWS)))
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"] == "application/pdf"
        assert ExportLog.objects.get().row_count == MAX_ROWS
        assert not Job.objects.exists()


def pdf_pages_text(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_page_sizes(pdf: bytes) -> set[tuple[int, int]]:
    from pypdf import PdfReader

    return {
        (round(page.mediabox.width), round(page.mediabox.height))
        for page in PdfReader(io.BytesIO(pdf)).pages
    }


class TestJob:
    def test_a_post_makes_the_pdf_in_a_job(self, staff_client, staff_user):
        pytest.importorskip("weasyprint")
        training = big_training()
        response = staff_client.post(pdf_url(training), {"phone": "on"})
        job = Job.objects.get()
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse("jobs:detail", args=[job.pk])
        assert job.status == Job.Status.SUCCEEDED, job.error_message
        assert (job.progress_done, job.progress_total) == (6, 6)
        assert job.created_by == staff_user
        assert job.params == {
            "training": training.pk,
            "phone": True,
            "base_url": "http://testserver/",
        }
        assert job.personal and job.permission == "participants.view_participant"
        assert job.filename == signin_pdf.sheet_filename(training)
        with job.file.open("rb") as file:
            pdf = file.read()
        [page] = pdf_pages_text(pdf)
        for n in range(6):
            assert f"Peserta {n:03d}" in page
        assert "No. HP" in page
        # Downloading it is recorded like the PDF made in a request.
        download = staff_client.get(reverse("jobs:download", args=[job.pk]))
        assert b"".join(download.streaming_content) == pdf
        log = ExportLog.objects.get()
        assert (log.export, log.filters, log.row_count) == (
            "trainings:signin_sheet_pdf",
            {"pk": str(training.pk), "phone": "on"},
            6,
        )

    def test_sent_twice_while_unfinished_gives_one_job(self, staff_client, queue_only):
        training = big_training()
        first = staff_client.post(pdf_url(training))
        second = staff_client.post(pdf_url(training))
        job = Job.objects.get()
        assert first["Location"] == second["Location"] == job.get_absolute_url()
        assert job.status == Job.Status.QUEUED
        # Other options are another file: another job.
        staff_client.post(pdf_url(training), {"phone": "on"})
        assert Job.objects.count() == 2

    def test_a_blank_sheet_posted_goes_to_the_page(self, staff_client):
        training = big_training()
        response = staff_client.post(pdf_url(training), {"blank_for": "30"})
        assert response["Location"] == sheet_url(training) + "?blank_for=30"
        assert not Job.objects.exists()

    def test_a_user_without_the_permission_gets_403(self, client):
        training = big_training()
        user = UserFactory()
        user.groups.clear()
        login(client, user)
        assert client.post(pdf_url(training)).status_code == HTTPStatus.FORBIDDEN
        assert client.get(pdf_url(training)).status_code == HTTPStatus.FORBIDDEN
        assert client.get(sheet_url(training)).status_code == HTTPStatus.FORBIDDEN
        assert not Job.objects.exists()

    def test_a_user_who_lost_the_permission_gets_a_failed_job(
        self, staff_client, staff_user, queue_only
    ):
        training = big_training()
        staff_client.post(pdf_url(training))
        job = Job.objects.get()
        staff_user.groups.clear()
        job_run(job.pk, signin_pdf.signin_sheet_pdf_work)
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED and not job.file


def test_a_long_sheet_drawn_in_parts_has_the_pages_of_one_drawing(
    staff_client, monkeypatch
):
    """Three pages drawn as three parts: each page the same as when the sheet
    is drawn at once, numbered on, the title on the first page only, the header
    on every page and the blank rows on the last."""
    pytest.importorskip("weasyprint")
    training = big_training(40)  # 14 rows under the title, 17, then 9
    with translation.override("en"):
        staff_client = english(staff_client)
        monkeypatch.setattr(signin_pdf, "PAGES_PER_PART", 1)
        staff_client.post(pdf_url(training))
        job = Job.objects.get()
        assert job.status == Job.Status.SUCCEEDED, job.error_message
        with job.file.open("rb") as file:
            parted = file.read()
        enrolments = list(signin_pdf.sheet_enrolments(training))
        context = signin_pdf.sheet_context(training, enrolments)
        heights = [float(h) for h in context["layout"].row_heights]
        title_mm = float(context["layout"].title_mm)
        assert page_starts(heights, title_mm=title_mm) == [0, 14, 31]
        assert len(sheet_parts(heights, title_mm=title_mm, pages_per_part=1)) == 3
        monkeypatch.setattr(signin_pdf, "PAGES_PER_PART", 1000)
        whole = signin_pdf.sheet_pdf(context)
    pages = pdf_pages_text(parted)
    assert pages == pdf_pages_text(whole)
    assert pdf_page_sizes(parted) == {(842, 595)}
    assert len(pages) == 3
    assert ["ATTENDANCE LIST" in page for page in pages] == [True, False, False]
    assert all("Signature" in page for page in pages)
    # The rows are numbered on across the parts (the number also in each
    # signature cell), the blank rows after them to the end of the last page.
    assert "14 Peserta 013" in pages[0] and "14. 14. 14." in pages[0]
    assert pages[1].count("Peserta") == 17
    assert "15 Peserta 014" in pages[1] and "31 Peserta 030" in pages[1]
    assert "15. 15. 15." in pages[1]
    assert "40 Peserta 039" in pages[2]
    assert pages[2].split()[-8:] == [str(n) for n in range(41, 49)]  # 17 - 9
