"""Read the sign-in sheets and registration lists staff have into raw rows, and
find their header. No database access.

``read_table`` turns the bytes of an ``.xlsx`` or ``.csv`` file into ``Sheet``s of
raw cell values (numbered as Excel numbers them), refusing files that are not
spreadsheets, empty, password-protected, too big or too long. ``first_header``
then locates the header row (it may sit under a title block) and maps its cells to
fields through ``HEADER_SYNONYMS`` and to training days. Cleaning the rows is the
training import's job (``trainings.imports.rows``), with the cell parsers of
``participants.normalisation``.

Problems hold the cell values the user typed, which are personal data: they are
shown to the user who uploaded the file and never logged.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from setara.upload_limits import UploadLimitError, csv_rows, decode_csv
from setara.xlsx_limits import check_workbook, sheet_rows

from .normalisation import CellError, cell_text, is_blank, normalise_key, parse_date

#: Largest file accepted, in bytes (``UPLOAD_MAX_FILE_BYTES``, 10 MB); the upload
#: form, the ``import_participants`` command and ``read_table`` all check this one
#: number. The other limits on a file's content: ``setara.upload_limits``.
MAX_FILE_BYTES = settings.UPLOAD_MAX_FILE_BYTES
#: ``MAX_FILE_BYTES`` in megabytes, as messages show it.
MAX_FILE_MB = MAX_FILE_BYTES // (1024 * 1024)
#: Most data rows accepted in one file (``UPLOAD_MAX_ROWS``, 20,000).
MAX_ROWS = settings.UPLOAD_MAX_ROWS
#: How many rows from the top are searched for the header row.
HEADER_SCAN_ROWS = 30
#: Most characters of a cell a Problem keeps.
PROBLEM_VALUE_CHARS = 200

#: Field -> header texts that name it, compared after ``normalise_key`` (so case,
#: dots, slashes and spacing do not matter: "No. HP" and "no hp" are the same).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "full_name": (
        "nama",
        "nama lengkap",
        "nama peserta",
        "nama gelar",
        "nama dan gelar",
        "nama lengkap dan gelar",
        "name",
        "full name",
    ),
    "sex": ("l p", "lp", "jk", "jenis kelamin", "sex", "gender"),
    "agency": (
        "instansi",
        "lembaga",
        "organisasi",
        "asal instansi",
        "asal lembaga",
        "unit kerja",
        "agency",
        "organisation",
        "organization",
    ),
    "position": ("jabatan", "position"),
    "phone": (
        "no hp",
        "nomor hp",
        "no telp",
        "no telepon",
        "nomor telepon",
        "telepon",
        "telp",
        "hp",
        "no wa",
        "wa",
        "whatsapp",
        "no whatsapp",
        "phone",
        "phone number",
    ),
    "nik": ("nik", "no nik", "nomor nik"),
    "village": ("desa", "kelurahan", "kel", "desa kelurahan", "desa kel", "village"),
    "district": ("kecamatan", "kec", "district"),
    "birth_date": (
        "tanggal lahir",
        "tgl lahir",
        "tempat tanggal lahir",
        "tempat tgl lahir",
        "ttl",
        "date of birth",
        "birth date",
    ),
    "email": ("email", "e mail", "alamat email", "surel"),
    # Test scores (trainings.scores): "Pre-test", "Nilai awal", "Post test"...
    "pre_score": (
        "pre test",
        "pretest",
        "nilai awal",
        "nilai pre test",
        "nilai pretest",
        "skor pre test",
        "pre test score",
    ),
    "post_score": (
        "post test",
        "posttest",
        "nilai akhir",
        "nilai post test",
        "nilai posttest",
        "skor post test",
        "post test score",
    ),
}
_HEADER_LOOKUP = {key: name for name, keys in HEADER_SYNONYMS.items() for key in keys}
#: Columns without which nothing can be imported.
REQUIRED_FIELDS = ("full_name", "sex")
#: How each field is named in messages.
FIELD_LABELS = {
    "full_name": _("Name"),
    "sex": _("Sex (L/P)"),
    "agency": _("Agency"),
    "position": _("Position"),
    "phone": _("Phone"),
    "nik": _("NIK"),
    "village": _("Village"),
    "district": _("District (kecamatan)"),
    "birth_date": _("Date of birth"),
    "email": _("Email"),
    "pre_score": _("Pre-test"),
    "post_score": _("Post-test"),
}


_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: .xls or an encrypted .xlsx
_ZIP_MAGIC = b"PK\x03\x04"
_DAY_HEADER_RE = re.compile(r"^(?:hari|day|h)\s*(?:ke\s*)?(\d{1,2})(?:\s|$)")


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``str(error)`` tells the user why."""


