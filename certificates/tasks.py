"""The background task of certificates: every valid certificate of a training as
one PDF (a page each; long for a large training), run as a job
(``jobs.runner.job_run``). The view issues the certificates first
(``services.certificates_issue_qualifying``) and starts the job with
``{"training": <pk>, "base_url": <the site's address>}``: no personal data in
the params or the title."""

import io

from django.utils.translation import gettext as _
from django_tasks import task

from jobs.models import Job
from jobs.runner import JobFailed, JobOutput, job_run, job_starter_check
from setara.pdf import PdfUnavailable
from trainings.exports import training_file_stem

from .models import Certificate
from .pdf import certificates_pdf

#: What the user who started the job must still hold when it runs (roles can
#: change while a job waits) and when downloading its file.
PDF_PERMISSIONS = ("certificates.add_certificate", "certificates.view_certificate")


def training_certificates(training_id: int) -> list[Certificate]:
    """The valid certificates of the training ``training_id``, by the name
    printed, with what their pages print loaded (one query)."""
    return list(
        Certificate.objects.valid()
        .of_training(training_id)
        .select_related("enrolment__training__region")
        .order_by("name", "serial")
    )


def certificates_pdf_work(job: Job, progress) -> JobOutput:
    """Draw the job's training's valid certificates into one PDF; progress is
    certificates drawn of all. Fails with a message when the user may no longer
    make them, when there are none (revoked meanwhile, or the training deleted)
    or without WeasyPrint."""
    job_starter_check(
        job,
        PDF_PERMISSIONS,
        _(
            "The file was not made: the account that started it may no longer "
            "make certificates."
        ),
    )
    certificates = training_certificates(job.params.get("training"))
    if not certificates:
        raise JobFailed(
            _("The file was not made: the training has no valid certificates.")
        )
    progress(0, len(certificates))
    try:
        pdf = certificates_pdf(certificates, job.params["base_url"], progress)
    except PdfUnavailable as error:
        raise JobFailed(_("PDF is not available on this server.")) from error
    training = certificates[0].enrolment.training
    stem = training_file_stem(_("certificates"), training)
    return JobOutput(
        file=io.BytesIO(pdf), filename=f"{stem}.pdf", content_type="application/pdf"
    )


@task()
def training_certificates_pdf(job_id: str) -> None:
    """Every valid certificate of a training as one PDF."""
    job_run(job_id, certificates_pdf_work)
