"""The pages of jobs: progress, status JSON, download, "My downloads", the admin."""

import datetime
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from jobs.models import Job
from participants.models import ExportLog
from setara import roles
from tests.factories import UserFactory
from tests.jobs.tasks_for_tests import finished_job, write_file

pytestmark = pytest.mark.django_db

PERSONAL = "participants.export_personal_data"


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def queued_job(user, **fields) -> Job:
    values = {
        "kind": Job.Kind.EXPORT,
        "task_name": write_file.module_path,
        "title": "All participants",
        "created_by": user,
        **fields,
    }
    return Job.objects.create(**values)


def url(name, job):
    return reverse(f"jobs:{name}", args=[job.pk])


# The job's page and its status
# ------------------------------------------------------------------------------
def test_the_progress_page_of_a_running_job(staff_client, staff_user):
    job = queued_job(
        staff_user, status=Job.Status.RUNNING, progress_done=40, progress_total=160
    )
    response = staff_client.get(url("detail", job))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "All participants" in page and "Running" in page
    assert "40 of 160 rows written" in page
    assert f'data-status-url="{url("status", job)}"' in page
    assert (
        '<progress id="job-progress" class="job-progress w-100" max="100" value="25"'
        in page
    )
    assert '<label id="job-progress-label" for="job-progress"' in page
    assert 'aria-live="polite"' in page
    assert "js/job-progress.js" in page
    assert "<script>" not in page
    assert url("download", job) not in page
    # Without JavaScript: a Refresh link to the same page.
    assert f'href="{url("detail", job)}"' in page


def test_the_page_of_a_finished_job_offers_the_file(staff_client, staff_user):
    job = finished_job(staff_user)
    page = staff_client.get(url("detail", job)).content.decode()
    assert "Done" in page and f'href="{url("download", job)}"' in page


def test_a_failed_job_shows_its_message_and_no_file(staff_client, staff_user):
    job = queued_job(
        staff_user, status=Job.Status.FAILED, error_message="The file is too big."
    )
    page = staff_client.get(url("detail", job)).content.decode()
    assert "Failed" in page and "The file is too big." in page
    assert url("download", job) not in page
    assert staff_client.get(url("download", job))["Location"] == url("detail", job)


def test_someone_elses_job_is_not_found(staff_client):
    job = finished_job(UserFactory(role=roles.PROGRAMME_STAFF))
    for name in ("detail", "status", "download"):
        assert staff_client.get(url(name, job)).status_code == HTTPStatus.NOT_FOUND


def test_an_admin_sees_others_jobs_but_does_not_download_their_files(
    admin_client, coordinator_user
):
    job = finished_job(coordinator_user, personal=True, permission=PERSONAL)
    page = admin_client.get(url("detail", job)).content.decode()
    assert "coordinator" in page
    assert "Only the person who started a job can download its file." in page
    assert url("download", job) not in page
    assert admin_client.get(url("status", job)).json()["download_url"] is None
    assert admin_client.get(url("download", job)).status_code == HTTPStatus.NOT_FOUND
    assert not ExportLog.objects.exists()


def test_status_json(staff_client, staff_user, django_assert_max_num_queries):
    job = queued_job(staff_user, progress_done=3)
    # The session, the user, saving the session (with its savepoints), the job,
    # and the user's permissions (does this user need a second factor?).
    with django_assert_max_num_queries(10) as queries:
        data = staff_client.get(url("status", job)).json()
    assert sum("jobs_job" in query["sql"] for query in queries.captured_queries) == 1
    assert data == {
        "status": "queued",
        "status_label": "Waiting",
        "done": 3,
        "total": None,
        "percent": None,
        "progress_text": "3 rows written",
        "download_url": None,
        "expired": False,
        "error": None,
        "next_url": None,
        "message": None,
    }
    job = finished_job(
        staff_user,
        progress_done=7,
        progress_total=7,
        result={"next_url": "/trainings/1/", "message": "7 people enrolled."},
    )
    data = staff_client.get(url("status", job)).json()
    assert data["status"] == "succeeded" and data["percent"] == 100
    assert data["download_url"] == url("download", job)
    assert (data["next_url"], data["message"]) == (
        "/trainings/1/",
        "7 people enrolled.",
    )


def test_status_json_of_a_failed_job(staff_client, staff_user):
    job = queued_job(staff_user, status=Job.Status.FAILED, error_message="No rows.")
    data = staff_client.get(url("status", job)).json()
    assert (data["status"], data["error"], data["download_url"]) == (
        "failed",
        "No rows.",
        None,
    )


# The download
# ------------------------------------------------------------------------------
def test_download_streams_the_file_and_logs_personal_data(
    coordinator_client, coordinator_user
):
    job = finished_job(
        coordinator_user,
        content=b"nama,nik\n",
        progress_done=12,
        personal=True,
        permission=PERSONAL,
        log_export="trainings:report_participants",
        log_filters={"fmt": "xlsx", "year": "2023"},
    )
    response = coordinator_client.get(url("download", job))
    assert response.status_code == HTTPStatus.OK
    assert b"".join(response.streaming_content) == b"nama,nik\n"
    assert response["Content-Disposition"] == 'attachment; filename="rows.csv"'
    assert response["Content-Type"] == "text/csv"
    assert "no-store" in response["Cache-Control"]
    log = ExportLog.objects.get()
    assert (log.user, log.export, log.filters, log.row_count) == (
        coordinator_user,
        "trainings:report_participants",
        {"fmt": "xlsx", "year": "2023"},
        12,
    )


