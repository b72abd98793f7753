"""A large import's confirm runs as a job (the immediate backend here, so the job
has run when the confirm returns); the upload lives in the database and the
storage, so preview and confirm may come through different app servers."""

import datetime
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from jobs.models import Job
from participants.models import Participant
from tests.auth import login
from tests.factories import AgencyFactory, ParticipantFactory, TrainingFactory
from tests.trainings.export_files import job_of
from tests.trainings.test_import_views import confirm_data, preview_url, upload, xlsx
from trainings.imports import jobs as import_jobs
from trainings.imports.pending import PendingUpload
from trainings.models import Attendance, Enrolment, ImportUpload

pytestmark = pytest.mark.django_db

#: A queue that keeps what is enqueued and never runs it.
DUMMY_BACKEND = "django_tasks.backends.dummy.DummyBackend"
HEADER = ["Nama", "L/P", "Instansi", "No. HP"]


def sheet(count=5, name="besar.xlsx"):
    """A sign-in sheet of ``count`` different people of one new agency."""
    rows = [HEADER] + [
        [f"Peserta Nomor {i}", "P" if i % 2 else "L", "Dinas Uji", f"0812{i:08d}"]
        for i in range(1, count + 1)
    ]
    return xlsx(rows, name=name)


@pytest.fixture(autouse=True)
def english(client):
    """English pages and jobs (a job runs in the language of the request that
    started it)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def jobs_from_three_rows(settings):
    settings.IMPORT_JOB_MIN_ROWS = 3


@pytest.fixture
def training():
    return TrainingFactory(
        title="Pelatihan Uji",
        start_date=datetime.date(2023, 10, 18),
        end_date=datetime.date(2023, 10, 19),
    )


def server(staff_user, session_cookie=None):
    """A client as another app server sees the user: the same session cookie
    (the session is in the database), nothing else shared in this process."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    if session_cookie is None:
        login(client, staff_user)
    else:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
    return client


@pytest.fixture
def servers(staff_user):
    """Servers A and B of one logged-in user."""
    a = server(staff_user)
    return a, server(staff_user, a.cookies[settings.SESSION_COOKIE_NAME].value)


def test_preview_on_one_server_confirm_on_another_as_a_job(servers, training):
    a, b = servers
    url = preview_url(upload(a, training, sheet(5)))
    stored = ImportUpload.objects.get().file.name
    assert default_storage.exists(stored)  # the file is in the shared storage

    preview = a.get(url)
    assert "imported in the background" in preview.content.decode()
    response = b.post(url, confirm_data(preview))
    job = Job.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.status) == (Job.Kind.IMPORT, Job.Status.SUCCEEDED)
    assert job.title == "Import of besar.xlsx into Pelatihan Uji"
    assert (job.progress_done, job.progress_total) == (5, 5)
    assert job.result["message"] == (
        "Imported 5 participants: 5 new, 0 already in the registry; 0 were "
        "already enrolled."
    )
    assert job.result["next_url"] == training.get_absolute_url()
    assert Enrolment.objects.filter(training=training).count() == 5
    assert ImportUpload.objects.get().consumed_at is not None
    page = a.get(response.url)
    assert job.result["message"] in page.content.decode()


def test_a_small_file_is_imported_in_the_request(servers, training):
    a, b = servers
    url = preview_url(upload(a, training, sheet(3)))
    preview = a.get(url)
    assert "imported in the background" not in preview.content.decode()
    response = b.post(url, confirm_data(preview))
    assert response.url == training.get_absolute_url()
    assert not Job.objects.exists()
    assert Enrolment.objects.count() == 3


def test_import_again_after_the_job_says_already_imported(servers, training):
    a, b = servers
    url = preview_url(upload(a, training, sheet(5)))
    preview = a.get(url)
    b.post(url, confirm_data(preview))
    again = a.post(url, confirm_data(preview), follow=True)  # Back, Import
    assert again.redirect_chain == [(training.get_absolute_url(), HTTPStatus.FOUND)]
    assert "This file was already imported." in again.content.decode()
    assert Job.objects.count() == 1
    assert Enrolment.objects.count() == 5


