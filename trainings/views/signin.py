"""The printable sign-in sheet (daftar hadir) of a training, as a page to print
and as a PDF: the enrolled people with blank rows for walk-ins to the end of the
last page, or a blank sheet for a number of people; optionally a "No. HP"
column. The layout is computed by ``trainings.signin``, the drawing done by
``trainings.signin_pdf``.

A training of more than ``SIGNIN_PDF_IN_REQUEST_MAX_ROWS`` people is too long
for one request: its page shows the options and a button that starts the PDF as
a background job (a POST to the PDF's address) instead of the rows, and a GET of
its PDF sends the user there with a message. A blank sheet (at most
``MAX_BLANK_SHEET`` rows, no one's data) is always drawn at once.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from jobs.models import Job
from jobs.services import TooManyJobs, job_start
from setara.export_log import export_log_record_request
from setara.pdf import PdfUnavailable

from .. import tasks
from ..forms import SignInSheetForm
from ..models import Training
from ..signin_pdf import (
    DOWNLOAD_PERMISSION,
    PERMISSIONS,
    sheet_context,
    sheet_enrolments,
    sheet_filename,
    sheet_pdf,
)


def too_long(people: int) -> bool:
    """Whether a sheet of ``people`` is drawn by a job rather than in the
    request (``SIGNIN_PDF_IN_REQUEST_MAX_ROWS``)."""
    return people > settings.SIGNIN_PDF_IN_REQUEST_MAX_ROWS


class SignInSheetView(PermissionRequiredMixin, DetailView):
    """The printable daftar hadir: one row per enrolled person (by name), a
    signature column per day, and blank rows filling the last A4 page; with the
    options of ``SignInSheetForm`` from the query string (``blank_for``: a blank
    sheet for that many people; ``phone``: a "No. HP" column). An option that is
    not valid is shown with its error and left out of the sheet. A training too
    long for the page (``too_long``) shows the options, its number of people and
    the button that starts the PDF job (``job_form``), not the rows. A fixed
    number of queries whatever the number of people."""

    permission_required = PERMISSIONS
    queryset = Training.objects.select_related("region")
    template_name = "trainings/training_signin_sheet.html"

    def get_options(self) -> tuple[SignInSheetForm, dict]:
        """The options form and the values of its valid fields (a field with an
        error is left out, so the other options still apply)."""
        form = SignInSheetForm(self.request.GET or None)
        form.is_valid()
        return form, (form.cleaned_data if form.is_bound else {})

    def get_context_data(self, **kwargs):
        form, options = self.get_options()
        training = self.object
        blank_for = options.get("blank_for")
        phone = options.get("phone", False)
        people_count = 0 if blank_for else training.enrolments.count()
        job_form = too_long(people_count)
        enrolments = [] if blank_for or job_form else list(sheet_enrolments(training))
        query = {"blank_for": blank_for} if blank_for else {}
        if phone:
            query["phone"] = "on"
        pdf_url = reverse("trainings:signin_sheet_pdf", args=[training.pk])
        return super().get_context_data(
            **sheet_context(training, enrolments, blank_for=blank_for, phone=phone),
            form=form,
            job_form=job_form,
            people_count=people_count,
            max_rows=settings.SIGNIN_PDF_IN_REQUEST_MAX_ROWS,
            pdf_action=pdf_url,
            pdf_url=f"{pdf_url}?{urlencode(query)}" if query else pdf_url,
            **kwargs,
        )


class SignInSheetPdfView(SignInSheetView):
    """The sign-in sheet as an A4 landscape PDF, drawn by WeasyPrint from the same
    table as the print view; without WeasyPrint's system libraries (Pango) it sends
    the user to the print view with a message instead. Options that are not valid
    send the user to the print view, which shows what is wrong.

    GET draws it in the request, except for a training too long for that
    (``too_long``): the user goes to the sheet's page, which offers the job. POST
    (the page's button) starts the PDF as a job (``phone`` from the form; the
    same user, training and options while one is unfinished: that job) and
    redirects to its page; the file holds names, so it is downloaded with
    ``DOWNLOAD_PERMISSION`` and recorded in the export log."""

    template_name = "trainings/training_signin_sheet_pdf.html"

    def get(self, request, *args, **kwargs):
        form, _options = self.get_options()
        if form.is_bound and not form.is_valid():
            return redirect(self.sheet_url(request.GET))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        training = self.object = self.get_object()
        form = SignInSheetForm(request.POST)
        if not form.is_valid() or form.cleaned_data.get("blank_for"):
            # A blank sheet (or options to correct) is the page's business.
            return redirect(self.sheet_url(request.POST))
        try:
            job = job_start(
                task=tasks.signin_sheet_pdf,
                user=request.user,
                kind=Job.Kind.EXPORT,
                title=_("Sign-in sheet (.pdf), %(title)s") % {"title": training.title},
                params={
                    "training": training.pk,
                    "phone": form.cleaned_data["phone"],
                    "base_url": request.build_absolute_uri("/"),
                },
                permission=DOWNLOAD_PERMISSION,
                personal=True,
                log_export=request.resolver_match.view_name,
                log_filters=self.log_filters(form.cleaned_data["phone"]),
                total=training.enrolments.count(),
            )
        except TooManyJobs as error:
            messages.error(request, error.messages[0])
            return redirect("jobs:list")
        return redirect(job)

    def sheet_url(self, query) -> str:
        """The sheet's page with the options of ``query`` (a ``QueryDict``)."""
        url = reverse("trainings:signin_sheet", args=[self.kwargs["pk"]])
        query = query.copy()
        query.pop("csrfmiddlewaretoken", None)
        return f"{url}?{query.urlencode()}" if query else url

    def log_filters(self, phone: bool) -> dict:
        """The export log's filters of this sheet: the training, and ``phone``
        when the "No. HP" column is asked for (as a GET of the PDF records)."""
        filters = {"pk": str(self.object.pk)}
        if phone:
            filters["phone"] = "on"
        return filters

    def render_to_response(self, context, **response_kwargs):
        if context["job_form"]:
            messages.info(
                self.request,
                _(
                    "This training has too many people to make its PDF at once. Use "
                    "“Make the PDF” below: the PDF is made in the background."
                ),
            )
            return redirect(self.sheet_url(self.request.GET))
        try:
            pdf = sheet_pdf(context, request=self.request)
        except PdfUnavailable:
            messages.error(
                self.request,
                _("PDF is not available on this server; use Print instead."),
            )
            return redirect("trainings:signin_sheet", pk=self.object.pk)
        if context["enrolments"]:
            # A file of names leaves the system: record it like the other exports.
            # A blank sheet holds no one's data.
            export_log_record_request(
                self.request, row_count=len(context["enrolments"])
            )
        return HttpResponse(
            pdf,
            content_type="application/pdf",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{sheet_filename(self.object)}"'
                )
            },
        )