@dataclass(frozen=True)
class Problem:
    """Something that stops the import, located as the user sees it in Excel.

    ``row`` is the spreadsheet row number (1-based, as Excel shows it; ``None`` for a
    problem with the file or a column), ``column`` the column letter, ``header`` the
    column's header text and ``value`` the cell as read (its first
    ``PROBLEM_VALUE_CHARS`` characters: enough to find it, and a file of 20,000
    rows of long cells keeps its problems small).
    """

    message: str
    row: int | None = None
    column: str = ""
    header: str = ""
    value: str = ""

    def __post_init__(self):
        if isinstance(self.value, str) and len(self.value) > PROBLEM_VALUE_CHARS:
            shown = self.value[: PROBLEM_VALUE_CHARS - 1] + "…"
            object.__setattr__(self, "value", shown)

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(gettext("Row %(row)s") % {"row": self.row})
        if self.column:
            column = gettext("column %(letter)s") % {"letter": self.column}
            if self.header:
                column += f" ({self.header})"
            where.append(column)
        if self.row is not None and self.column and self.value:
            where.append(gettext("value “%(value)s”") % {"value": self.value})
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else str(self.message)


# Reading files ------------------------------------------------------------------


@dataclass
class Sheet:
    """Raw rows of one sheet: ``rows`` are ``(row_number, values)`` pairs, the row
    number as Excel shows it, values as read (text, int, float, datetime, None)."""

    rows: list[tuple[int, Sequence[Any]]]
    title: str = ""
    #: Merged cell ranges as ``(min_col, min_row, max_col, max_row)``, 1-based.
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    def merged_fill(self, below: int) -> dict[tuple[int, int], Any]:
        """``(row number, column index) -> value`` for the cells hidden by a
        vertical merge below row ``below``: sheets merge one agency's cell over the
        rows of its people, and each of those people belongs to it."""
        ranges = [
            (min_col, min_row, max_row)
            for min_col, min_row, max_col, max_row in self.merged
            if min_col == max_col and max_row > min_row and min_row > below
        ]
        if not ranges:
            return {}
        by_number = dict(self.rows)
        fill = {}
        for column, top, bottom in ranges:
            values = by_number.get(top, ())
            value = values[column - 1] if column - 1 < len(values) else None
            if not is_blank(value):
                for number in range(top + 1, bottom + 1):
                    fill[(number, column - 1)] = value
        return fill


def check_file_size(size: int) -> None:
    """Raise ImportFileError when a file of ``size`` bytes is over
    ``MAX_FILE_BYTES``."""
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)s MB. Split it into smaller files.")
            % {"size": MAX_FILE_MB}
        )


