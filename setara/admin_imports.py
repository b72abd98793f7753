"""The Django admin's spreadsheet imports (django-import-export) within the upload
limits: the readers behind ``setara.spreadsheets.SafeXLSX`` and ``SafeCSV``, and
the mixin that checks the file's size and shows a limit's message.

The library's own readers load the whole active sheet (openpyxl, or tablib's csv
reader under the process-wide ``csv.field_size_limit``) and report any failure as
"'<exception name>' encountered while trying to read file"; these read through
``setara.xlsx_limits`` and ``setara.upload_limits`` and say which limit a file
passed.
"""

import io
from collections.abc import Iterable, Sequence

import tablib
from django import forms
from django.conf import settings
from django.utils.translation import gettext
from import_export.forms import ImportForm
from openpyxl import load_workbook

from .upload_limits import (
    UploadLimitError,
    UploadLimits,
    check_csv_text,
    csv_rows,
    decode_csv,
    rows_error,
)
from .xlsx_limits import check_workbook, sheet_rows


def xlsx_dataset(data: bytes) -> tablib.Dataset:
    """The active sheet of an .xlsx as django-import-export reads it (the first
    row is the headers), but checked by ``setara.xlsx_limits`` first and read only
    within the bounds found. Raises UploadLimitError past a limit; any other
    exception for a file that is not a workbook."""
    scans = check_workbook(data)
    workbook = load_workbook(
        io.BytesIO(data), read_only=True, data_only=True, keep_links=False
    )
    try:
        rows, _scan = sheet_rows(workbook.active, scans)
        return _dataset(rows)
    finally:
        workbook.close()


def csv_dataset(data: bytes | str) -> tablib.Dataset:
    """A comma-separated file (bytes, or text the admin decoded) as
    django-import-export reads it, within the upload limits
    (``setara.upload_limits.csv_rows``; a NUL anywhere is refused)."""
    if isinstance(data, bytes):
        text = decode_csv(data)
    else:
        text = check_csv_text(data.removeprefix("\ufeff"))
    return _dataset(csv_rows(text, ","))


def _dataset(rows: Iterable[Sequence]) -> tablib.Dataset:
    """A Dataset of ``rows``: the first gives the headers, short rows are filled
    with empty cells; blank rows are left out (the admin would look up a record
    for each). Raises UploadLimitError past ``UPLOAD_MAX_ROWS`` rows."""
    limits = UploadLimits.from_settings()
    dataset = tablib.Dataset()
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        return dataset
    dataset.headers = list(header)
    for row in rows:
        if all(value is None or value == "" for value in row):
            continue
        if len(dataset) >= limits.rows:
            raise rows_error(limits)
        dataset.append([*row, *[""] * (len(header) - len(row))])
    return dataset


class BoundedImportForm(ImportForm):
    """django-import-export's first import step, refusing a file over
    ``UPLOAD_MAX_FILE_BYTES`` before it is read (the library would read it into
    memory whole)."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.UPLOAD_MAX_FILE_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext(
                    "The file is larger than %(size)s MB. Split it into smaller files."
                )
                % {"size": limit // (1024 * 1024)}
            )
        return upload


class BoundedImportMixin:
    """For an ``ImportExportModelAdmin`` whose formats are ``SafeXLSX`` and
    ``SafeCSV``: the upload size is checked by the form, and a file past an upload
    limit is refused with the limit's message (the library would show only the
    exception's name)."""

    import_form_class = BoundedImportForm

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UploadLimitError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)
