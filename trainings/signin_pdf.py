"""The sign-in sheet (daftar hadir) drawn: what its templates need
(``sheet_context``), its PDF (``sheet_pdf``) and the background job that makes
the PDF of a large training (``signin_sheet_pdf_work``).

WeasyPrint takes about 8 ms and 0.25 MB per row of the sheet, all held until
the document is written (measured on the 20,000-enrolment training of the load
database: 2,000 rows took 17 s and 550 MB; the whole sheet at once would take
about 3 minutes and 5 GB). So a sheet longer than ``PAGES_PER_PART`` pages is
drawn in parts of whole pages (``trainings.signin.sheet_parts``: the pages are
known from the row heights), each part written to PDF and dropped before the
next, and the parts joined with pypdf. Each part continues the numbering; only
the first has the title block and only the last the blank rows; the table's
header repeats on every page as in one run. The sheet has no page numbers, so
nothing else depends on where a part starts.

Who may have the file: ``PERMISSIONS``, as for the sheet's pages. The job's
params are ``{"training": <pk>, "phone": <bool>, "base_url": <the site's
address>}`` (for the registration QR code): no personal data.
"""

import io
from collections.abc import Callable
from urllib.parse import urljoin

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from jobs.models import Job
from jobs.runner import JobFailed, JobOutput, job_starter_check
from setara.pdf import PdfUnavailable, weasyprint_html

from .exports import training_file_stem
from .models import Enrolment, Training
from .signin import sheet_layout, sheet_parts

#: What the sheet's pages and its PDF need; a job's user must still hold them
#: when it runs. The job's file is downloaded with ``DOWNLOAD_PERMISSION``.
PERMISSIONS = ("trainings.view_training", "participants.view_participant")
DOWNLOAD_PERMISSION = "participants.view_participant"
PDF_TEMPLATE = "trainings/training_signin_sheet_pdf.html"
#: Pages one WeasyPrint run draws in a long sheet: about 680 rows, 6 s and
#: 250 MB a part (a part's fonts are embedded again: about 25 KB each).
PAGES_PER_PART = 40


def sheet_enrolments(training: Training):
    """The people on ``training``'s sheet (a queryset of ``Enrolment``), by
    name, with their participant and agency loaded (no attendance: the sheet
    prints none)."""
    return Enrolment.objects.filter(training=training).by_name()


def row_texts(enrolment: Enrolment) -> dict[str, str]:
    """The texts of a person's row that may wrap (column -> text), as the
    template writes them, for ``trainings.signin.row_height``."""
    person = enrolment.participant
    name = person.full_name
    if enrolment.role != enrolment.Role.PARTICIPANT:
        name += f" ({enrolment.get_role_display()})"
    agency = person.agency
    return {
        "name": name,
        "agency": (agency.short_name or agency.name) if agency else "",
        "position": person.position,
        "village": person.village,
    }


def sheet_context(
    training: Training,
    enrolments: list[Enrolment],
    *,
    blank_for: int | None = None,
    phone: bool = False,
) -> dict:
    """What the sheet's templates need for ``enrolments`` of ``training`` (a
    blank sheet for ``blank_for`` people when set; ``phone`` adds the "No. HP"
    column): ``training``, ``place``, ``enrolments``, ``layout`` (a
    ``SheetLayout``) and ``people`` (pairs of enrolment and row height)."""
    place = training.place_display
    layout = sheet_layout(
        days=len(training.days),
        title=training.title,
        place=f"{place} · {training.date_range_display}",
        people=[row_texts(enrolment) for enrolment in enrolments],
        blank_for=blank_for,
        phone=phone,
    )
    return {
        "training": training,
        "place": place,
        "enrolments": enrolments,
        "layout": layout,
        "people": list(zip(enrolments, layout.row_heights, strict=True)),
    }


def sheet_pdf(
    context: dict,
    *,
    request=None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The PDF (its bytes) of the sheet of ``context`` (``sheet_context``),
    drawn with ``request`` (or anything with ``build_absolute_uri``, for the
    registration QR code; none: no QR code). A sheet longer than
    ``PAGES_PER_PART`` pages is drawn in parts and joined (see the module);
    ``progress(done, total)`` is told the people drawn after each part. Raises
    ``PdfUnavailable`` without WeasyPrint."""
    html_class = weasyprint_html()
    layout = context["layout"]
    parts = sheet_parts(
        [float(height) for height in layout.row_heights],
        title_mm=float(layout.title_mm),
        pages_per_part=PAGES_PER_PART,
    )
    people, total = context["people"], len(context["people"])
    pdfs = []
    for number, rows in enumerate(parts, start=1):
        part = {
            **context,
            "layout": layout.part(rows, last=number == len(parts)),
            "people": people[rows.start : rows.stop],
        }
        if request is not None:
            part["request"] = request
        html = render_to_string(PDF_TEMPLATE, part)
        pdfs.append(html_class(string=html).write_pdf())
        if progress is not None:
            progress(rows.stop, total)
    return pdfs[0] if len(pdfs) == 1 else _joined(pdfs)


def _joined(pdfs: list[bytes]) -> bytes:
    """One PDF of the pages of ``pdfs``, in order, with the first's title."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    title = PdfReader(io.BytesIO(pdfs[0])).metadata.get("/Title")
    if title:
        writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sheet_filename(training: Training) -> str:
    """The PDF's file name, the scheme of the other exports in the active
    language: ``sign-in-sheet-<title>-<dates>.pdf``."""
    return f"{training_file_stem(str(_('Sign-in sheet')), training)}.pdf"


class SiteAddress:
    """What the sheet's template asks of a request in a job, where there is
    none: the absolute address of a path on the site at ``base_url``."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def build_absolute_uri(self, location: str = "/") -> str:
        return urljoin(self.base_url, location)


def signin_sheet_pdf_work(job: Job, progress) -> JobOutput:
    """Draw the sign-in sheet of the job's training (with the "No. HP" column
    when ``params["phone"]``) into one PDF; progress is people drawn of all.
    Fails with a message when the user may no longer see the sheet, when the
    training is gone or without WeasyPrint."""
    job_starter_check(
        job,
        PERMISSIONS,
        _(
            "The file was not made: the account that started it may no longer "
            "see the sign-in sheet."
        ),
    )
    training = (
        Training.objects.select_related("region")
        .filter(pk=job.params.get("training"))
        .first()
    )
    if training is None:
        raise JobFailed(_("The file was not made: the training was deleted."))
    enrolments = list(sheet_enrolments(training))
    progress(0, len(enrolments))
    context = sheet_context(training, enrolments, phone=bool(job.params.get("phone")))
    try:
        pdf = sheet_pdf(
            context,
            request=SiteAddress(job.params.get("base_url") or "/"),
            progress=progress,
        )
    except PdfUnavailable as error:
        raise JobFailed(_("PDF is not available on this server.")) from error
    return JobOutput(
        file=io.BytesIO(pdf),
        filename=sheet_filename(training),
        content_type="application/pdf",
    )