def test_a_second_confirm_while_the_job_waits_returns_the_same_job(
    servers, training, settings
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    a, b = servers
    url = preview_url(upload(a, training, sheet(5)))
    data = confirm_data(a.get(url))
    first = a.post(url, data)
    second = b.post(url, data)  # a double click, through the other server
    job = Job.objects.get()
    assert first.url == second.url == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.QUEUED
    assert not Enrolment.objects.exists()


def test_an_expired_upload_says_so(servers, training):
    a, b = servers
    url = preview_url(upload(a, training, sheet(5)))
    data = confirm_data(a.get(url))
    ImportUpload.objects.update(created_at=timezone.now() - datetime.timedelta(days=2))
    response = b.post(url, data, follow=True)
    assert "This upload has expired" in response.content.decode()
    assert not Job.objects.exists() and not Enrolment.objects.exists()


def _start(staff_user, upload_row, fingerprint):
    """Start the job as the confirm does, with the fingerprint of the preview."""
    return import_jobs.import_confirm_start(
        user=staff_user,
        training=upload_row.training,
        pending=PendingUpload.from_row(upload_row),
        fingerprint=fingerprint,
        rows=5,
    )


def _previewed(client, training, rows=5):
    """Upload and preview; the ImportUpload and the fingerprint the user saw."""
    url = preview_url(upload(client, training, sheet(rows)))
    return ImportUpload.objects.get(), confirm_data(client.get(url))["fingerprint"]


def _nothing_written_and_upload_kept(upload_row, people=0):
    assert not Enrolment.objects.exists()
    assert Participant.objects.count() == people
    upload_row.refresh_from_db()
    assert upload_row.consumed_at is None  # fix, then import again
    assert default_storage.exists(upload_row.file.name)


def test_a_row_that_became_a_problem_fails_the_job_naming_it(
    staff_client, staff_user, training
):
    """Between the confirm and the worker someone added a person with row 4's
    name in the same agency: a match on the name alone waits for a decision."""
    upload_row, fingerprint = _previewed(staff_client, training)
    ParticipantFactory(
        full_name="Peserta Nomor 3", agency=AgencyFactory(name="Dinas Uji"), phone=""
    )
    job = _start(staff_user, upload_row, fingerprint)
    assert job.status == Job.Status.FAILED
    assert job.error_message.startswith("Nothing was imported. Open the preview")
    assert "Row 4" in job.error_message
    assert not job.result
    _nothing_written_and_upload_kept(upload_row, people=1)


def test_a_plan_changed_meanwhile_fails_the_job_asking_for_the_preview(
    staff_client, staff_user, training
):
    upload_row, fingerprint = _previewed(staff_client, training)
    ParticipantFactory(full_name="Hasnah", phone="+6281200000002")  # row 3's phone
    job = _start(staff_user, upload_row, fingerprint)
    assert job.status == Job.Status.FAILED
    assert job.error_message == str(import_jobs.CHANGED_MEANWHILE)
    _nothing_written_and_upload_kept(upload_row, people=1)


def test_an_error_midway_fails_the_job_with_nothing_written(
    staff_client, staff_user, training, monkeypatch
):
    upload_row, fingerprint = _previewed(staff_client, training)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Attendance.objects, "bulk_create", fail)
    job = _start(staff_user, upload_row, fingerprint)
    assert job.status == Job.Status.FAILED
    assert "Nothing was saved" in job.error_message
    _nothing_written_and_upload_kept(upload_row)


def test_the_job_of_an_expired_upload_fails_clearly(staff_client, staff_user, training):
    upload_row, fingerprint = _previewed(staff_client, training)
    ImportUpload.objects.update(created_at=timezone.now() - datetime.timedelta(days=2))
    job = _start(staff_user, upload_row, fingerprint)
    assert job.error_message == "This upload has expired. Upload the file again."
    assert not Enrolment.objects.exists()


