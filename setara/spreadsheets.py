"""Spreadsheet files of every export (reports, participant lists, the referral
pathway): .xlsx and .csv, written one way for all apps.

Each export is a list of ``Table``s: a header row, then a generator of rows (the
exporter shape of pretix's ``ListExporter.iterate_list``). The same tables feed both
writers, so an .xlsx and a .csv of one report always hold the same cells.

The .xlsx writer is XlsxWriter in constant-memory mode: each row goes to a
temporary file as soon as the next one starts, so memory stays flat however many
rows there are. It was measured against openpyxl's write-only mode (with lxml, its
fast path) on 300,000 rows of 15 columns shaped like the participant export, with
the same formatting: XlsxWriter 29 s, openpyxl 48 s on the same 2-core machine, at
the same peak memory (about 80 MB) (README, "Benchmarks"). django-import-export's
default path builds the whole sheet in memory first, far too much for 100,000
participants.

Large exports run as background jobs (``jobs``): ``write_xlsx`` and ``write_csv``
write to a file object and report progress every ``PROGRESS_EVERY`` rows. Small
ones stream straight back to the browser (``SpreadsheetExportMixin``).

Cells are written safely: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return stays text and is never run as a formula (OWASP, "CSV
Injection"). In .xlsx the cell is written as a string (never a formula: XlsxWriter's
``strings_to_formulas`` is off) with Excel's quote prefix; in .csv it gets a
leading apostrophe, which the spreadsheet shows (a .csv has no other way to say
"text"). Numbers and dates keep their types. A .csv of the app's exports follows
the interface language (``;`` and decimal commas in Indonesian), and its text
columns keep phone numbers and NIK whole: ``setara.csv_dialects`` says how.

Stored text never breaks a file: characters XML 1.0 does not allow (control
characters other than tab, newline and carriage return, which openpyxl refuses with
``IllegalCharacterError`` and XlsxWriter would keep as visible ``_x0007_`` escapes;
lone surrogates; U+FFFE and U+FFFF) are removed from
every text cell, header and title, in .xlsx and .csv alike, so both files still hold
the same cells. Text is cleaned when it is written (``setara.text``), but a row
written before that, or by raw SQL, must still export.
"""

import csv
import datetime
import decimal
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from import_export.formats import base_formats

from .admin_imports import csv_dataset, xlsx_dataset
from .csv_dialects import CSV_PLAIN, CsvDialect, csv_dialect, text_formula
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
#: Rows between two calls of a writer's ``progress`` callback.
PROGRESS_EVERY = 1000
#: XlsxWriter options: constant memory (rows are flushed to a temporary file one
#: by one, so they must come in order); text is always written as text, never
#: turned into a formula, number or link; aware datetimes lose their zone (Excel
#: has none) instead of raising.
XLSX_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "remove_timezone": True,
}


@dataclass
class Table:
    """One sheet of an export: ``title`` (the sheet name, at most 31 characters
    are kept), ``header`` (column labels in the active language) and ``rows`` (an
    iterable of lists as long as the header; None for an empty cell).

    ``text_columns`` are the indexes of columns that are always text, such as phone
    numbers and NIK, so Excel keeps their leading 0 and all 16 digits;
    ``formats`` maps a column index to an Excel number format (``MONTH_FORMAT``);
    other dates get ``DATE_FORMAT``; ``widths`` are column widths in Excel's
    character units (by default, from the header's length). A ``cover`` says what
    the file holds (such as the filters it was made with); an .xlsx opens on the
    first sheet that is not one.
    """

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]
    text_columns: frozenset[int] = field(default_factory=frozenset)
    formats: dict[int, str] = field(default_factory=dict)
    widths: Sequence[int] = ()
    cover: bool = False


