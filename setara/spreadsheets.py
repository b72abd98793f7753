"""Spreadsheet files of every export (reports, participant lists, the referral
pathway): .xlsx and .csv, written one way for all apps.

Each export is a list of ``Table``s: a header row, then a generator of rows (the
exporter shape of pretix's ``ListExporter.iterate_list``). The same tables feed both
writers, so an .xlsx and a .csv of one report always hold the same cells.

The .xlsx writer uses openpyxl's write-only mode, which streams rows to a temporary
file instead of keeping them in memory; django-import-export's default path builds
the whole sheet in memory first, far too much for 100,000 participants.

Cells are written safely: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return stays text and is never run as a formula (OWASP, "CSV
Injection"). In .xlsx the cell is typed as a string with Excel's quote prefix; in
.csv it gets a leading apostrophe, which Excel and LibreOffice hide and treat as
"this is text". Numbers and dates keep their types.

Stored text never breaks a file: characters XML 1.0 does not allow (control
characters other than tab, newline and carriage return, which openpyxl refuses with
``IllegalCharacterError``; lone surrogates; U+FFFE and U+FFFF) are removed from
every text cell, header and title, in .xlsx and .csv alike, so both files still hold
the same cells. Text is cleaned when it is written (``setara.text``), but a row
written before that, or by raw SQL, must still export.
"""

import csv
import datetime
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.http import FileResponse, StreamingHttpResponse
from import_export.formats import base_formats
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .export_log import export_log_record_request

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Characters no spreadsheet cell may hold: those outside XML 1.0's ``Char``
#: production (W3C XML 1.0, section 2.2), a superset of openpyxl's
#: ``ILLEGAL_CHARACTERS_RE`` (C0 controls but tab, LF, CR), plus lone surrogates
#: (no UTF-8 form) and the non-characters U+FFFE and U+FFFF.
ILLEGAL_CHARACTERS_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Excel number formats: dates as 18/10/2023, months as "Okt 2023", text as text.
DATE_FORMAT = "dd/mm/yyyy"
MONTH_FORMAT = "mmm yyyy"
TEXT_FORMAT = "@"


@dataclass
class Table:
    """One sheet of an export: ``title`` (the sheet name, at most 31 characters
    are kept), ``header`` (column labels in the active language) and ``rows`` (an
    iterable of lists as long as the header; None for an empty cell).

    ``text_columns`` are the indexes of columns that are always text, such as phone
    numbers and NIK, so Excel keeps their leading 0 and all 16 digits;
    ``formats`` maps a column index to an Excel number format (``MONTH_FORMAT``);
    other dates get ``DATE_FORMAT``; ``widths`` are column widths in Excel's
    character units (by default, from the header's length).
    """

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]
    text_columns: frozenset[int] = field(default_factory=frozenset)
    formats: dict[int, str] = field(default_factory=dict)
    widths: Sequence[int] = ()


def cell_safe(value):
    """``value`` with the characters no spreadsheet may hold removed
    (``ILLEGAL_CHARACTERS_RE``) when it is text; anything else unchanged."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def is_formula_like(value) -> bool:
    """True for text that a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_value(value):
    """A cell for the .csv writer: formula-like text gets a leading apostrophe,
    dates become 18/10/2023, None an empty cell; characters no spreadsheet may hold
    are removed (``cell_safe``)."""
    if value is None:
        return ""
    value = cell_safe(value)
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if is_formula_like(value):
        return "'" + value
    return value


class _CellMaker:
    """Typed cells for one sheet of the write-only .xlsx writer.

    Plain numbers and safe text pass through as values (openpyxl reuses one cell
    for those, which keeps large exports fast). Text columns and dates need a
    formatted cell: one cell per column is reused from row to row, which is safe
    because a write-only sheet serialises each row as soon as it is appended.
    Formula-like text gets a cell of its own, typed as text with a quote prefix.
    """

    def __init__(self, sheet, table: "Table"):
        self.sheet = sheet
        self.text_columns = table.text_columns
        self.formats = table.formats
        self.reused: dict[int, WriteOnlyCell] = {}

    def _reused(self, index: int, number_format: str) -> WriteOnlyCell:
        cell = self.reused.get(index)
        if cell is None or cell.number_format != number_format:
            cell = self.reused[index] = WriteOnlyCell(self.sheet)
            cell.number_format = number_format
        return cell

    def row(self, row: Sequence) -> Sequence:
        """``row`` with the values that need it replaced by typed cells."""
        cells = None
        for index, value in enumerate(row):
            if value is None:
                continue
            safe = cell_safe(value)
            if safe is not value:
                value = safe
                cells = cells or list(row)
                cells[index] = value
            text = index in self.text_columns
            if not (text or isinstance(value, datetime.date) or is_formula_like(value)):
                continue
            if cells is None:
                cells = list(row)
            cells[index] = self.cell(index, value, text=text)
        return row if cells is None else cells

    def cell(self, index: int, value, *, text: bool) -> WriteOnlyCell:
        if isinstance(value, datetime.date) and not text:
            cell = self._reused(index, self.formats.get(index, DATE_FORMAT))
            cell.value = value
            return cell
        value = cell_safe(str(value))
        if is_formula_like(value):
            cell = WriteOnlyCell(self.sheet, value)
            cell.data_type = "s"  # never "f": the text is stored, not evaluated
            cell.quotePrefix = True
            if text:
                cell.number_format = TEXT_FORMAT
            return cell
        cell = self._reused(index, TEXT_FORMAT)
        cell.value = value
        return cell


