"""The background tasks of trainings (Django's Tasks API, ``django_tasks``): the
spreadsheet exports and the sign-in sheet PDF of a large training, run as jobs.
Each is a thin wrapper: ``jobs.runner.job_run`` keeps the ``jobs.Job`` row up to
date around the work in ``trainings.exports`` or ``trainings.signin_pdf`` (and
closes the temporary file the work wrote). The argument is the job's id as text
(``jobs.services.job_start`` enqueues it)."""

from django_tasks import task

from jobs.runner import job_run

from . import exports, signin_pdf


@task()
def report_tables_export(job_id: str) -> None:
    """The report's tables for the job's filters, .xlsx or .csv."""
    job_run(job_id, exports.report_tables_work)


@task()
def report_participants_export(job_id: str) -> None:
    """The report's participant list for the job's filters, .xlsx or .csv."""
    job_run(job_id, exports.report_participants_work)


@task()
def training_participants_export(job_id: str) -> None:
    """A large training's participant list with attendance per day."""
    job_run(job_id, exports.training_participants_work)


@task()
def training_summary_export(job_id: str) -> None:
    """A large training's summary tables by sex."""
    job_run(job_id, exports.training_summary_work)


@task()
def signin_sheet_pdf(job_id: str) -> None:
    """A large training's sign-in sheet (daftar hadir) as one PDF."""
    job_run(job_id, signin_pdf.signin_sheet_pdf_work)
