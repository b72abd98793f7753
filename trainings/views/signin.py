"""The printable sign-in sheet (daftar hadir) of a training, as a page to print
and as a PDF: the enrolled people with blank rows for walk-ins to the end of the
last page, or a blank sheet for a number of people; optionally a "No. HP"
column. The layout is computed by ``trainings.signin``."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView

from setara.export_log import export_log_record_request

from ..exports import training_file_stem
from ..forms import SignInSheetForm
from ..models import Training
from ..signin import sheet_layout


class SignInSheetView(PermissionRequiredMixin, DetailView):
    """The printable daftar hadir: one row per enrolled person (by name), a
    signature column per day, and blank rows filling the last A4 page; with the
    options of ``SignInSheetForm`` from the query string (``blank_for``: a blank
    sheet for that many people; ``phone``: a "No. HP" column). An option that is
    not valid is shown with its error and left out of the sheet."""

    permission_required = ("trainings.view_training", "participants.view_participant")
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
        enrolments = [] if blank_for else list(training.enrolments.for_roster())
        place = training.place_display
        layout = sheet_layout(
            days=len(training.days),
            title=training.title,
            place=f"{place} · {training.date_range_display}",
            people=[_row_texts(enrolment) for enrolment in enrolments],
            blank_for=blank_for,
            phone=options.get("phone", False),
        )
        query = {"blank_for": blank_for} if blank_for else {}
        if layout.phone:
            query["phone"] = "on"
        pdf_url = reverse("trainings:signin_sheet_pdf", args=[training.pk])
        return super().get_context_data(
            form=form,
            enrolments=enrolments,
            people=list(zip(enrolments, layout.row_heights, strict=True)),
            layout=layout,
            place=place,
            pdf_url=f"{pdf_url}?{urlencode(query)}" if query else pdf_url,
            **kwargs,
        )


def _row_texts(enrolment) -> dict[str, str]:
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


class SignInSheetPdfView(SignInSheetView):
    """The sign-in sheet as an A4 landscape PDF, drawn by WeasyPrint from the same
    table as the print view; without WeasyPrint's system libraries (Pango) it sends
    the user to the print view with a message instead. Options that are not valid
    send the user to the print view, which shows what is wrong."""

    template_name = "trainings/training_signin_sheet_pdf.html"

    def get(self, request, *args, **kwargs):
        form, _options = self.get_options()
        if form.is_bound and not form.is_valid():
            url = reverse("trainings:signin_sheet", args=[kwargs["pk"]])
            return redirect(f"{url}?{request.GET.urlencode()}")
        return super().get(request, *args, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        html = render_to_string(self.template_name, context, request=self.request)
        try:
            from weasyprint import HTML  # loads Pango: only when a PDF is asked for
        except (ImportError, OSError):
            messages.error(
                self.request,
                _("PDF is not available on this server; use Print instead."),
            )
            return redirect("trainings:signin_sheet", pk=self.object.pk)
        pdf = HTML(string=html).write_pdf()
        if context["enrolments"]:
            # A file of names leaves the system: record it like the other exports.
            # A blank sheet holds no one's data.
            export_log_record_request(
                self.request, row_count=len(context["enrolments"])
            )
        # The scheme of the other exports, in the user's language.
        filename = f"{training_file_stem(str(_('Sign-in sheet')), self.object)}.pdf"
        return HttpResponse(
            pdf,
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
