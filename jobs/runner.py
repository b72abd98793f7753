"""Running a job inside its task: status, progress, the file, and failures.

A task of an app (``trainings/tasks.py``) is a thin wrapper::

    @task()
    def report_export(job_id: str) -> None:
        job_run(job_id, write_report)

where ``write_report(job, progress)`` does the work and returns a ``JobOutput``.
``job_run`` marks the job running (once: a task delivered twice does nothing the
second time), runs the work in the job's language, stores the output file in
Django's storage and marks the job done; any exception marks it failed with a
message for the user and removes what was written, so a failed job never offers
half a file.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connections, router, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Job

logger = logging.getLogger(__name__)

#: A running job's row is touched (``updated_at``) at least this often, also in
#: long phases without progress (a query, saving a workbook, the import's plan),
#: so a job silent for ``JOBS_STALE_AFTER`` (5 minutes) has lost its worker.
HEARTBEAT_SECONDS = 30


class Heartbeat:
    """Touch the job row's ``updated_at`` every ``interval`` seconds from a
    thread (with its own database connection, in autocommit) while the work runs;
    a context manager. Nothing is written before the first interval has passed,
    so a short job never opens the thread's connection. When the worker process
    dies, so does the thread, and the job goes silent."""

    def __init__(self, job: Job, interval: float = HEARTBEAT_SECONDS):
        self.job_pk = job.pk
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"job-heartbeat-{job.pk}", daemon=True
        )

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(timeout=self.interval)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                Job.objects.filter(pk=self.job_pk, status=Job.Status.RUNNING).update(
                    updated_at=timezone.now()
                )
        except Exception:
            logger.warning("Heartbeat of job %s stopped", self.job_pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only


class JobFailed(Exception):
    """Raised by a job's work to stop with ``message`` shown to the user (already
    translated, in the job's language, with no personal data beyond what the user
    may see)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def job_starter_check(job: Job, permissions, message: str) -> None:
    """Raise ``JobFailed(message)`` unless the user who started ``job`` still
    exists, is active and has every one of ``permissions`` (an iterable of
    permission names): roles can change while a job waits in the queue."""
    user = job.created_by
    if user is None or not user.is_active or not user.has_perms(list(permissions)):
        raise JobFailed(message)


@dataclass
class JobOutput:
    """What a job's work returns: optionally a ``file`` (a binary file object open
    for reading; it is rewound and copied to storage as ``filename`` with
    ``content_type``), and a ``result`` dict (JSON) for the job's page."""

    file: IO[bytes] | None = None
    filename: str = ""
    content_type: str = "application/octet-stream"
    result: dict = field(default_factory=dict)
    #: How long the file is offered; the default is ``JOBS_FILE_EXPIRY``.
    expires_in: timedelta | None = None


class Progress:
    """The ``progress(done, total=None)`` callable handed to a job's work.

    ``done`` and ``total`` are counts of rows (or pages). Writes to the job row are
    throttled to one per ``interval`` seconds (and always the first and the last
    one that ``flush`` writes). When the work runs inside one long transaction
    (an all-or-nothing import) on PostgreSQL, the row is written through a second
    connection so other app servers see the progress before the transaction
    commits; elsewhere (SQLite, or no transaction) through the usual connection.
    """

    def __init__(self, job: Job, interval: float = 0.5):
        self.job = job
        self.interval = interval
        self.done = job.progress_done
        self.total = job.progress_total
        self._last_write = 0.0
        self._side = None

    def __call__(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        now = time.monotonic()
        if now - self._last_write >= self.interval:
            self._last_write = now
            self._write()

    def flush(self) -> None:
        """Write the latest counts now."""
        self._write()

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None

    def _write(self) -> None:
        values = {
            "progress_done": self.done,
            "progress_total": self.total,
            "updated_at": timezone.now(),
        }
        alias = router.db_for_write(Job)
        connection = connections[alias]
        if connection.in_atomic_block and connection.vendor == "postgresql":
            self._write_outside_transaction(connection, values)
        else:
            Job.objects.filter(pk=self.job.pk).update(**values)

    def _write_outside_transaction(self, connection, values: dict) -> None:
        if self._side is None:
            self._side = connection.__class__(
                connection.settings_dict.copy(), alias=f"{connection.alias}-progress"
            )
        table = connection.ops.quote_name(Job._meta.db_table)
        with self._side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET progress_done = %s, progress_total = %s, "
                "updated_at = %s WHERE id = %s",
                [
                    values["progress_done"],
                    values["progress_total"],
                    values["updated_at"],
                    self.job.pk,
                ],
            )


def _claim(job_id) -> Job | None:
    """Mark the job running if it is still waiting; None if another delivery of
    the task (or a clean-up) got there first, or the job is gone."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, updated_at=now
    )
    return Job.objects.get(pk=job_id) if claimed else None


def _failure_message(exc: BaseException) -> str:
    if isinstance(exc, JobFailed):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return _(
        "The job stopped because of an error in the application. Nothing was "
        "saved. Try again; if it fails again, tell an administrator."
    )


def job_run(job_id, work: Callable[[Job, Progress], JobOutput | None]) -> None:
    """Run ``work(job, progress)`` for the job ``job_id`` (its UUID or the text of
    it) and record the outcome on the job row.

    Never raises for a failure of the work: the job is marked failed with a
    message (``JobFailed``'s, a ``ValidationError``'s, or a general one) and the
    exception is logged without its message (``setara.error_reports``), since it
    may hold personal data. A job that is not waiting any more is left alone.
    """
    job = _claim(job_id)
    if job is None:
        return
    progress = Progress(job)
    # Run inside a request's transaction (the immediate backend of tests and of
    # small jobs), the work gets a savepoint, so its failure leaves the request's
    # transaction usable for marking the job failed.
    nested = connections[router.db_for_write(Job)].in_atomic_block
    # Not inside a request's transaction (tests, the immediate backend): there
    # the job row is locked until the request commits.
    heartbeat = contextlib.nullcontext() if nested else Heartbeat(job)
    output = None
    try:
        with translation.override(job.language), heartbeat:
            with transaction.atomic() if nested else contextlib.nullcontext():
                output = work(job, progress) or JobOutput()
            _succeed(job, output, progress)
    except Exception as exc:
        if not isinstance(exc, JobFailed | ValidationError):
            logger.error("Job %s (%s) failed", job.pk, job.task_name, exc_info=True)
        with translation.override(job.language):
            message = _failure_message(exc)
        _fail(job, message)
    finally:
        progress.close()
        if output is not None and output.file is not None:
            output.file.close()


def _succeed(job: Job, output: JobOutput, progress: Progress) -> None:
    now = timezone.now()
    job.progress_done, job.progress_total = progress.done, progress.total
    expires_in = output.expires_in or settings.JOBS_FILE_EXPIRY
    if output.file is not None:
        output.file.seek(0)
        job.file.save(output.filename, File(output.file), save=False)
        job.size = job.file.size
        job.filename = output.filename
        job.content_type = output.content_type
    job.status = Job.Status.SUCCEEDED
    job.result = output.result
    job.finished_at = job.updated_at = now
    job.expires_at = now + expires_in
    try:
        with transaction.atomic():
            job.save()
    except BaseException:
        if job.file:
            job.file.delete(save=False)
        raise


def _fail(job: Job, message: str) -> None:
    job.refresh_from_db(fields=["file"])
    if job.file:
        job.file.delete(save=False)
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.FAILED,
        error_message=message,
        finished_at=now,
        updated_at=now,
        file="",
        size=None,
    )
