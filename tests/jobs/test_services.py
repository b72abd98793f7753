"""Starting, running, cleaning up and deleting jobs (jobs/services.py, runner.py)."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from jobs.models import Job
from jobs.services import job_start, jobs_clean_up, jobs_clean_up_all, jobs_delete
from tests.factories import UserFactory
from tests.jobs.tasks_for_tests import finished_job, write_file

pytestmark = pytest.mark.django_db


def start(user, **params):
    return job_start(
        task=write_file, user=user, kind=Job.Kind.EXPORT, title="Rows", params=params
    )


def test_a_job_writes_its_file_and_counts_its_rows():
    job = start(UserFactory(), rows=5, content="x,y\n")
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert (job.progress_done, job.progress_total, job.percent) == (5, 5, 100)
    with job.file.open("rb") as file:
        assert file.read() == b"x,y\n"
    assert job.size == 4 and job.filename == "rows.csv"
    assert job.file.name.startswith(f"jobs/{job.created_at:%Y/%m}/{job.pk}/")
    assert job.expires_at > timezone.now() + datetime.timedelta(days=6)


def test_a_failed_job_has_its_message_and_no_file():
    job = start(UserFactory(), fail=True)
    assert job.status == Job.Status.FAILED
    assert job.error_message == "The file could not be written."
    assert not job.file and not job.is_downloadable


def test_an_error_of_the_application_shows_a_general_message_without_data():
    with translation.override("en"):
        job = start(UserFactory(), crash=True)
    assert job.status == Job.Status.FAILED
    assert "Budi" not in job.error_message
    assert "error in the application" in job.error_message


def test_the_same_request_twice_while_running_gives_one_job():
    user = UserFactory()
    job = Job.objects.create(
        kind=Job.Kind.EXPORT,
        task_name=write_file.module_path,
        title="Rows",
        created_by=user,
        params={"rows": 2},
        status=Job.Status.RUNNING,
    )
    assert start(user, rows=2) == job
    assert start(user, rows=3) != job
    assert start(UserFactory(), rows=2) != job


def test_progress_text_with_and_without_a_total():
    job = Job(progress_done=1200, progress_total=3000)
    with translation.override("en"):
        assert job.progress_text == "1,200 of 3,000 rows written"
        job.progress_total = None
        assert job.progress_text == "1,200 rows written"


def test_a_pdf_job_counts_pages():
    job = Job(kind=Job.Kind.PDF, progress_done=1, progress_total=2)
    with translation.override("en"):
        assert job.progress_text == "1 of 2 pages made"
    with translation.override("id"):
        assert job.progress_text == "1 dari 2 halaman dibuat"


def test_clean_up_removes_expired_files_and_keeps_the_job():
    user = UserFactory()
    old = finished_job(user, expires_at=timezone.now() - datetime.timedelta(hours=1))
    fresh = finished_job(user)
    name = old.file.name
    assert jobs_clean_up() == {"files_deleted": 1, "jobs_failed": 0}
    old.refresh_from_db()
    assert not old.file and old.is_expired and not default_storage.exists(name)
    fresh.refresh_from_db()
    assert fresh.is_downloadable and default_storage.exists(fresh.file.name)


def test_clean_up_marks_a_job_whose_worker_died_failed(settings):
    user = UserFactory()
    now = timezone.now()
    dead = Job.objects.create(
        kind=Job.Kind.EXPORT,
        title="Rows",
        created_by=user,
        status=Job.Status.RUNNING,
        updated_at=now - settings.JOBS_STALE_AFTER - datetime.timedelta(minutes=1),
        language="en",
    )
    alive = Job.objects.create(
        kind=Job.Kind.EXPORT,
        title="Rows",
        created_by=user,
        status=Job.Status.RUNNING,
        updated_at=now,
    )
    assert jobs_clean_up(now)["jobs_failed"] == 1
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == Job.Status.FAILED and dead.finished_at == now
    assert "stopped without finishing" in dead.error_message
    assert alive.status == Job.Status.RUNNING


def count_things(now):
    return {"things_deleted": 2, "files_deleted": 1}


def test_clean_up_runs_the_hooks_and_the_command_prints_counts(settings, capsys):
    settings.JOBS_CLEAN_UP_HOOKS = ["tests.jobs.test_services.count_things"]
    finished_job(UserFactory(), expires_at=timezone.now())
    assert jobs_clean_up_all() == {
        "files_deleted": 2,
        "jobs_failed": 0,
        "task_results_deleted": 0,
        "things_deleted": 2,
    }
    call_command("jobs_clean_up")
    assert capsys.readouterr().out.split("\n") == [
        "files_deleted 1",
        "jobs_failed 0",
        "task_results_deleted 0",
        "things_deleted 2",
        "",
    ]


def test_clean_up_prunes_the_queues_old_rows(settings):
    now = timezone.now()

    def task_result(status, finished_at):
        return DBTaskResult.objects.create(
            status=status,
            finished_at=finished_at,
            args_kwargs={"args": [], "kwargs": {}},
            task_path=write_file.module_path,
            backend_name="default",
            queue_name="default",
            run_after=now,
        )

    long_ago = now - settings.JOBS_TASK_RESULTS_KEPT - datetime.timedelta(hours=1)
    old = task_result("SUCCESSFUL", long_ago)
    failed = task_result("FAILED", long_ago)
    recent = task_result("SUCCESSFUL", now)
    waiting = task_result("READY", None)
    # Left "running" by a worker that died, two days ago; one started an hour ago
    # may still be running.
    dead = task_result("RUNNING", None)
    alive = task_result("RUNNING", None)
    DBTaskResult.objects.filter(pk=dead.pk).update(
        started_at=now - datetime.timedelta(days=2)
    )
    DBTaskResult.objects.filter(pk=alive.pk).update(
        started_at=now - datetime.timedelta(hours=1)
    )
    assert jobs_clean_up_all(now)["task_results_deleted"] == 3
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {
        recent.pk,
        waiting.pk,
        alive.pk,
    }
    assert not DBTaskResult.objects.filter(pk__in=[old.pk, failed.pk]).exists()


def test_deleting_jobs_removes_their_files(django_capture_on_commit_callbacks):
    user = UserFactory()
    job, other = finished_job(user), finished_job(user)
    name = job.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_delete(jobs=Job.objects.filter(pk=job.pk)) == 1
    assert not default_storage.exists(name)
    assert not Job.objects.filter(pk=job.pk).exists()
    assert default_storage.exists(other.file.name)
