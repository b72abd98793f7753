"""A background job as its user sees it: what it is, how far it has got, the file it
wrote, and why it failed.

The work itself runs in a task of Django's Tasks API (``django_tasks``; the queue is
``django_tasks_db``'s table in the same database), started by ``jobs.services.
job_start``; the task calls ``jobs.runner.job_run``, which keeps this row up to date.
A ``Job`` row outlives the queue's own result row and holds only what the pages
need.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from setara.fields import SingleLineCharField


def job_file_path(job: "Job", filename: str) -> str:
    """Where a job's file lies in storage: ``jobs/<year>/<month>/<job id>/<name>``.
    The job's id (a random UUID) makes the path unguessable and unique."""
    return f"jobs/{job.created_at:%Y/%m}/{job.pk}/{filename}"


class JobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The jobs ``user`` may see: their own; every job for an admin (a user
        with ``jobs.view_job``)."""
        if user.has_perm("jobs.view_job"):
            return self
        return self.filter(created_by=user)

    def expired(self, now=None):
        """Jobs whose file is past its expiry time (``expires_at``)."""
        return self.filter(expires_at__lte=now or timezone.now())

    def unfinished(self):
        return self.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])

    def recent(self, days: int = 30, now=None):
        """Jobs started in the last ``days`` days, newest first, with their
        starter (for "My downloads")."""
        since = (now or timezone.now()) - timedelta(days=days)
        return self.filter(created_at__gte=since).select_related("created_by")


class Job(models.Model):
    """One background job of one user: an export, an import or a PDF.

    ``progress_done``/``progress_total`` are rows (or pages) so far and in all
    (total null while unknown). ``file`` is set only when the job succeeded: a
    failed job never offers half a file. ``permission`` is the permission
    (``app_label.codename``) needed to download the file, checked again at
    download time; ``personal`` files are recorded in the export log
    (``participants.ExportLog``) on every download with ``log_export`` and
    ``log_filters``. ``params`` hold what the task needs to redo the request
    (filters, format, language); ``result`` what the page shows afterwards (for
    an import: the counts and the training's address).
    """

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        IMPORT = "import", _("Import")
        PDF = "pdf", _("PDF")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    task_name = models.CharField(_("task"), max_length=200)
    title = SingleLineCharField(_("title"), max_length=300)
    # SET_NULL: the job (and its export-log trail) outlives a deleted account.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="jobs",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    permission = models.CharField(max_length=100, blank=True)
    personal = models.BooleanField(_("holds personal data"), default=False)
    log_export = models.CharField(max_length=200, blank=True)
    log_filters = models.JSONField(default=dict, blank=True)
    file = models.FileField(
        _("file"), upload_to=job_file_path, max_length=300, blank=True
    )
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    error_message = models.TextField(_("error"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # Set with every progress report: a running job whose worker died stops
    # moving, and the clean-up marks it failed (jobs.services.jobs_clean_up).
    updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("running since"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(
        _("expires"), null=True, blank=True, db_index=True
    )

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("jobs:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def percent(self) -> int | None:
        """Progress in whole percent (0-100), None while the total is unknown."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == self.Status.SUCCEEDED
            and bool(self.file)
            and (self.expires_at is None or self.expires_at > timezone.now())
        )

    @property
    def is_expired(self) -> bool:
        """A finished job whose file was offered and is not any more (past
        ``expires_at``, or removed by the clean-up)."""
        return (
            self.status == self.Status.SUCCEEDED
            and bool(self.filename)
            and not self.is_downloadable
        )

    @property
    def is_stale(self) -> bool:
        """A running job that has not reported for ``JOBS_STALE_AFTER``: its
        worker died (``jobs.services.jobs_fail_stale`` marks it failed)."""
        return (
            self.status == self.Status.RUNNING
            and self.updated_at is not None
            and self.updated_at < timezone.now() - settings.JOBS_STALE_AFTER
        )

    @property
    def progress_text(self) -> str:
        """Text such as "120 of 3,000 rows written" ("120 rows written" while the
        total is unknown; pages for a PDF), in the active language."""
        done = number_format(self.progress_done, force_grouping=True)
        total = self.progress_total
        values = {"done": done}
        if total is not None:
            values["total"] = number_format(total, force_grouping=True)
        if self.kind == self.Kind.PDF:
            if total is None:
                text = ngettext(
                    "%(done)s page made", "%(done)s pages made", self.progress_done
                )
            else:
                text = ngettext(
                    "%(done)s of %(total)s page made",
                    "%(done)s of %(total)s pages made",
                    total,
                )
        elif total is None:
            text = ngettext(
                "%(done)s row written", "%(done)s rows written", self.progress_done
            )
        else:
            text = ngettext(
                "%(done)s of %(total)s row written",
                "%(done)s of %(total)s rows written",
                total,
            )
        return text % values

    def downloadable_by(self, user) -> bool:
        """Whether ``user`` may download the file now: the job succeeded, its file
        has not expired, ``user`` started it and still holds its ``permission``.

        Nobody else, admins included: an admin sees others' jobs (and why they
        failed) but does not take their files, which may hold personal data the
        admin has no reason to read; the admin can run the same export."""
        return (
            self.is_downloadable
            and user.pk is not None
            and self.created_by_id == user.pk
            and (not self.permission or user.has_perm(self.permission))
        )
