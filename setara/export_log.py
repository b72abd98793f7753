"""The export log: one ``participants.ExportLog`` row for every file of personal data
that leaves the system (who, when, which export, with which filters, how many rows),
so admins can answer "who took this data out" (UU PDP No. 27/2022, accountability).

Every such export calls ``export_log_record`` (or, in a view,
``export_log_record_request``) once, in the request that builds the
file, so the row and the file stand or fall together (``ATOMIC_REQUESTS``). The
spreadsheet exports do it through ``setara.spreadsheets.SpreadsheetExportMixin``;
the sign-in sheet PDF, the access request and the admin's directory export call it
directly.

The log stores which export by its URL name (``trainings:export_participants``),
which stays the same when wording changes; where people read the log (the admin)
it shows the export's name in their language, "Participants and attendance
(.xlsx)" (``export_label``, ``EXPORT_LABELS``).
"""

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from participants.models import ExportLog

from .text import clean_text

#: The readable name of each export by the name the log stores, and the file
#: type of an export that makes one type only; an export with a choice of
#: types records it in its filters ("fmt"). A name not listed is shown as it is.
EXPORT_LABELS = {
    "trainings:export_participants": (_("Participants and attendance"), ""),
    "trainings:report_participants": (_("Participant list"), ""),
    "trainings:signin_sheet_pdf": (_("Sign-in sheet"), "pdf"),
    "referrals:pathway_xlsx": (_("Referral pathway"), "xlsx"),
    "privacy:access_request": (_("All data held (access request, .json)"), ""),
    "certificates:pdf": (_("Certificate"), "pdf"),
    "certificates:issue_all": (_("Certificates of a training"), "pdf"),
    "admin:referrals_referralinstitution_export": (
        _("Referral directory (administration)"),
        "",
    ),
    "jobs:download": (_("File of a background job"), ""),
}
#: File types an export's label may name (a query string cannot add others).
LABEL_FORMATS = ("xlsx", "csv", "pdf", "docx", "json")


def export_label(export: str, filters: dict | None = None) -> str:
    """The readable name of ``export`` (a name ``ExportLog.export`` holds) in the
    active language, with its file type from ``filters["fmt"]`` or
    ``EXPORT_LABELS``: "Participant list (.csv)"; ``export`` itself when it is
    not in ``EXPORT_LABELS``."""
    if export not in EXPORT_LABELS:
        return export
    label, file_type = EXPORT_LABELS[export]
    fmt = (filters or {}).get("fmt")
    file_type = fmt if fmt in LABEL_FORMATS else file_type
    return f"{label} (.{file_type})" if file_type else str(label)


@admin.display(description=_("export"), ordering="export")
def export_label_column(entry: ExportLog) -> str:
    """The admin's column of an ``ExportLog``'s readable export name."""
    return export_label(entry.export, entry.filters)


class ExportListFilter(admin.SimpleListFilter):
    """The admin's "by export" filter, listing the exports in the log by their
    readable names (one query) and filtering on the stored name."""

    title = _("export")
    parameter_name = "export"

    def lookups(self, request, model_admin):
        names = ExportLog.objects.order_by("export").values_list("export", flat=True)
        return [(name, export_label(name)) for name in names.distinct()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(export=self.value())
        return queryset


def export_log_filters(query: QueryDict, url_kwargs: dict | None = None) -> dict:
    """The filters of an export request as a JSON-ready dict: ``url_kwargs`` (the
    URL's arguments, such as the training's ``pk`` and the ``fmt``) as strings, then
    ``query`` (``request.GET``): a key with one value maps to that string, a
    repeated key to the list of its values; empty values are left out. Keys and
    values go through ``clean_text`` (a NUL in a query string would not fit a
    PostgreSQL JSON column)."""
    filters = {key: str(value) for key, value in (url_kwargs or {}).items()}
    for key, values in query.lists():
        values = [clean_text(value) for value in values]
        values = [value for value in values if value != ""]
        if values and clean_text(key):
            filters[clean_text(key)] = values[0] if len(values) == 1 else values
    return filters


@transaction.atomic
def export_log_record(*, user, export: str, filters: dict, row_count: int) -> ExportLog:
    """Record that ``user`` exported ``row_count`` rows of personal data through
    ``export`` (a URL name such as ``trainings:report_participants``, or an admin
    action) with ``filters`` (see ``export_log_filters``).

    Returns the saved ``ExportLog``; raises ``ValidationError`` for an empty
    ``export`` or a negative ``row_count``.
    """
    entry = ExportLog(user=user, export=export, filters=filters, row_count=row_count)
    entry.full_clean()
    entry.save()
    return entry


def export_log_record_request(
    request: HttpRequest, *, row_count: int, filters: dict | None = None
) -> ExportLog:
    """``export_log_record`` for the export a view is answering: the user of
    ``request``, the URL name it resolved to, and (unless ``filters`` are given)
    its URL arguments and query string."""
    match = request.resolver_match
    if filters is None:
        filters = export_log_filters(request.GET, match.kwargs)
    return export_log_record(
        user=request.user, export=match.view_name, filters=filters, row_count=row_count
    )