def _sheet_title(title: str, used: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``, unique."""
    clean = "".join(" " if c in "[]:*?/\\" else c for c in cell_safe(str(title)))
    clean = clean.strip()[:31]
    name, number = clean or "Sheet", 2
    while name.lower() in used:
        suffix = f" ({number})"
        name, number = clean[: 31 - len(suffix)] + suffix, number + 1
    used.add(name.lower())
    return name


def write_xlsx(tables: Iterable[Table], out) -> None:
    """Write ``tables`` as one sheet each to ``out`` (a path or binary file).

    The header row is bold and frozen, so it stays in view while scrolling.
    """
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for table in tables:
        sheet = workbook.create_sheet(title=_sheet_title(table.title, used))
        sheet.freeze_panes = "A2"
        for index, label in enumerate(table.header):
            width = min(max(len(str(label)) + 2, 10), 50)
            if index < len(table.widths):
                width = table.widths[index]
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        header = []
        for label in table.header:
            cell = WriteOnlyCell(sheet, cell_safe(str(label)))
            cell.data_type = "s"
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        cells = _CellMaker(sheet, table)
        for row in table.rows:
            sheet.append(cells.row(row))
    workbook.save(out)


class _Echo:
    """A file-like object whose ``write`` returns the line, for csv.writer."""

    def write(self, value):
        return value


def iter_csv(tables: Iterable[Table]) -> Iterator[str]:
    """Yield the lines of a .csv of ``tables``: starting with a byte-order mark so
    Excel reads UTF-8; when there are several tables, each starts with its title
    on a line of its own and ends with an empty line."""
    tables = list(tables)
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for table in tables:
        if len(tables) > 1:
            yield writer.writerow([csv_value(table.title)])
        yield writer.writerow([csv_value(label) for label in table.header])
        for row in table.rows:
            yield writer.writerow([csv_value(value) for value in row])
        if len(tables) > 1:
            yield writer.writerow([])


def xlsx_response(tables: Iterable[Table], filename: str) -> FileResponse:
    """An attachment response with ``tables`` as an .xlsx file named ``filename``.

    The workbook is written to a temporary file first (an .xlsx is a zip archive,
    which cannot be streamed while it is written), then streamed from disk.
    """
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    try:
        write_xlsx(tables, spool)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type=XLSX_CONTENT_TYPE,
    )


def csv_response(tables: Iterable[Table], filename: str) -> StreamingHttpResponse:
    """An attachment response streaming ``tables`` as UTF-8 .csv."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in iter_csv(tables)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class SpreadsheetExportMixin:
    """The one way a view sends a spreadsheet: tables in, an .xlsx or .csv out, and
    one export-log row when the file names people.

    A view sets ``filename`` (without extension; or overrides ``get_filename``),
    implements ``get_tables()`` and, when ``personal_data`` is True, also
    ``get_row_count()`` (the people in the file, counted by the database before the
    rows are streamed). ``export_response(fmt)`` (``"xlsx"`` or ``"csv"``) writes the
    log row and returns the attachment.
    """

    #: Whether the file holds names (and maybe phone numbers or NIK): if so every
    #: download is recorded in the export log.
    personal_data = False
    filename = "export"

    def get_tables(self) -> list[Table]:
        raise NotImplementedError

    def get_filename(self) -> str:
        return self.filename

    def get_row_count(self) -> int:
        raise NotImplementedError

    def export_response(self, fmt: str):
        """The attachment for ``fmt`` ("xlsx" or "csv"), logged if personal."""
        tables = self.get_tables()
        if self.personal_data:
            export_log_record_request(self.request, row_count=self.get_row_count())
        name = f"{self.get_filename()}.{fmt}"
        if fmt == "csv":
            return csv_response(tables, name)
        return xlsx_response(tables, name)


class SafeXLSX(base_formats.XLSX):
    """django-import-export's .xlsx format, exporting through ``write_xlsx`` so an
    admin export is formula-safe like every other file (import is unchanged)."""

    def export_data(self, dataset, **kwargs) -> bytes:
        buffer = io.BytesIO()
        write_xlsx([Table(dataset.title or "Export", dataset.headers, dataset)], buffer)
        return buffer.getvalue()


class SafeCSV(base_formats.CSV):
    """django-import-export's .csv format, exporting through ``iter_csv`` (formula
    guard, UTF-8 with a byte-order mark for Excel); import is unchanged."""

    def export_data(self, dataset, **kwargs) -> str:
        return "".join(iter_csv([Table(dataset.title or "", dataset.headers, dataset)]))