def read_table(data: bytes, filename: str) -> list[Sheet]:
    """Read every sheet of an ``.xlsx`` file, or the one table of a ``.csv`` file.

    CSV may be UTF-8 (with or without BOM) or Windows-1252, delimited by comma,
    semicolon or tab; the delimiter is the one under which a header row is found.
    Raises ImportFileError for files over ``MAX_FILE_BYTES``, empty files, files
    that are not spreadsheets, old ``.xls`` and password-protected workbooks, and
    files past an upload limit (``setara.upload_limits``; the message names it).
    """
    check_file_size(len(data))
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if data.startswith(_CFB_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise ImportFileError(
                _(
                    "The workbook is protected with a password. Open it in Excel, "
                    "remove the password (File > Info > Protect Workbook) and save "
                    "it again."
                )
            )
        raise ImportFileError(
            _("This is an old .xls file. Open it in Excel and save it as .xlsx.")
        )
    if data.startswith(_ZIP_MAGIC):
        # openpyxl warns about parts it ignores (data validation, styles); a sheet
        # from Excel is fine without them, and the warnings would only fill logs.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _read_workbook(data)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise ImportFileError(_not_a_spreadsheet())
    return [_read_csv(data)]


def _not_a_spreadsheet():
    return _(
        "This file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV "
        "file."
    )


def _read_workbook(data: bytes) -> list[Sheet]:
    """The first sheet whose top rows hold a header, read in full; if no sheet has
    one, the top rows of every sheet (so the caller can say what is missing)."""
    try:
        scans = check_workbook(data)  # before openpyxl opens it
        workbook = load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except UploadLimitError as error:
        raise ImportFileError(str(error)) from None
    except Exception:  # broken zips and parts raise many kinds of error
        raise ImportFileError(_not_a_spreadsheet()) from None
    sheets = []
    try:
        for worksheet in workbook.worksheets:
            rows, scan = sheet_rows(worksheet, scans)
            rows = _non_empty_rows(rows)
            top = list(itertools.islice(rows, HEADER_SCAN_ROWS))
            if find_header(top) is not None:
                rows = top + list(rows)
                return [Sheet(rows=rows, title=worksheet.title, merged=scan.merged)]
            sheets.append(Sheet(rows=top, title=worksheet.title))
    except ImportFileError:
        raise
    except UploadLimitError as error:
        raise ImportFileError(str(error)) from None
    except Exception:
        raise ImportFileError(_not_a_spreadsheet()) from None
    finally:
        workbook.close()
    if not any(sheet.rows for sheet in sheets):
        raise ImportFileError(_("The workbook has no data."))
    return sheets


def _non_empty_rows(rows: Iterable[Sequence[Any]]):
    """``(row number, values)`` of the rows with any value, numbered from 1;
    raises ImportFileError past ``MAX_ROWS`` rows (plus room for a title)."""
    count = 0
    for number, values in enumerate(rows, 1):
        # Most empty rows are all None (the gaps openpyxl fills): counted in C.
        if values.count(None) < len(values) and any(not is_blank(v) for v in values):
            count += 1
            if count > MAX_ROWS + HEADER_SCAN_ROWS:
                raise too_many_rows()
            yield number, values


def too_many_rows() -> ImportFileError:
    """The error for a file of more than ``MAX_ROWS`` rows (to raise)."""
    return ImportFileError(
        _("The file has more than %(max)s rows. Split it into smaller files.")
        % {"max": f"{MAX_ROWS:,}".replace(",", ".")}
    )


def decode_text(data: bytes) -> str:
    """Decode CSV bytes as ``setara.upload_limits.decode_csv`` does (UTF-16 with a
    byte-order mark, UTF-8, else Windows-1252). Raises ImportFileError for binary
    data (a NUL in the first 4 KB), UploadLimitError for a NUL further on."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(_not_a_spreadsheet())
    return decode_csv(data)


def _read_csv(data: bytes) -> Sheet:
    """The one table of a CSV file; a file past an upload limit (a huge cell, an
    unclosed quote swallowing the rest of the file) or that the csv module cannot
    read is an ImportFileError."""
    try:
        return _parse_csv(data)
    except UploadLimitError as error:
        raise ImportFileError(str(error)) from None
    except (csv.Error, UnicodeDecodeError):
        raise ImportFileError(_not_a_spreadsheet()) from None


def _parse_csv(data: bytes) -> Sheet:
    text = decode_text(data)
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    best = (0, ",")
    for delimiter in (",", ";", "\t"):
        top = itertools.islice(csv_rows(text, delimiter), HEADER_SCAN_ROWS)
        try:
            found = find_header(list(enumerate(top, 1)))
        except (UploadLimitError, csv.Error):
            continue  # the delimiter chosen is read in full, with its limits
        score = len(found[1]) if found else 0
        if score > best[0]:
            best = (score, delimiter)
    return Sheet(rows=list(_non_empty_rows(csv_rows(text, best[1]))))


# Header -------------------------------------------------------------------------


def header_field(text: Any) -> str | None:
    """The field a header cell names (``"No. HP"`` -> ``"phone"``), or None.

    Matching ignores case, punctuation and spacing, a note in brackets
    (``"Jenis Kelamin (L/P)"``), and accepts two synonyms joined by a slash
    (``"Instansi / Lembaga"``, ``"Desa/Kelurahan"``).
    """
    if isinstance(text, (datetime.date, int, float)) or is_blank(text):
        return None
    raw = str(text)
    for candidate in (raw, re.sub(r"\(.*?\)", " ", raw)):
        key = normalise_key(candidate)
        if key in _HEADER_LOOKUP:
            return _HEADER_LOOKUP[key]
        parts = {_HEADER_LOOKUP.get(normalise_key(p)) for p in candidate.split("/")}
        if len(parts) == 1 and None not in parts:
            return parts.pop()
    return None


def header_day(text: Any, days: Sequence[datetime.date]) -> int | None:
    """The 0-based index in ``days`` of an attendance column header, or None if
    the header is not a day.

    ``"Hari 1"``, ``"Day 2"``, ``"H3"``, ``"Hari ke-1 (18/10)"`` give their number
    minus one (which may lie outside ``days``: the caller reports it); a date cell
    or date text (``"18/10/2023"``, ``"18 Okt 2023"``, ``"18/10"``) gives the index
    of that training day, or ``-1`` if it is a date outside the training.
    """
    if is_blank(text) or isinstance(text, (int, float)):
        return None
    if not isinstance(text, (datetime.date, datetime.datetime)):
        key = normalise_key(str(text))
        if match := _DAY_HEADER_RE.match(key):
            return int(match.group(1)) - 1
        short = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})", str(text).strip())
        if short:
            day, month = int(short.group(1)), int(short.group(2))
            for index, date in enumerate(days):
                if (date.day, date.month) == (day, month):
                    return index
            return None
    try:
        date = parse_date(text)
    except CellError:
        return None
    if date is None:
        return None
    return days.index(date) if date in days else -1


@dataclass
class Header:
    """Where the header is and what its columns mean.

    ``row_number`` is the last header row (a second row when day columns sit under
    a merged "Kehadiran" cell); ``fields`` maps field -> 0-based column index;
    ``days`` maps column index -> index in the training's days; ``labels`` maps
    column index -> header text as written.
    """

    row_number: int
    fields: dict[str, int]
    days: dict[int, int] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)
    bad_days: list[tuple[int, str]] = field(default_factory=list)


def _recognise(values: Sequence[Any]) -> dict[str, int]:
    fields: dict[str, int] = {}
    for index, value in enumerate(values):
        name = header_field(value)
        if name and name not in fields:
            fields[name] = index
    return fields


def find_header(
    rows: Sequence[tuple[int, Sequence[Any]]],
) -> tuple[int, dict[str, int]] | None:
    """Find the header among the first ``HEADER_SCAN_ROWS`` rows: the row that
    names a name column and at least one other known column, preferring the row
    that names most. Returns ``(position in rows, field -> column index)``, or None.
    """
    best = None
    for position, (_number, values) in enumerate(rows[:HEADER_SCAN_ROWS]):
        fields = _recognise(values)
        recognised = "full_name" in fields and len(fields) >= 2
        if recognised and (best is None or len(fields) > len(best[1])):
            best = (position, fields)
    return best


def read_header(
    rows: Sequence[tuple[int, Sequence[Any]]], days: Sequence[datetime.date]
) -> tuple[Header, int]:
    """The header of a sheet's rows, and the position in ``rows`` where data starts.

    Raises ImportFileError when no header row is found or a required column is
    missing, naming the column and the headers it may have.
    """
    found = find_header(rows)
    if found is None:
        raise ImportFileError(
            _(
                "No header row found in the first %(rows)s rows. The header needs a "
                "name column (Nama, Nama Lengkap or Name) and a sex column (L/P, "
                "JK, Jenis Kelamin, Sex or Gender)."
            )
            % {"rows": HEADER_SCAN_ROWS}
        )
    position, fields = found
    number, values = rows[position]
    header = Header(row_number=number, fields=fields)
    header_rows = [values]
    if _is_second_header_row(rows, position, fields, days):
        header_rows.append(rows[position + 1][1])
        header.row_number = rows[position + 1][0]
        position += 1
    for values in header_rows:
        _read_header_cells(header, values, days)
    for name, index in header.fields.items():
        header.labels.setdefault(index, FIELD_LABELS[name])
    missing = [name for name in REQUIRED_FIELDS if name not in header.fields]
    if missing:
        name = missing[0]
        raise ImportFileError(
            _(
                "The required column “%(column)s” is missing. Add a column headed "
                "%(headers)s."
            )
            % {
                "column": FIELD_LABELS[name],
                "headers": _or_list(HEADER_SYNONYMS[name]),
            }
        )
    return header, position + 1


def _is_second_header_row(rows, position: int, fields: dict[str, int], days) -> bool:
    """Whether the row under the header row continues it, as day columns under a
    merged "Kehadiran" cell do: it names days or fields and has no name in the
    name column."""
    if position + 1 >= len(rows):
        return False
    number = rows[position][0]
    next_number, next_values = rows[position + 1]
    name_index = fields["full_name"]
    name_cell = next_values[name_index] if name_index < len(next_values) else None
    names_something = any(
        header_field(v) or header_day(v, days) is not None for v in next_values
    )
    return next_number == number + 1 and is_blank(name_cell) and names_something


def _read_header_cells(header: Header, values: Sequence[Any], days) -> None:
    """Add the fields, days and labels that one header row names to ``header``."""
    for index, value in enumerate(values):
        if is_blank(value):
            continue
        if index in header.fields.values():
            header.labels[index] = cell_text(value)
            continue
        name = header_field(value)
        if name and name not in header.fields:
            header.fields[name] = index
            header.labels[index] = cell_text(value)
            continue
        day = header_day(value, days)
        if day is None:
            continue
        header.labels[index] = cell_text(value)
        if 0 <= day < len(days):
            header.days[index] = day
        else:
            header.bad_days.append((index, cell_text(value)))


def first_header(
    sheets: Sequence[Sheet], days: Sequence[datetime.date]
) -> tuple[Sheet, Header, int]:
    """The first of ``sheets`` that has a header: ``(sheet, header, position in
    its rows where data starts)``. Raises the ImportFileError of the first sheet
    when none has a header (or a required column)."""
    first_error = None
    for sheet in sheets:
        try:
            header, start = read_header(sheet.rows, days)
        except ImportFileError as error:
            first_error = first_error or error
            continue
        return sheet, header, start
    raise first_error or ImportFileError(_("The workbook has no data."))


def _or_list(keys: Iterable[str]) -> str:
    shown = {"l p": "L/P", "lp": "LP", "jk": "JK", "nik": "NIK", "no hp": "No HP"}
    names = [shown.get(k, k.title()) for k in keys]
    return gettext("%(first)s or %(last)s") % {
        "first": ", ".join(names[:-1]),
        "last": names[-1],
    }
