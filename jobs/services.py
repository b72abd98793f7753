"""Starting and cleaning up jobs (HackSoft-style services: writes with side effects).

``job_start`` is how a view hands long work to the queue: it records a ``Job`` and
enqueues the app's task with the job's id; the view then redirects to the job's
page (``jobs:detail``), or, when it raises ``TooManyJobs`` (the user's limit of
unfinished jobs), shows its message. ``jobs_clean_up`` removes expired files and
marks jobs whose worker died as failed; ``manage.py jobs_clean_up`` runs it and
the ``JOBS_CLEAN_UP_HOOKS`` after it (from cron); ``jobs_delete`` removes jobs
with their files (the admin's delete).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks_db.models import DBTaskResult

from setara.files import files_delete, files_delete_on_commit
from setara.text import clean_text

from .models import Job

logger = logging.getLogger(__name__)

#: The queue's own rows (django_tasks_db) still marked running this long after
#: they started belong to a worker that died: the clean-up deletes them.
TASK_RESULTS_RUNNING_MAX = timedelta(days=1)


class TooManyJobs(ValidationError):
    """Raised by ``job_start`` when the user already has
    ``JOBS_MAX_UNFINISHED_PER_USER`` jobs waiting or running; ``messages[0]`` says
    so in the active language (views show it and send the user to "My
    downloads")."""

    def __init__(self, limit: int):
        super().__init__(
            ngettext(
                "You already have %(count)s export or import waiting or running. "
                "Wait until it has finished (see “My downloads”), then start this "
                "one again.",
                "You already have %(count)s exports or imports waiting or running. "
                "Wait until one has finished (see “My downloads”), then start this "
                "one again.",
                limit,
            )
            % {"count": limit},
            code="too_many_jobs",
        )


def stopped_message(language: str) -> str:
    """What a job whose worker died says, in ``language``."""
    with translation.override(language):
        return _(
            "The job stopped without finishing (its worker was stopped). "
            "Nothing was saved. Start it again."
        )


def job_title_clean(title: str) -> str:
    """``title`` as ``Job.title`` stores it (``setara.text.clean_text``), cut to
    its ``max_length`` with "..." at the end when longer (an ellipsis character
    would become three dots when the field cleans it, and overflow)."""
    limit = Job._meta.get_field("title").max_length
    title = clean_text(title)
    if len(title) > limit:
        # A prefix of a cleaned text stays as long once cleaned (ends trimmed).
        title = clean_text(title[: limit - 3]) + "..."
    return title


def jobs_fail_stale(jobs, now=None) -> int:
    """Mark failed the running jobs of the queryset ``jobs`` that have not
    reported for ``JOBS_STALE_AFTER`` (the runner reports at least every
    ``jobs.runner.HEARTBEAT_SECONDS``, so their worker died), with the message of
    ``stopped_message``. Returns how many were marked."""
    now = now or timezone.now()
    dead = jobs.filter(
        status=Job.Status.RUNNING, updated_at__lt=now - settings.JOBS_STALE_AFTER
    )
    failed = 0
    # One UPDATE per language (the message is in the job's language), usually none.
    for language in dead.order_by().values_list("language", flat=True).distinct():
        failed += dead.filter(language=language).update(
            status=Job.Status.FAILED,
            error_message=stopped_message(language),
            finished_at=now,
        )
    return failed


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
    A running job of the user that stopped reporting (``jobs_fail_stale``: its
    worker died) is marked failed first, so it neither is returned nor counts.
    The job records the active language, in which its file is written, and
    ``title`` cleaned and cut to fit (``job_title_clean``).

    Raises ``TooManyJobs`` (a ``ValidationError``) when the user already has
    ``JOBS_MAX_UNFINISHED_PER_USER`` other jobs waiting or running.
    """
    params = params or {}
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    jobs_fail_stale(Job.objects.filter(created_by=user))
    unfinished = Job.objects.unfinished().filter(created_by=user)
    running = unfinished.filter(task_name=task.module_path, params=params).first()
    if running is not None:
        return running
    limit = settings.JOBS_MAX_UNFINISHED_PER_USER
    if unfinished.count() >= limit:
        raise TooManyJobs(limit)
    job = Job.objects.create(
        kind=kind,
        task_name=task.module_path,
        title=job_title_clean(title),
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
        files_delete([job.file.name])
        Job.objects.filter(pk=job.pk).update(file="")
        files_deleted += 1
    jobs_failed = jobs_fail_stale(Job.objects.all(), now)
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
    more than ``JOBS_TASK_RESULTS_KEPT`` ago, and of tasks still marked running
    ``TASK_RESULTS_RUNNING_MAX`` after they started (their worker died; the
    queue never finishes them). The ``Job`` rows keep what the pages need.
    Returns how many were deleted."""
    before = now - settings.JOBS_TASK_RESULTS_KEPT
    old = DBTaskResult.objects.finished().filter(finished_at__lt=before)
    deleted, _counts = old.delete()
    dead = DBTaskResult.objects.running().filter(
        started_at__lt=now - TASK_RESULTS_RUNNING_MAX
    )
    dead_deleted, _counts = dead.delete()
    return deleted + dead_deleted


@transaction.atomic
def jobs_delete(*, jobs) -> int:
    """Delete the jobs of the queryset ``jobs`` and, once that is committed, their
    files from storage (a file already gone is ignored). Returns the number of
    jobs deleted. The queue's own rows (django_tasks_db) are left to it."""
    names = list(jobs.exclude(file="").values_list("file", flat=True))
    deleted, _counts = jobs.delete()
    files_delete_on_commit(names)
    return deleted
