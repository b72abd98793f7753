"""Starting and cleaning up jobs (HackSoft-style services: writes with side effects).

``job_start`` is how a view hands long work to the queue: it records a ``Job`` and
enqueues the app's task with the job's id; the view then redirects to the job's
page (``jobs:detail``). ``jobs_clean_up`` removes expired files and marks jobs
whose worker died as failed; ``manage.py jobs_clean_up`` runs it (cron, or the
the ``JOBS_CLEAN_UP_HOOKS`` after it, from cron); ``jobs_delete`` removes jobs
with their files (the admin's delete).
"""

import contextlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from .models import Job

logger = logging.getLogger(__name__)


@transaction.atomic
def job_start(
    *,
    task,
    user,
    kind: str,
    title: str,
    params: dict | None = None,
    permission: str = "",
    personal: bool = False,
    log_export: str = "",
    log_filters: dict | None = None,
    total: int | None = None,
) -> Job:
    """Record a job for ``user`` and enqueue ``task`` (a ``django_tasks`` task
    taking the job id as text) for it; return the job.

    ``kind`` is a ``Job.Kind``; ``title`` says what the job makes (shown in "My
    downloads"); ``params`` (JSON) are what the task reads back; ``permission``
    (``app_label.codename``) is needed to download the file; a ``personal`` file
    is recorded in the export log on every download as ``log_export`` (a URL
    name) with ``log_filters``; ``total`` is the number of rows expected, if known.

    Safe to submit twice: while the same user has a job of the same task with the
    same ``params`` waiting or running, that job is returned instead of a new one
    (the user's row is locked first, so two app servers cannot both create one).
    The job records the active language, in which its file is written.
    """
    params = params or {}
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    running = (
        Job.objects.unfinished()
        .filter(created_by=user, task_name=task.module_path, params=params)
        .first()
    )
    if running is not None:
        return running
    job = Job.objects.create(
        kind=kind,
        task_name=task.module_path,
        title=title,
        created_by=user,
        params=params,
        permission=permission,
        personal=personal,
        log_export=log_export,
        log_filters=log_filters or {},
        progress_total=total,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    result = task.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def jobs_clean_up(now=None) -> dict[str, int]:
    """Delete the files of expired jobs (the job rows stay, as a trail, without
    their file), and mark failed the jobs that have been running without progress
    for longer than ``JOBS_STALE_AFTER`` (their worker was stopped or died).

    Returns counts: ``{"files_deleted": n, "jobs_failed": m}``. Safe to run on
    several machines at once: each file is deleted once, a missing file is
    ignored.
    """
    now = now or timezone.now()
    files_deleted = 0
    for job in Job.objects.expired(now).exclude(file="").iterator():
        with contextlib.suppress(FileNotFoundError):
            job.file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(file="")
        files_deleted += 1
    stale = now - settings.JOBS_STALE_AFTER
    jobs_failed = 0
    for job in Job.objects.filter(status=Job.Status.RUNNING, updated_at__lt=stale):
        with translation.override(job.language):
            message = _(
                "The job stopped without finishing (its worker was stopped). "
                "Nothing was saved. Start it again."
            )
        jobs_failed += Job.objects.filter(
            pk=job.pk, status=Job.Status.RUNNING, updated_at__lt=stale
        ).update(status=Job.Status.FAILED, error_message=message, finished_at=now)
    return {"files_deleted": files_deleted, "jobs_failed": jobs_failed}


def jobs_clean_up_all(now=None) -> dict[str, int]:
    """``jobs_clean_up`` and then every hook in ``settings.JOBS_CLEAN_UP_HOOKS``
    (dotted paths of callables ``hook(now) -> dict[str, int]``, e.g. the removal
    of unconfirmed import uploads), merged into one dict of counts. A hook that
    raises stops the run (the error goes to cron's mail), after the steps before
    it have done their work."""
    now = now or timezone.now()
    counts = jobs_clean_up(now)
    counts["task_results_deleted"] = task_results_prune(now)
    for path in settings.JOBS_CLEAN_UP_HOOKS:
        for key, value in import_string(path)(now).items():
            counts[key] = counts.get(key, 0) + value
    return counts


def task_results_prune(now) -> int:
    """Delete the queue's own rows (``django_tasks_db``) of tasks that finished
    more than ``JOBS_TASK_RESULTS_KEPT`` ago; the ``Job`` rows keep what the pages
    need. Returns how many were deleted."""
    before = now - settings.JOBS_TASK_RESULTS_KEPT
    old = DBTaskResult.objects.finished().filter(finished_at__lt=before)
    deleted, _counts = old.delete()
    return deleted


@transaction.atomic
def jobs_delete(*, jobs) -> int:
    """Delete the jobs of the queryset ``jobs`` and, once that is committed, their
    files from storage (a file already gone is ignored). Returns the number of
    jobs deleted. The queue's own rows (django_tasks_db) are left to it."""
    names = list(jobs.exclude(file="").values_list("file", flat=True))
    deleted, _counts = jobs.delete()

    def delete_files():
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                default_storage.delete(name)

    transaction.on_commit(delete_files)
    return deleted