def cell_safe(value):
    """``value`` with the characters no spreadsheet may hold removed
    (``ILLEGAL_CHARACTERS_RE``) when it is text; anything else unchanged."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def is_formula_like(value) -> bool:
    """True for text that a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_value(value, dialect: CsvDialect = CSV_PLAIN):
    """A cell for the .csv writer: formula-like text gets a leading apostrophe,
    floats and Decimals take ``dialect``'s decimal mark, dates its date form
    (18/10/2023), None is an empty cell; characters no spreadsheet may hold are
    removed (``cell_safe``)."""
    if value is None:
        return ""
    value = cell_safe(value)
    if type(value) is float or isinstance(value, decimal.Decimal):
        return dialect.number(value)
    if isinstance(value, datetime.date):
        return dialect.date(value)
    if is_formula_like(value):
        return "'" + value
    return value


def csv_text_value(value, dialect: CsvDialect = CSV_PLAIN):
    """A cell of a text column (phone, NIK, code) for the .csv writer: ``="…"``
    when a spreadsheet would read it as a number (``csv_dialects.text_formula``),
    else as ``csv_value``."""
    if value is None:
        return ""
    text = cell_safe(str(value))
    return text_formula(text) or csv_value(text, dialect)


#: Text an .xlsx cell cannot hold as it is: ``ILLEGAL_CHARACTERS_RE`` plus the
#: carriage return, which XlsxWriter would write as a visible ``_x000D_`` escape.
_XLSX_UNSAFE_RE = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")


def _xlsx_text(value: str) -> tuple[str, bool]:
    """``value`` ready for an .xlsx cell, and whether it is formula-like (checked
    after removing what no cell may hold, before the carriage returns become line
    feeds, as XML readers turn them anyway)."""
    value = cell_safe(value)
    formula = value.startswith(FORMULA_PREFIXES)
    return value.replace("\r\n", "\n").replace("\r", "\n"), formula


class _SheetWriter:
    """Writes the rows of one ``Table`` to an XlsxWriter worksheet, typed and
    formatted: numbers as numbers, dates with ``DATE_FORMAT`` (or the column's
    format from ``Table.formats``), text columns as text (``TEXT_FORMAT``),
    formula-like text as a string with Excel's quote prefix. Anything else (a
    Decimal, a lazy translation) goes through XlsxWriter's ``write``.

    The loop is the hot path of every large export (about 3 microseconds a cell
    here), so it checks the common types with ``type() is`` first.
    """

    def __init__(self, workbook, sheet, table: "Table"):
        self.workbook = workbook
        self.sheet = sheet
        self.table = table
        self.text = workbook.add_format({"num_format": TEXT_FORMAT})
        self.quoted_text = workbook.add_format(
            {"num_format": TEXT_FORMAT, "quote_prefix": True}
        )
        self.quoted = workbook.add_format({"quote_prefix": True})
        self.date_formats: dict[int, object] = {}

    def date_format(self, index: int):
        """The cell format of dates in column ``index`` (made once per column)."""
        cell_format = self.date_formats.get(index)
        if cell_format is None:
            number_format = self.table.formats.get(index, DATE_FORMAT)
            cell_format = self.workbook.add_format({"num_format": number_format})
            self.date_formats[index] = cell_format
        return cell_format

    def write_rows(self, first_row: int, progress, written: int) -> int:
        """Write the table's rows from row ``first_row`` (0-based) on; returns
        ``written`` plus the rows written, calling ``progress`` with that running
        total every ``PROGRESS_EVERY`` rows."""
        sheet, text_columns = self.sheet, self.table.text_columns
        write_string, write_number = sheet.write_string, sheet.write_number
        search = _XLSX_UNSAFE_RE.search
        text, quoted_text, quoted = self.text, self.quoted_text, self.quoted
        row_number = first_row
        for row in self.table.rows:
            for index, value in enumerate(row):
                if value is None:
                    continue
                kind = type(value)
                if index in text_columns:
                    value = value if kind is str else str(value)
                    if search(value):
                        value, formula = _xlsx_text(value)
                    else:
                        formula = value.startswith(FORMULA_PREFIXES)
                    write_string(
                        row_number, index, value, quoted_text if formula else text
                    )
                elif kind is str:
                    if search(value):
                        value, formula = _xlsx_text(value)
                    else:
                        formula = value.startswith(FORMULA_PREFIXES)
                    if formula:
                        write_string(row_number, index, value, quoted)
                    else:
                        write_string(row_number, index, value)
                elif kind is int or kind is float:
                    write_number(row_number, index, value)
                elif isinstance(value, datetime.date | datetime.time):
                    sheet.write_datetime(
                        row_number, index, value, self.date_format(index)
                    )
                else:
                    self.write_other(row_number, index, value)
            row_number += 1
            written += 1
            if progress is not None and not written % PROGRESS_EVERY:
                progress(written)
        return written

    def write_other(self, row_number: int, index: int, value) -> None:
        """A value of a rarer type: bool, Decimal, timedelta as themselves; any
        other object as its text, checked like any text."""
        if isinstance(value, bool | int | float | decimal.Decimal | datetime.timedelta):
            self.sheet.write(row_number, index, value)
            return
        value, formula = _xlsx_text(str(value))
        if formula:
            self.sheet.write_string(row_number, index, value, self.quoted)
        else:
            self.sheet.write_string(row_number, index, value)


