"""What keeps jobs from breaking or blocking: titles that fit, a limit of
unfinished jobs per user, jobs whose worker died, the queue's dead rows, the
heartbeat (jobs/services.py, jobs/runner.py)."""

import datetime
import time
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from jobs.models import Job
from jobs.runner import Heartbeat
from jobs.services import (
    TooManyJobs,
    job_start,
    job_title_clean,
    jobs_clean_up,
    task_results_prune,
)
from setara.text import clean_text
from tests.auth import login
from tests.factories import UserFactory
from tests.jobs.tasks_for_tests import finished_job, write_file

pytestmark = pytest.mark.django_db

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
STOPPED = "The job stopped without finishing"


def start(user, title="Rows", **params):
    return job_start(
        task=write_file, user=user, kind=Job.Kind.EXPORT, title=title, params=params
    )


def running_job(user, *, silent_for, **params):
    """A job of ``user`` marked running whose last report was ``silent_for``
    ago."""
    return Job.objects.create(
        kind=Job.Kind.EXPORT,
        task_name=write_file.module_path,
        title="Rows",
        created_by=user,
        params=params,
        status=Job.Status.RUNNING,
        progress_done=19,
        progress_total=100,
        language="en",
        updated_at=timezone.now() - silent_for,
    )


# Titles
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "title",
    [
        "…" * 400,  # each becomes "..." when the field cleans it
        "Peserta (.csv), agency “" + "a\u200b" * 3000 + "”",
        "x" * 299 + "…",
        "ﬁ" * 400,  # a ligature: two letters once folded
    ],
)
def test_any_title_is_stored_cleaned_and_cut_to_fit(settings, title):
    settings.TASKS = DUMMY
    job = start(UserFactory(), title=title)
    job.refresh_from_db()
    limit = Job._meta.get_field("title").max_length
    assert len(job.title) <= limit
    assert job.title == clean_text(job.title) == job_title_clean(title)
    assert job.title.endswith("...")


def test_a_short_title_is_only_cleaned():
    assert job_title_clean(" Rows\x00 of\u00a0Maros ") == "Rows of Maros"


# The limit of unfinished jobs
# ------------------------------------------------------------------------------
def test_a_user_may_have_three_unfinished_jobs(settings):
    settings.TASKS = DUMMY
    user = UserFactory()
    first, *_rest = [start(user, rows=n) for n in range(3)]
    with translation.override("en"), pytest.raises(TooManyJobs) as refused:
        start(user, rows=99)
    assert "already have 3 exports or imports waiting" in refused.value.messages[0]
    assert Job.objects.count() == 3
    assert start(user, rows=0) == first  # the same request still finds its job
    assert start(UserFactory(), rows=99)  # others are not held back
    Job.objects.filter(pk=first.pk).update(status=Job.Status.SUCCEEDED)
    assert start(user, rows=99).status == Job.Status.QUEUED


def test_the_limit_is_a_setting(settings):
    settings.TASKS = DUMMY
    settings.JOBS_MAX_UNFINISHED_PER_USER = 1
    user = UserFactory()
    start(user, rows=1)
    with pytest.raises(TooManyJobs):
        start(user, rows=2)


# A job whose worker died
# ------------------------------------------------------------------------------
def test_starting_again_replaces_a_job_whose_worker_died(settings):
    settings.TASKS = DUMMY
    user = UserFactory()
    dead = running_job(user, silent_for=datetime.timedelta(minutes=6), rows=2)
    alive = running_job(user, silent_for=datetime.timedelta(seconds=20), rows=3)
    with translation.override("en"):
        again = start(user, rows=2)
    assert again != dead and again.status == Job.Status.QUEUED
    dead.refresh_from_db()
    assert dead.status == Job.Status.FAILED and STOPPED in dead.error_message
    assert dead.finished_at is not None
    assert start(user, rows=3) == alive  # still reporting: the same job


def test_a_dead_job_does_not_count_towards_the_limit(settings):
    settings.TASKS = DUMMY
    settings.JOBS_MAX_UNFINISHED_PER_USER = 1
    user = UserFactory()
    running_job(user, silent_for=datetime.timedelta(hours=1), rows=1)
    assert start(user, rows=2).status == Job.Status.QUEUED


def test_the_stale_limit_is_minutes_not_an_hour(settings):
    assert datetime.timedelta(minutes=5) >= settings.JOBS_STALE_AFTER
    user = UserFactory()
    running_job(user, silent_for=datetime.timedelta(minutes=6))
    assert jobs_clean_up()["jobs_failed"] == 1


def test_the_pages_of_a_dead_job_say_it_failed(client):
    user = UserFactory()
    login(client, user)
    client.cookies["django_language"] = "en"
    job = running_job(user, silent_for=datetime.timedelta(minutes=10))
    listing = client.get(reverse("jobs:list")).content.decode()
    row = listing.split(f'data-job="{job.pk}"')[1].split("</tr>")[0]
    assert "Failed" in row and "Running" not in row
    data = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert data["status"] == "failed" and STOPPED in data["error"]
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED


def test_clean_up_deletes_queue_rows_left_running_by_a_dead_worker():
    now = timezone.now()
    common = {
        "task_path": write_file.module_path,
        "args_kwargs": {"args": ["x"], "kwargs": {}},
        "queue_name": "default",
        "backend_name": "default",
    }
    dead = DBTaskResult.objects.create(
        status="RUNNING", started_at=now - datetime.timedelta(days=2), **common
    )
    busy = DBTaskResult.objects.create(
        status="RUNNING", started_at=now - datetime.timedelta(hours=2), **common
    )
    assert task_results_prune(now) == 1
    assert not DBTaskResult.objects.filter(pk=dead.pk).exists()
    assert DBTaskResult.objects.filter(pk=busy.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_touches_a_running_job_between_progress_reports():
    user = UserFactory()
    job = running_job(user, silent_for=datetime.timedelta(minutes=4))
    before = job.updated_at
    with Heartbeat(job, interval=0.05):
        time.sleep(0.3)  # a long phase without progress calls
    job.refresh_from_db()
    assert job.updated_at > before + datetime.timedelta(minutes=3)
    assert not job.is_stale


# An expired file
# ------------------------------------------------------------------------------
def test_status_json_and_page_of_an_expired_file_say_expired(client):
    user = UserFactory()
    login(client, user)
    client.cookies["django_language"] = "en"
    job = finished_job(user, expires_at=timezone.now() - datetime.timedelta(hours=1))
    data = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert data["status"] == "succeeded" and data["download_url"] is None
    assert data["expired"] is True and data["status_label"] == "Expired"
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert page.count("This file has expired") == 1
    assert 'js-job-expired" hidden' not in page
    fresh = finished_job(user)
    data = client.get(reverse("jobs:status", args=[fresh.pk])).json()
    assert data["expired"] is False and data["download_url"]
    page = client.get(reverse("jobs:detail", args=[fresh.pk]))
    assert page.status_code == HTTPStatus.OK
    assert 'js-job-expired" hidden' in page.content.decode()