def test_progress_counts_rows_in_batches(
    staff_client, staff_user, training, monkeypatch
):
    from trainings import services

    monkeypatch.setattr(services, "IMPORT_BATCH_ROWS", 2)
    reports = []
    real_call = import_jobs.Progress.__call__

    def record(self, done, total=None):
        reports.append((done, total))
        real_call(self, done, total)

    monkeypatch.setattr(import_jobs.Progress, "__call__", record)
    upload_row, fingerprint = _previewed(staff_client, training)
    job = _start(staff_user, upload_row, fingerprint)
    assert job.status == Job.Status.SUCCEEDED
    assert reports == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert Enrolment.objects.count() == 5


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent transactions (PostgreSQL); SQLite serialises writers",
)
@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_by_another_connection_during_the_import(
    staff_client, staff_user, training, monkeypatch, settings
):
    """Another app server polls the job's status while the import's transaction
    is open: it sees the rows written so far."""
    from trainings import services

    monkeypatch.setattr(services, "IMPORT_BATCH_ROWS", 2)
    seen = []

    def look_from_elsewhere(self, done, total=None):
        self.done, self.total = done, total or self.total
        self.flush()
        default = connections["default"]
        other = default.__class__(default.settings_dict.copy(), alias="other")
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT progress_done FROM jobs_job WHERE id = %s", [self.job.pk]
                )
                seen.append(cursor.fetchone()[0])
        finally:
            other.close()

    monkeypatch.setattr(import_jobs.Progress, "__call__", look_from_elsewhere)
    upload_row, fingerprint = _previewed(staff_client, training)
    # Enqueued and committed, then run as a worker runs it (outside a request).
    settings.TASKS = {"default": {"BACKEND": DUMMY_BACKEND}}
    job = _start(staff_user, upload_row, fingerprint)
    import_jobs.import_confirm.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert seen == [0, 2, 4, 5]


def test_a_250_character_file_name_gives_a_title_that_fits(servers, training):
    a, b = servers
    name = "daftar hadir " + "peserta pelatihan … " * 12 + ".xlsx"
    assert len(name) > 250
    url = preview_url(upload(a, training, sheet(5, name=name)))
    job = Job.objects.get(pk=job_of(b.post(url, confirm_data(a.get(url)))).pk)
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert len(job.title) <= Job._meta.get_field("title").max_length
    assert job.title.startswith("Import of daftar hadir peserta")


def test_a_confirm_over_the_job_limit_says_so_and_keeps_the_upload(
    servers, training, settings
):
    settings.TASKS = {"default": {"BACKEND": DUMMY_BACKEND}}
    settings.JOBS_MAX_UNFINISHED_PER_USER = 1
    a, b = servers
    first = preview_url(upload(a, training, sheet(5)))
    job_of(a.post(first, confirm_data(a.get(first))))
    second = preview_url(upload(a, training, sheet(4, name="lain.xlsx")))
    response = b.post(second, confirm_data(a.get(second)), follow=True)
    assert response.redirect_chain[-1][0] == reverse("jobs:list")
    assert "You already have 1 export or import waiting" in response.content.decode()
    assert Job.objects.count() == 1
    assert ImportUpload.objects.filter(consumed_at__isnull=True).count() == 2


def test_a_confirm_after_its_job_died_starts_a_new_job(servers, training, settings):
    settings.TASKS = {"default": {"BACKEND": DUMMY_BACKEND}}
    a, b = servers
    url = preview_url(upload(a, training, sheet(5)))
    data = confirm_data(a.get(url))
    dead = job_of(a.post(url, data))
    Job.objects.filter(pk=dead.pk).update(
        status=Job.Status.RUNNING,
        updated_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    again = job_of(b.post(url, data))
    assert again != dead and again.status == Job.Status.QUEUED
    dead.refresh_from_db()
    assert dead.status == Job.Status.FAILED


def test_the_job_of_a_deleted_training_says_the_training_was_deleted(
    staff_client, staff_user, training
):
    upload_row, fingerprint = _previewed(staff_client, training)
    job = _start(staff_user, upload_row, fingerprint)  # runs at once here: redo
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
    training.delete()  # the upload goes with it
    import_jobs.import_confirm.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error_message == str(import_jobs.TRAINING_DELETED)
    assert "expired" not in job.error_message


def test_a_failed_job_keeps_rows_and_fields_but_no_values(
    staff_client, staff_user, training
):
    """Two rows with one phone number, and a registry person with row 3's name:
    the preview names the values; the job's message (kept after the upload is
    gone) does not."""
    rows = [HEADER] + [
        [f"Peserta Nomor {i}", "P", "Dinas Uji", f"0812{min(i, 3):08d}"]
        for i in range(1, 6)
    ]
    upload(staff_client, training, xlsx(rows))
    ParticipantFactory(
        full_name="Peserta Nomor 2", agency=AgencyFactory(name="Dinas Uji"), phone=""
    )
    job = _start(staff_user, ImportUpload.objects.get(), "fingerprint")
    assert job.status == Job.Status.FAILED
    assert "Row 3: possibly the same person as #" in job.error_message
    assert "Row 5: the same person as row 4." in job.error_message
    for value in ["Peserta Nomor", "0812", "+62812", "Dinas Uji"]:
        assert value not in job.error_message
