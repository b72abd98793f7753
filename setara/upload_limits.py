"""Bounds on uploaded spreadsheets, so no upload can hold a worker (issue 17: a
106 KB file drove a worker to 2 GB, a 300 KB one added 520 MB, 16,384-column
sheets took 16-30 s), and the reading of an uploaded .csv.

Every place that reads an uploaded .xlsx or .csv checks these limits before and
while it parses: the sign-in sheet import (``participants.sheets.read_table``,
which the upload page, the preview, the import job and ``import_participants``
use) and the referral directory's import in the Django admin
(``setara.spreadsheets.SafeXLSX`` and ``SafeCSV``). Old .xls files are read
nowhere (the import asks for .xlsx; the admin offers .xlsx and .csv only). The
.xlsx checks are in ``setara.xlsx_limits``.

A .csv is decoded by ``decode_csv`` (UTF-16 with a byte-order mark, UTF-8, else
Windows-1252: one pass over the bytes each at most, no guessing from samples; a
NUL anywhere is refused) and read by ``csv_rows``, which bounds each record's
length itself instead of relying on ``csv.field_size_limit`` (one setting for the
whole process, which any library may change).

The limits are settings (``UPLOAD_MAX_*`` in ``setara/settings/base.py``, where
each number is explained); each refusal is an ``UploadLimitError`` whose message
names the limit and what to do, in the user's language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, fields

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl.utils.cell import get_column_letter

MB = 1024 * 1024


class UploadLimitError(Exception):
    """An uploaded file is over one of the upload limits, or built in a way no
    spreadsheet program writes; ``str(error)`` is the message for the user."""


@dataclass(frozen=True)
class UploadLimits:
    """The limits, read from the ``UPLOAD_MAX_<NAME>`` settings (``file_bytes``
    is ``UPLOAD_MAX_FILE_BYTES``, and so on); sizes in bytes."""

    file_bytes: int
    rows: int
    row_number: int
    columns: int
    cells: int
    cell_chars: int
    line_chars: int
    merged_ranges: int
    merged_cells: int
    zip_members: int
    uncompressed_bytes: int
    sheet_bytes: int
    shared_strings_bytes: int
    shared_strings: int
    part_bytes: int
    compression_ratio: int

    @classmethod
    def from_settings(cls) -> UploadLimits:
        """The limits as the settings are now."""
        return cls(
            **{
                f.name: getattr(settings, f"UPLOAD_MAX_{f.name.upper()}")
                for f in fields(cls)
            }
        )


def number(value: int) -> str:
    """A whole number as the active language writes it (16,384 or 16.384)."""
    return number_format(value, force_grouping=True)


def megabytes(size: int) -> str:
    """A size in bytes as megabytes with one decimal."""
    return number_format(size / MB, decimal_pos=1, force_grouping=True)


def refuse(message: str, **values) -> UploadLimitError:
    """An UploadLimitError with ``message`` % ``values``; numbers are written as
    the active language writes them."""
    shown = {k: number(v) if isinstance(v, int) else v for k, v in values.items()}
    return UploadLimitError(message % shown)


def columns_error(count: int, limits: UploadLimits) -> UploadLimitError:
    """The error for a table of ``count`` columns."""
    return refuse(
        _("The file has %(count)s columns; a sign-in sheet has at most %(max)s."),
        count=count,
        max=limits.columns,
    )


def row_number_error(row: int, limits: UploadLimits) -> UploadLimitError:
    """The error for a table that goes on to row ``row``."""
    return refuse(
        _(
            "The file uses rows past row %(max)s (row %(row)s); a sign-in sheet "
            "ends well before that. Delete the empty rows under the data and save "
            "it again."
        ),
        row=row,
        max=limits.row_number,
    )


def cell_chars_error(where: str, limits: UploadLimits) -> UploadLimitError:
    """The error for cell ``where`` (``"B2"``) holding too long a text."""
    return refuse(
        _(
            "Cell %(cell)s holds more than %(max)s characters; a cell of a sign-in "
            "sheet holds at most %(max)s."
        ),
        cell=where,
        max=limits.cell_chars,
    )


def rows_error(limits: UploadLimits) -> UploadLimitError:
    """The error for a table of more than ``limits.rows`` rows of data."""
    return refuse(
        _("The file has more than %(max)s rows. Split it into smaller files."),
        max=limits.rows,
    )


def cells_error(limits: UploadLimits) -> UploadLimitError:
    """The error for a table with more filled cells than ``limits.cells``."""
    return refuse(
        _(
            "The file has more than %(max)s filled cells; a sign-in sheet has far "
            "fewer. Split it into smaller files."
        ),
        max=limits.cells,
    )


# CSV ------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-16 when it starts with a UTF-16 byte-order mark
    (Excel's "Unicode Text"), else UTF-8 (a byte-order mark is dropped), else
    Windows-1252, the encoding Excel on Indonesian Windows uses for "CSV (comma
    delimited)". Each is one pass over the bytes.

    Raises UploadLimitError for a NUL character anywhere (no text file has one);
    UnicodeDecodeError for UTF-16 that is not.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    return check_csv_text(text)


def check_csv_text(text: str) -> str:
    """``text``, or UploadLimitError when it holds a NUL character."""
    position = text.find("\0")
    if position >= 0:
        raise refuse(
            _(
                "The file contains a NUL character (character %(position)s), which "
                "a CSV file never has: it may be another kind of file named .csv. "
                "Upload the Excel workbook (.xlsx), or save it from Excel as "
                "“CSV UTF-8”."
            ),
            position=position + 1,
        )
    return text


class _Lines:
    """The lines of ``text`` for ``csv.reader``, refusing a record (the lines
    since ``next_record``) longer than ``limit`` characters."""

    def __init__(self, text: str, limit: int):
        self.lines = io.StringIO(text, newline="")
        self.limit = limit
        self.length, self.record = 0, 1

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self.lines.readline(self.limit + 1)
        if not line:
            raise StopIteration
        self.length += len(line)
        if self.length > self.limit:
            raise refuse(
                _(
                    "Row %(row)s is longer than %(max)s characters; a row of a "
                    "sign-in sheet is far shorter. (A quote that is never closed "
                    "makes the rest of the file one cell.)"
                ),
                row=self.record,
                max=self.limit,
            )
        return line

    def next_record(self) -> None:
        self.length = 0
        self.record += 1


def csv_rows(
    text: str, delimiter: str, limits: UploadLimits | None = None
) -> Iterator[list[str]]:
    """The records of CSV ``text`` as ``csv.reader`` reads them (empty lines as
    ``[]``), checked one by one: at most ``limits.row_number`` records, each at
    most ``limits.line_chars`` characters long and ``limits.columns`` fields, each
    field at most ``limits.cell_chars`` characters, and ``limits.cells`` filled
    fields in all. Raises UploadLimitError at the first limit passed, csv.Error
    for text the csv module cannot read.
    """
    limits = limits or UploadLimits.from_settings()
    lines = _Lines(text, limits.line_chars)
    cells = 0
    for record, row in enumerate(csv.reader(lines, delimiter=delimiter), 1):
        if record > limits.row_number:
            raise row_number_error(record, limits)
        if len(row) > limits.columns:
            raise columns_error(len(row), limits)
        for index, value in enumerate(row):
            if len(value) > limits.cell_chars:
                where = f"{get_column_letter(index + 1)}{record}"
                raise cell_chars_error(where, limits)
            if value:
                cells += 1
        if cells > limits.cells:
            raise cells_error(limits)
        lines.next_record()
        yield row
