"""The real worker: ``manage.py db_worker`` in its own process takes a job from
the queue in the database and runs it (PostgreSQL only: the worker and the test
share the test database, which SQLite's in-memory test database cannot).

The other tests run jobs at once in the request (the immediate backend).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

from jobs.models import Job
from jobs.services import job_start
from tests.factories import UserFactory
from tests.jobs.tasks_for_tests import write_file

ROOT = Path(__file__).resolve().parent.parent.parent

ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker process needs the test database on a server (PostgreSQL)",
)

DATABASE_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


def run_worker() -> subprocess.CompletedProcess:
    """``manage.py db_worker --batch`` on the test database: runs what is queued,
    then exits."""
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "setara.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": "test-only-secret-key",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_queued_job(settings):
    settings.TASKS = DATABASE_BACKEND
    user = UserFactory()
    job = job_start(
        task=write_file,
        user=user,
        kind=Job.Kind.EXPORT,
        title="Rows",
        params={"rows": 4, "content": "from the worker\n"},
    )
    assert job.status == Job.Status.QUEUED and job.task_id
    result = run_worker()
    assert result.returncode == 0, result.stderr[-2000:]
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert (job.progress_done, job.progress_total) == (4, 4)
    assert job.started_at <= job.finished_at
    with default_storage.open(job.file.name, "rb") as file:
        assert file.read() == b"from the worker\n"


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_the_worker_records_a_failure(settings):
    settings.TASKS = DATABASE_BACKEND
    job = job_start(
        task=write_file,
        user=UserFactory(),
        kind=Job.Kind.EXPORT,
        title="Rows",
        params={"fail": True},
    )
    assert run_worker().returncode == 0
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and not job.file
    assert job.error_message == "The file could not be written."
