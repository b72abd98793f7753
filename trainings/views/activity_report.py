"""The activity report (laporan kegiatan) of a training as a .docx download; the
draft itself is shown on the training page (``activity_report_tags``)."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic.detail import SingleObjectMixin

from setara.text import clean_multiline_text

from ..activity_report import (
    activity_report_draft,
    activity_report_numbers,
    format_number,
)
from ..activity_report_docx import DOCX_CONTENT_TYPE, activity_report_docx
from ..exports import training_file_stem
from ..models import Training

#: The longest paragraph a POST may send (characters, after cleaning).
PARAGRAPH_MAX_LENGTH = 20_000


class ActivityReportDocxView(PermissionRequiredMixin, SingleObjectMixin, View):
    """The activity report of a training as an editable .docx, sent straight back
    (a small file).

    GET: with the paragraph drafted from the data. POST: with the paragraph as
    edited on the training page (field ``paragraph``, cleaned of invisible
    characters; empty means the draft); a paragraph longer than
    ``PARAGRAPH_MAX_LENGTH`` sends the user back to the page with a message.

    Not recorded in the export log: the file holds counts and agency names only,
    no person's name, phone or NIK (the export log is for files of personal
    data). Never cached (``Cache-Control: no-store``).
    """

    permission_required = "trainings.view_training"
    model = Training
    queryset = Training.objects.select_related("region")

    def get(self, request, *args, **kwargs):
        return self.docx_response(paragraph="")

    def post(self, request, *args, **kwargs):
        paragraph = clean_multiline_text(request.POST.get("paragraph", "")).strip()
        if len(paragraph) > PARAGRAPH_MAX_LENGTH:
            messages.error(
                request,
                _("The report is too long: at most %(max)s characters.")
                % {"max": format_number(PARAGRAPH_MAX_LENGTH)},
            )
            return redirect(self.get_object())
        return self.docx_response(paragraph=paragraph)

    def docx_response(self, *, paragraph: str) -> HttpResponse:
        """The .docx with ``paragraph``, or the draft when it is empty."""
        training = self.get_object()
        numbers = activity_report_numbers(training)
        if not paragraph:
            paragraph = activity_report_draft(training, numbers)
        content = activity_report_docx(training, numbers, paragraph)
        stem = training_file_stem(_("activity report"), training)
        return HttpResponse(
            content,
            content_type=DOCX_CONTENT_TYPE,
            headers={
                "Content-Disposition": f'attachment; filename="{stem}.docx"',
                "Cache-Control": "no-store",
            },
        )