def test_a_file_without_personal_data_is_not_logged(staff_client, staff_user):
    job = finished_job(staff_user)
    response = staff_client.get(url("download", job))
    assert b"".join(response.streaming_content) == b"a,b\n"
    assert not ExportLog.objects.exists()


def test_a_user_who_lost_the_permission_gets_no_file(staff_client, staff_user):
    """Started as a coordinator, now programme staff: the role is checked again."""
    job = finished_job(staff_user, personal=True, permission=PERSONAL)
    assert staff_client.get(url("download", job)).status_code == HTTPStatus.FORBIDDEN
    assert staff_client.get(url("status", job)).json()["download_url"] is None
    assert (
        url("download", job)
        not in staff_client.get(url("detail", job)).content.decode()
    )
    assert not ExportLog.objects.exists()


def test_an_expired_file_is_not_offered(staff_client, staff_user):
    job = finished_job(staff_user, expires_at=timezone.now() - datetime.timedelta(1))
    response = staff_client.get(url("download", job))
    assert response.status_code == HTTPStatus.GONE
    assert "This file has expired" in response.content.decode()
    page = staff_client.get(url("detail", job)).content.decode()
    assert "This file has expired" in page and url("download", job) not in page


def test_a_file_missing_from_storage_gives_a_clear_page(staff_client, staff_user):
    job = finished_job(staff_user, personal=True)
    default_storage.delete(job.file.name)
    response = staff_client.get(url("download", job))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "no longer in storage" in response.content.decode()
    assert not ExportLog.objects.exists()


def test_files_are_not_served_by_url():
    job_file = "jobs/2026/01/x/rows.csv"
    for path in (f"/media/{job_file}", f"/{job_file}"):
        with pytest.raises(Resolver404):
            resolve(path)


# My downloads
# ------------------------------------------------------------------------------
def test_my_downloads_lists_my_jobs(staff_client, staff_user):
    mine = finished_job(staff_user, content=b"x" * 2048)
    expired = finished_job(
        staff_user, title="Old", expires_at=timezone.now() - datetime.timedelta(1)
    )
    queued_job(UserFactory(username="other"), title="Not mine")
    queued_job(
        staff_user,
        title="Last year",
        created_at=timezone.now() - datetime.timedelta(40),
    )
    response = staff_client.get(reverse("jobs:list"))
    assert [job.pk for job, _ in response.context["rows"]] == [expired.pk, mine.pk]
    page = response.content.decode()
    assert "2.0\xa0KB" in page and "Expired" in page
    assert page.count(reverse("jobs:download", args=[mine.pk])) == 1
    assert reverse("jobs:download", args=[expired.pk]) not in page
    assert "Not mine" not in page and "Started by" not in page


def test_my_downloads_runs_a_fixed_number_of_queries(
    staff_client, staff_user, django_assert_num_queries
):
    finished_job(staff_user)
    with CaptureQueriesContext(connection) as one:
        staff_client.get(reverse("jobs:list"))
    for _ in range(5):
        finished_job(staff_user, personal=True, permission=PERSONAL)
        queued_job(staff_user, status=Job.Status.FAILED, error_message="x")
    with django_assert_num_queries(len(one)):
        staff_client.get(reverse("jobs:list"))


def test_an_admin_sees_everyones_jobs_and_filters_the_failures(
    admin_client, staff_user
):
    queued_job(staff_user, title="Fine")
    queued_job(
        staff_user, title="Broken", status=Job.Status.FAILED, error_message="No rows."
    )
    page = admin_client.get(reverse("jobs:list")).content.decode()
    assert "Started by" in page and "staff" in page and "Fine" in page
    response = admin_client.get(reverse("jobs:list"), {"status": "failed"})
    assert [job.title for job, _ in response.context["rows"]] == ["Broken"]
    assert "No rows." in response.content.decode()


# The Django admin
# ------------------------------------------------------------------------------
def test_the_admin_lists_jobs_read_only_and_deletes_them_with_their_file(
    admin_client, staff_user, django_capture_on_commit_callbacks
):
    job = finished_job(staff_user)
    queued_job(staff_user, status=Job.Status.FAILED, error_message="No rows.")
    changelist = reverse("admin:jobs_job_changelist")
    page = admin_client.get(changelist, {"status__exact": "failed"}).content.decode()
    assert "No rows." in page
    assert admin_client.get(reverse("admin:jobs_job_add")).status_code == 403
    change = admin_client.get(reverse("admin:jobs_job_change", args=[job.pk]))
    assert change.status_code == HTTPStatus.OK
    assert job.file.name not in change.content.decode()
    name = job.file.name
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:jobs_job_delete", args=[job.pk]), {"post": "yes"}
        )
    assert not Job.objects.filter(pk=job.pk).exists()
    assert not default_storage.exists(name)


def test_my_downloads_says_how_long_files_are_kept(staff_client, settings):
    settings.JOBS_FILE_EXPIRY = datetime.timedelta(days=7)
    page = staff_client.get(reverse("jobs:list")).content.decode()
    assert "Files are kept for 7 days and then removed." in page
