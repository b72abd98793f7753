"""The export log: one ``participants.ExportLog`` row for every file of personal data
that leaves the system (who, when, which export, with which filters, how many rows),
so admins can answer "who took this data out" (UU PDP No. 27/2022, accountability).

Every such export calls ``export_log_record`` (or, in a view,
``export_log_record_request``) once, in the request that builds the
file, so the row and the file stand or fall together (``ATOMIC_REQUESTS``). The
spreadsheet exports do it through ``setara.spreadsheets.SpreadsheetExportMixin``;
the sign-in sheet PDF, the access request and the admin's directory export call it
directly.
"""

from django.db import transaction
from django.http import HttpRequest, QueryDict

from participants.models import ExportLog

from .text import clean_text


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