def _utf16_length(text: str) -> int:
    """``text``'s length as Excel counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _sheet_title(title: str, used: set[str]) -> str:
    """An Excel sheet name: at most 31 characters (UTF-16 units), none of
    ``[]:*?/\\``, not starting or ending with an apostrophe, unique ignoring case."""
    clean = "".join(" " if c in "[]:*?/\\" else c for c in cell_safe(str(title)))
    clean = clean.strip().strip("'").strip()

    def cut(text: str, limit: int) -> str:
        text = text[:limit]
        while _utf16_length(text) > limit:
            text = text[:-1]
        return text.rstrip("'")

    clean = cut(clean, 31)
    name, number = clean or "Sheet", 2
    while name.lower() in used:
        suffix = f" ({number})"
        name, number = cut(clean, 31 - len(suffix)) + suffix, number + 1
    used.add(name.lower())
    return name


def write_xlsx(tables: Iterable[Table], out, *, progress=None) -> int:
    """Write ``tables`` as one sheet each to ``out`` (a path or a seekable binary
    file, left open); returns the number of rows written (headers and covers'
    rows not counted).

    The header row is bold and frozen, so it stays in view while scrolling.
    ``progress``, if given, is called with the rows written so far (all sheets
    together) every ``PROGRESS_EVERY`` rows and once at the end. Raises what the
    row generators raise; the file is then incomplete and must be discarded.
    """
    workbook = xlsxwriter.Workbook(out, XLSX_OPTIONS)
    bold = workbook.add_format({"bold": True})
    used: set[str] = set()
    written, opening = 0, None
    try:
        for table in tables:
            sheet = workbook.add_worksheet(_sheet_title(table.title, used))
            sheet.freeze_panes(1, 0)
            for index, label in enumerate(table.header):
                width = min(max(len(str(label)) + 2, 10), 50)
                if index < len(table.widths):
                    width = table.widths[index]
                sheet.set_column(index, index, width)
                sheet.write_string(0, index, cell_safe(str(label)), bold)
            if table.cover:  # its rows are not counted
                _SheetWriter(workbook, sheet, table).write_rows(1, None, 0)
                continue
            written = _SheetWriter(workbook, sheet, table).write_rows(
                1, progress, written
            )
            if opening is None:
                opening = sheet
        if opening is not None:
            opening.activate()  # after the covers: the file opens on the data
    finally:
        workbook.close()  # also removes its temporary files
    if progress is not None:
        progress(written)
    return written


class _Echo:
    """A file-like object whose ``write`` returns the line, for csv.writer."""

    def write(self, value):
        return value


def _csv_lines(tables: Iterable[Table], progress, dialect) -> Iterator[str]:
    """The lines of ``iter_csv``; ``progress`` is called with the data rows
    written so far every ``PROGRESS_EVERY`` rows and once at the end."""
    tables = list(tables)
    writer = csv.writer(_Echo(), delimiter=dialect.delimiter)
    written = 0
    yield "\ufeff"
    for table in tables:
        if len(tables) > 1:
            yield writer.writerow([csv_value(table.title)])
        yield writer.writerow([csv_value(label) for label in table.header])
        text = table.text_columns
        for row in table.rows:
            yield writer.writerow(
                [
                    csv_text_value(value, dialect)
                    if text and index in text
                    else csv_value(value, dialect)
                    for index, value in enumerate(row)
                ]
            )
            if table.cover:
                continue
            written += 1
            if progress is not None and not written % PROGRESS_EVERY:
                progress(written)
        if len(tables) > 1:
            yield writer.writerow([])
    if progress is not None:
        progress(written)


def iter_csv(tables: Iterable[Table], *, dialect=CSV_PLAIN) -> Iterator[str]:
    """Yield the lines of a .csv of ``tables``: starting with a byte-order mark so
    Excel reads UTF-8; when there are several tables, each starts with its title
    on a line of its own and ends with an empty line. ``dialect``: separator,
    decimal mark and dates (the app's exports pass ``csv_dialect()``)."""
    return _csv_lines(tables, None, dialect)


def write_csv(tables: Iterable[Table], out, *, progress=None, dialect=CSV_PLAIN):
    """Write ``tables`` as UTF-8 .csv (byte-order mark first, lines as
    ``iter_csv``) to ``out``, a binary file left open; returns the number of data
    rows written (headers and titles not counted). ``progress`` as ``write_xlsx``.
    """
    rows = []

    def count(written: int) -> None:
        rows[:] = [written]
        if progress is not None:
            progress(written)

    buffer = []
    for line in _csv_lines(tables, count, dialect):
        buffer.append(line)
        if len(buffer) >= 500:
            out.write("".join(buffer).encode("utf-8"))
            buffer.clear()
    out.write("".join(buffer).encode("utf-8"))
    return rows[0]


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
    response = FileResponse(spool, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_header(filename)
    return response


def csv_response(
    tables: Iterable[Table], filename: str, *, dialect=CSV_PLAIN
) -> StreamingHttpResponse:
    """An attachment response streaming ``tables`` as UTF-8 .csv in ``dialect``."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in iter_csv(tables, dialect=dialect)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = attachment_header(filename)
    return response


def attachment_header(filename: str) -> str:
    """The Content-Disposition of a download named ``filename``: ``filename`` in
    ASCII (characters outside it dropped) and RFC 6266's ``filename*`` in UTF-8,
    which browsers prefer. The exports' names are ASCII slugs already."""
    plain = filename.encode("ascii", "ignore").decode().replace('"', "")
    plain = plain.replace("\\", "")
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{encoded}"


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
            return csv_response(tables, name, dialect=csv_dialect())
        return xlsx_response(tables, name)


class SafeXLSX(base_formats.XLSX):
    """django-import-export's .xlsx format, exporting through ``write_xlsx`` so an
    admin export is formula-safe like every other file, and importing the active
    sheet within the upload limits (``setara.admin_imports.xlsx_dataset``)."""

    def create_dataset(self, in_stream):
        return xlsx_dataset(in_stream)

    def export_data(self, dataset, **kwargs) -> bytes:
        buffer = io.BytesIO()
        write_xlsx([Table(dataset.title or "Export", dataset.headers, dataset)], buffer)
        return buffer.getvalue()


class SafeCSV(base_formats.CSV):
    """django-import-export's .csv format, exporting through ``iter_csv`` (formula
    guard, UTF-8 with a byte-order mark for Excel), and importing within the
    upload limits (``setara.admin_imports.csv_dataset``)."""

    def create_dataset(self, in_stream, **kwargs):
        return csv_dataset(in_stream)

    def export_data(self, dataset, **kwargs) -> str:
        return "".join(iter_csv([Table(dataset.title or "", dataset.headers, dataset)]))
