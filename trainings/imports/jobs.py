"""The confirm of a large import as a background job.

A file of more than ``settings.IMPORT_JOB_MIN_ROWS`` rows is written by a worker
(``manage.py db_worker``), not in the confirm request: the request checks the
user's choices as for a small file, then ``import_confirm_start`` records a job
and the user watches its progress on the job's page. The job plans the import
again under the registry lock, in one transaction with the write
(``trainings.services.enrolments_import``): all or nothing, the upload consumed
once. Smaller files are imported in the request itself: faster, and no page to
wait on.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks import task

from jobs.models import Job
from jobs.runner import JobFailed, JobOutput, Progress, job_run
from jobs.services import job_start, jobs_fail_stale
from participants.nik_access import may_see_nik
from participants.services import registry_lock

from ..models import ImportUpload, Training
from ..services import (
    UPLOAD_EXPIRED,
    EnrolmentsImportResult,
    UploadAlreadyImported,
    enrolments_import,
)
from .pending import PendingUpload
from .plan import DuplicateRowProblem, NameMatchProblem, plan_import

#: The permission a job of this kind is recorded with (an import writes no file).
IMPORT_PERMISSION = "trainings.add_enrolment"
#: How many of a failed plan's problems the job's message lists.
PROBLEMS_SHOWN = 5

ALREADY_IMPORTED = gettext_lazy("This file was already imported.")
TRAINING_DELETED = gettext_lazy(
    "Nothing was imported: the training was deleted while the import waited."
)
CHANGED_MEANWHILE = gettext_lazy(
    "Nothing was imported: someone changed this training or the registry since "
    "the preview. Open the preview again, check it and import again."
)


def import_summary(result: EnrolmentsImportResult) -> str:
    """The sentence a finished import shows (translated in the active language)."""
    return _(
        "Imported %(total)s participants: %(created)s new, %(matched)s "
        "already in the registry; %(enrolled)s were already enrolled."
    ) % {
        "total": result.created + result.matched,
        "created": result.created,
        "matched": result.matched,
        "enrolled": result.already_enrolled,
    }


def runs_as_job(row_count: int) -> bool:
    """Whether a confirm of a file with ``row_count`` rows runs as a job: more
    than ``settings.IMPORT_JOB_MIN_ROWS`` (default 2,000)."""
    return row_count > settings.IMPORT_JOB_MIN_ROWS


def import_job_running(*, user, upload_id: int) -> Job | None:
    """The job of ``user`` still waiting or running that imports the upload
    ``upload_id``, or None. A job of it that stopped reporting (its worker died)
    is marked failed first (``jobs_fail_stale``), so the import can start again."""
    jobs = Job.objects.filter(
        created_by=user,
        task_name=import_confirm.module_path,
        params__upload=upload_id,
    )
    jobs_fail_stale(jobs)
    return jobs.unfinished().first()


def import_confirm_start(
    *, user, training, pending: PendingUpload, fingerprint: str, rows: int
) -> Job:
    """Start (or, when the same confirm is sent twice, find) the job importing
    ``pending`` into ``training`` with the user's choices (``pending.options``) as
    checked on the preview whose plan had ``fingerprint``; ``rows`` is the number
    of rows to write (the progress bar's total). Returns the Job; raises
    ``jobs.services.TooManyJobs`` when the user has too many jobs unfinished."""
    return job_start(
        task=import_confirm,
        user=user,
        kind=Job.Kind.IMPORT,
        title=_("Import of %(file)s into %(training)s")
        % {"file": pending.filename, "training": training.title},
        params={
            "upload": pending.upload_id,
            "training": training.pk,
            "options": pending.options.to_dict(),
            "fingerprint": fingerprint,
        },
        permission=IMPORT_PERMISSION,
        total=rows,
    )


@task()
def import_confirm(job_id: str) -> None:
    """The task of a large import's confirm (``job_id``: the Job's UUID as text)."""
    job_run(job_id, import_confirm_work)


def import_confirm_work(job: Job, progress: Progress) -> JobOutput:
    """Plan again and write the import of the job's upload, in one transaction
    under the registry lock; ``progress`` counts rows written.

    ``job.params``: ``upload`` (ImportUpload id), ``options`` (``ImportOptions``
    as a dict) and ``fingerprint`` (of the plan the user confirmed). Raises
    JobFailed, with nothing written and the upload left to confirm again, when
    the upload is gone or expired, was imported already, its plan has problems
    (naming rows and fields, as the preview does) or differs from the confirmed
    one (someone imported or enrolled meanwhile). Returns the summary message and
    the training's address as the job's ``result``.
    """
    with transaction.atomic():
        registry_lock()
        upload = _upload(job.params.get("upload"), job.params.get("training"))
        # The choices the user confirmed, not whatever the row holds by now.
        upload.options = job.params.get("options") or {}
        pending = PendingUpload.from_row(upload)
        training = upload.training
        plan = plan_import(
            training=training,
            parsed=pending.parse(days=training.days),
            options=pending.options,
            # As the preview showed it to the user who confirmed.
            nik_visible=may_see_nik(job.created_by),
        )
        if plan.problems:
            raise JobFailed(_problems_message(plan.problems))
        if plan.fingerprint() != job.params.get("fingerprint"):
            raise JobFailed(str(CHANGED_MEANWHILE))
        progress(0, len(plan.to_enrol))
        try:
            result = enrolments_import(
                training=training,
                plan=plan,
                user=job.created_by,
                upload_id=upload.pk,
                progress=progress,
            )
        except UploadAlreadyImported:
            raise JobFailed(str(ALREADY_IMPORTED)) from None
        except IntegrityError:
            # Someone enrolled the same people meanwhile: nothing was written.
            raise JobFailed(str(CHANGED_MEANWHILE)) from None
    return JobOutput(
        result={
            "message": import_summary(result),
            "next_url": training.get_absolute_url(),
            "created": result.created,
            "matched": result.matched,
            "already_enrolled": result.already_enrolled,
        }
    )


def _upload(upload_id, training_id=None) -> ImportUpload:
    """The job's upload, still waiting and not expired; else JobFailed (saying
    so when the training ``training_id`` was deleted, with its uploads)."""
    upload = (
        ImportUpload.objects.select_related("training").filter(pk=upload_id).first()
    )
    deleted = upload is None and training_id is not None
    if deleted and not Training.objects.filter(pk=training_id).exists():
        raise JobFailed(str(TRAINING_DELETED))
    cutoff = timezone.now() - settings.IMPORT_UPLOAD_EXPIRY
    if upload is None or upload.created_at < cutoff:
        raise JobFailed(str(UPLOAD_EXPIRED))
    if upload.consumed_at is not None:
        raise JobFailed(str(ALREADY_IMPORTED))
    return upload


def problem_without_values(problem) -> str:
    """``problem`` as the job's message keeps it (``Job.error_message`` stays
    after the upload is gone and is not erased with a person): its row, column
    and what is wrong, without the cell's value nor the names, phone numbers and
    NIKs that the preview shows for a person found twice."""
    where = []
    if problem.row is not None:
        where.append(_("Row %(row)s") % {"row": problem.row})
    if problem.column:
        column = _("column %(letter)s") % {"letter": problem.column}
        if problem.header:
            column += f" ({problem.header})"
        where.append(column)
    if isinstance(problem, DuplicateRowProblem):
        what = _("the same person as row %(row)s.") % {"row": problem.first_row}
    elif isinstance(problem, NameMatchProblem):
        what = _(
            "possibly the same person as #%(id)s in the registry: choose in the "
            "preview."
        ) % {"id": problem.participant_id}
    else:
        what = str(problem.message)
    return f"{', '.join(where)}: {what}" if where else what


def _problems_message(problems) -> str:
    """The first ``PROBLEMS_SHOWN`` problems (each names its row and field, not
    its value: ``problem_without_values``) and how many more there are, with what
    to do."""
    shown = [problem_without_values(p) for p in problems[:PROBLEMS_SHOWN]]
    more = len(problems) - len(shown)
    if more:
        shown.append(
            ngettext(
                "And %(count)s more problem.", "And %(count)s more problems.", more
            )
            % {"count": more}
        )
    return " ".join(
        [_("Nothing was imported. Open the preview again and fix:"), *shown]
    )
