"""Read participant lists from the sign-in sheets and registration lists staff have.

Three steps, each usable on its own:

1. ``read_table`` turns the bytes of an ``.xlsx`` or ``.csv`` file into rows of raw
   cell values (numbered as Excel numbers them), refusing files that are not
   spreadsheets, empty, password-protected, too big or too long.
2. ``find_header`` and ``parse_rows`` locate the header row (it may sit under a title
   block), map its cells to fields through ``HEADER_SYNONYMS``, and clean every data
   row with the value parsers (``parse_sex``, ``parse_nik``, ``parse_date``...),
   collecting every problem by row and column instead of stopping at the first.
3. ``plan_import`` compares the clean rows with the database (agencies, people
   already in the registry, people already enrolled) in a few queries
   per thousand rows, and applies the user's choices. ``participants.services
   .participants_import`` writes a plan that has no problems.

Between the preview and the confirm page, ``PendingImports`` keeps the uploaded
file (and its clean rows) in a private temporary directory under a random token
known only to the uploading session.

Nothing here writes to the database. Problems hold the cell values the user typed,
which are personal data: they are shown to the user who uploaded the file and never
logged.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime
import functools
import glob
import hashlib
import io
import itertools
import json
import os
import re
import secrets
import tempfile
import time
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter

from .normalisation import (
    InvalidPhoneNumber,
    collapse_whitespace,
    mask_nik,
    normalise_key,
    normalise_name,
    normalise_phone,
)

#: Largest file accepted, in bytes (10 MB).
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Most data rows accepted in one file.
MAX_ROWS = 20_000
#: How many rows of each kind the preview page lists; counts cover all rows.
PREVIEW_ROW_LIMIT = 200
#: How many rows from the top are searched for the header row.
HEADER_SCAN_ROWS = 30

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
    "village": ("desa", "kelurahan", "kel", "desa kelurahan", "village"),
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
    "birth_date": _("Date of birth"),
    "email": _("Email"),
}

#: Sex as written on sheets (after ``normalise_key``) -> stored value.
SEX_VALUES = {
    "l": "L",
    "laki laki": "L",
    "lakilaki": "L",
    "laki": "L",
    "pria": "L",
    "m": "L",
    "male": "L",
    "p": "P",
    "perempuan": "P",
    "wanita": "P",
    "f": "P",
    "female": "P",
}
SEX_ALLOWED_DISPLAY = "L, P, Laki-laki, Perempuan, Pria, Wanita, M, F, Male, Female"

#: Attendance marks (after lower-casing and trimming): present, and absent.
PRESENT_MARKS = frozenset({"v", "x", "✓", "✔", "√", "1", "hadir", "ya", "y", "yes"})
ABSENT_MARKS = frozenset({"", "0", "-", "–", "tidak hadir", "tidak", "absen", "no"})

#: Month names and abbreviations, Indonesian and English, -> month number.
MONTHS = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "february": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip

#: Words in an agency's name (after ``normalise_key``) -> the type a new agency
#: gets, first match wins; from the agencies SETARA trains (../shared/DOMAIN.md):
#: APH units, service units, village groups, then government offices and NGOs.
AGENCY_TYPE_WORDS: list[tuple[str, frozenset[str]]] = [
    ("law_enforcement", frozenset({
        "polres", "polsek", "polda", "polri", "kepolisian", "satreskrim",
        "kejaksaan", "kejari", "kejati", "pengadilan",
    })),
    ("service_provider", frozenset({
        "uptd", "p2tp2a", "puspaga", "puskesmas", "rsud", "rumah", "sakit",
        "lpsk", "sapa",
    })),
    ("community", frozenset({
        "patbm", "forum", "karang", "taruna", "pkk", "posyandu", "kader",
    })),
    ("ngo", frozenset({"yayasan", "lsm", "lbh", "ngo", "perkumpulan"})),
    ("government", frozenset({
        "dinas", "dinsos", "disdik", "dp3a", "dppppa", "dp3akb", "dukcapil",
        "disdukcapil", "bappeda", "kecamatan", "kelurahan", "pemkab", "pemkot",
        "pemda", "pemerintah", "kantor", "sekretariat", "bupati", "walikota",
        "kemenag", "kua", "bapas", "kementerian",
    })),
]  # fmt: skip

# Excel's day 0 in the 1900 date system, shifted by its fictional 29 February 1900
# (ECMA-376 Part 1, 18.17.4.1): serial 1 is 1 January 1900, serial 61 is 1 March.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: .xls or an encrypted .xlsx
_ZIP_MAGIC = b"PK\x03\x04"
_DAY_HEADER_RE = re.compile(r"^(?:hari|day|h)\s*(?:ke\s*)?(\d{1,2})(?:\s|$)")
_SCIENTIFIC_RE = re.compile(r"^\d+(?:[.,]\d+)?e\+?\d+$", re.IGNORECASE)
_NUMERIC_DATE_RE = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?"
    r"(?:\s+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$"  # a time Excel adds in CSV
)
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t].*)?$")
_TEXT_DATE_RE = re.compile(r"^(\d{1,2})[\s\-/.]*([a-z]+)\.?[\s\-/.,]*(\d{2}|\d{4})?$")
_TOTALS_RE = re.compile(r"^(jumlah|total|jml)\b")


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``str(error)`` tells the user why."""


class CellError(ValueError):
    """A cell value is not acceptable; the message says what is allowed."""


@dataclass(frozen=True)
class Problem:
    """Something that stops the import, located as the user sees it in Excel.

    ``row`` is the spreadsheet row number (1-based, as Excel shows it; ``None`` for a
    problem with the file or a column), ``column`` the column letter, ``header`` the
    column's header text and ``value`` the cell as read.
    """

    message: str
    row: int | None = None
    column: str = ""
    header: str = ""
    value: str = ""

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


# Value parsers -------------------------------------------------------------------


def is_blank(value: Any) -> bool:
    """True for an empty cell: ``None`` or text of only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as text: whole numbers without ``.0``, dates as dd/mm/yyyy, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def parse_name(value: Any) -> str:
    """A name trimmed, with runs of whitespace collapsed, otherwise as written
    (titles, degrees, single names stay). Raises CellError when empty or longer
    than the 200 characters a name may have."""
    name = parse_text(value, max_length=200)
    if not name:
        raise CellError(_("The name is empty."))
    return name


def parse_text(value: Any, *, max_length: int | None = None) -> str:
    """Free text (agency, position, village): trimmed, whitespace collapsed.
    Raises CellError when longer than ``max_length`` characters."""
    text = collapse_whitespace(cell_text(value))
    if max_length is not None and len(text) > max_length:
        raise CellError(
            _("At most %(max)s characters; this has %(count)s.")
            % {"max": max_length, "count": len(text)}
        )
    return text


def parse_email(value: Any) -> str:
    """An email address, trimmed and lower-cased; empty gives ``""``. Raises
    CellError when it is not an address (Django's ``validate_email``)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    text = cell_text(value).lower()
    if not text:
        return ""
    try:
        validate_email(text)
    except ValidationError:
        raise CellError(_("Write an email address such as nama@contoh.id.")) from None
    return text


def guess_agency_type(name: str) -> str:
    """The ``Agency.Type`` value a new agency called ``name`` most likely has
    (``"Polres Maros"`` -> ``"law_enforcement"``, ``"PATBM Desa Tompobulu"`` ->
    ``"community"``), from ``AGENCY_TYPE_WORDS``; ``"other"`` when no word fits."""
    words = set(normalise_key(name).split())
    for agency_type, keywords in AGENCY_TYPE_WORDS:
        if words & keywords:
            return agency_type
    return "other"


def parse_sex(value: Any, *, blank_is_not_recorded: bool = False) -> str:
    """Return ``"L"`` or ``"P"`` from the ways sheets write sex, in any case and with
    stray spaces (``"p "``, ``"Laki-laki"``, ``"Wanita"``, ``"F"``).

    An empty cell gives ``""`` (not recorded) when ``blank_is_not_recorded``, and is
    a CellError otherwise; any other text is a CellError listing the allowed values.
    """
    text = normalise_key(cell_text(value))
    if not text:
        if blank_is_not_recorded:
            return ""
        raise CellError(
            _(
                "Sex is empty. Write L or P, or choose to import empty cells as "
                "“not recorded”."
            )
        )
    try:
        return SEX_VALUES[text]
    except KeyError:
        raise CellError(
            _("Sex must be one of: %(allowed)s.") % {"allowed": SEX_ALLOWED_DISPLAY}
        ) from None


def parse_phone(value: Any) -> str:
    """Return a phone number as ``+62...`` (see ``normalise_phone``); empty gives
    ``""``. Raises CellError for a number that cannot be Indonesian."""
    try:
        return normalise_phone(value)
    except InvalidPhoneNumber:
        raise CellError(
            _(
                "This is not an Indonesian phone number: write it as 08…, +62… or "
                "62… with 8 to 13 digits after the 0."
            )
        ) from None


def parse_nik(value: Any) -> str:
    """Return a NIK as text of exactly 16 digits; empty gives ``""``.

    A NIK that arrives as a number has already lost its 16th digit (Excel keeps 15
    significant digits, ECMA-376 / Microsoft "Excel specifications and limits"), and
    scientific notation (``7.30901E+15``) hides more: both are CellErrors asking for
    the column to be formatted as text. Spaces, dots and a leading apostrophe are
    ignored; any other length is a CellError.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError(
            _(
                "The NIK was saved as a number, so Excel has already changed its "
                "last digit. Format the NIK column as Text and type the NIK again."
            )
        )
    text = cell_text(value).lstrip("'’")
    if not text:
        return ""
    if _SCIENTIFIC_RE.match(text.replace(" ", "")):
        raise CellError(
            _(
                "The NIK is in scientific notation (like 7.30901E+15), so its digits "
                "are lost. Format the NIK column as Text and type the NIK again."
            )
        )
    digits = re.sub(r"[\s.\-]", "", text)
    if not re.fullmatch(r"\d{16}", digits):
        raise CellError(_("A NIK has exactly 16 digits."))
    return digits


def excel_serial_to_date(serial: float) -> datetime.date:
    """The date of an Excel serial number in the 1900 date system (1 = 1 Jan 1900).

    Raises CellError outside 1 January 1900 to 31 December 9999.
    """
    if not 1 <= serial < 2958466:
        raise CellError(_("This number is not an Excel date."))
    return _EXCEL_EPOCH + datetime.timedelta(days=int(serial))


def _make_date(year: int, month: int, day: int) -> datetime.date:
    if year < 100:
        # Two-digit years are birth years: never in the future.
        this_year = datetime.datetime.now(tz=datetime.UTC).year % 100
        year += 2000 if year <= this_year else 1900
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellError(
            _("This date does not exist. Write dates day first: 17/05/1990.")
        ) from None


def parse_date(value: Any) -> datetime.date | None:
    """Return a date from an Excel date cell, an Excel serial number, or day-first
    text: ``17/05/1990``, ``17-5-90``, ``17.05.1990``, ``17 Mei 1990``,
    ``17 May 1990``, ISO ``1990-05-17``, also after a place of birth
    (``Maros, 17 Mei 1990``, the "TTL" column). Empty gives ``None``.

    Text is never read month first: ``05/17/1990`` is a CellError (there is no
    month 17), as is any impossible date.
    """
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial_to_date(value)
    text = collapse_whitespace(str(value)).lower()
    place, comma, rest = text.rpartition(",")
    if comma and re.search(r"[a-z]", place) and not re.search(r"\d", place):
        text = rest.strip()  # "Maros, 17-05-1990": a TTL (place and date of birth)
    if re.fullmatch(r"\d{4,5}", text):
        return excel_serial_to_date(int(text))
    if match := _ISO_DATE_RE.match(text):
        year, month, day = (int(part) for part in match.groups())
        return _make_date(year, month, day)
    if match := _NUMERIC_DATE_RE.match(text):
        day, month, year = match.groups()
        if year is None:
            raise CellError(_("The year is missing. Write dates as 17/05/1990."))
        return _make_date(int(year), int(month), int(day))
    if match := _TEXT_DATE_RE.match(text):
        day, month_name, year = match.groups()
        month = MONTHS.get(month_name)
        if month is None or year is None:
            raise CellError(_("Write dates day first, as 17/05/1990 or 17 Mei 1990."))
        return _make_date(int(year), month, int(day))
    raise CellError(_("Write dates day first, as 17/05/1990 or 17 Mei 1990."))


def parse_attendance(value: Any) -> bool:
    """True for a present mark (v, V, x, ✓, 1, hadir...), False for an empty cell or
    an absent mark (0, -, tidak hadir). Anything else is a CellError."""
    text = cell_text(value).lower()
    if text in PRESENT_MARKS:
        return True
    if text in ABSENT_MARKS:
        return False
    raise CellError(
        _(
            "Mark present with v, x, ✓, 1 or hadir; absent with an empty cell, 0, - "
            "or tidak hadir."
        )
    )


# Reading files ------------------------------------------------------------------


@dataclass
class Table:
    """Raw rows of one sheet: ``rows`` are ``(row_number, values)`` pairs, the row
    number as Excel shows it, values as read (text, int, float, datetime, None)."""

    rows: list[tuple[int, Sequence[Any]]]
    sheet: str = ""
    #: Merged cell ranges as ``(min_col, min_row, max_col, max_row)``, 1-based.
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def read_table(data: bytes, filename: str) -> list[Table]:
    """Read every sheet of an ``.xlsx`` file, or the one table of a ``.csv`` file.

    CSV may be UTF-8 (with or without BOM) or Windows-1252, delimited by comma,
    semicolon or tab; the delimiter is the one under which a header row is found.
    Raises ImportFileError for files over ``MAX_FILE_BYTES``, empty files, files
    that are not spreadsheets, old ``.xls`` and password-protected workbooks.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)s MB. Split it into smaller files.")
            % {"size": MAX_FILE_BYTES // (1024 * 1024)}
        )
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
        return _read_xlsx(data)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise ImportFileError(_not_a_spreadsheet())
    return [_read_csv(data)]


def _not_a_spreadsheet():
    return _(
        "This file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV "
        "file."
    )


def _read_xlsx(data: bytes) -> list[Table]:
    """The first sheet whose top rows hold a header, read in full; if no sheet has
    one, the top rows of every sheet (so the caller can say what is missing)."""
    from openpyxl import load_workbook

    # openpyxl warns about parts it ignores (data validation, styles); a sheet
    # from Excel is fine without them, and the warnings would only fill logs.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _read_workbook(load_workbook, data)


def _read_workbook(load_workbook, data: bytes) -> list[Table]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # broken zips and parts raise many kinds of error
        raise ImportFileError(_not_a_spreadsheet()) from None
    tables = []
    try:
        for sheet in workbook.worksheets:
            rows = _non_empty_rows(sheet.iter_rows(values_only=True))
            top = list(itertools.islice(rows, HEADER_SCAN_ROWS))
            if find_header(top) is not None:
                return [
                    Table(
                        rows=top + list(rows),
                        sheet=sheet.title,
                        merged=_merged_ranges(data, sheet),
                    )
                ]
            tables.append(Table(rows=top, sheet=sheet.title))
    except ImportFileError:
        raise
    except Exception:
        raise ImportFileError(_not_a_spreadsheet()) from None
    finally:
        workbook.close()
    if not any(table.rows for table in tables):
        raise ImportFileError(_("The workbook has no data."))
    return tables


def _merged_ranges(data: bytes, sheet) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a read-only sheet, read from its XML part.

    openpyxl's read-only mode (needed for speed) does not parse ``<mergeCells>``;
    they follow the cell data in the part (ECMA-376 Part 1, 18.3.1.55), so only
    the tail is searched. Returns ``[]`` when the part cannot be found.
    """
    from openpyxl.utils.cell import range_boundaries

    path = getattr(sheet, "_worksheet_path", None)
    if not path:
        return []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(path)
    end = xml.rfind(b"mergeCells")  # the closing tag, or a lone empty element
    if end < 0:
        return []
    start = xml.rfind(b"mergeCells", 0, end)  # the opening tag
    tail = xml[start if start >= 0 else end :]
    refs = re.findall(rb'mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', tail)
    return [range_boundaries(ref.decode()) for ref in refs]


def _merged_fill(table: Table, below: int) -> dict[tuple[int, int], Any]:
    """``(row number, column index) -> value`` for the cells hidden by a vertical
    merge below row ``below``: sheets merge one agency's cell over the rows of its
    people, and each of those people belongs to it."""
    ranges = [
        (min_col, min_row, max_row)
        for min_col, min_row, max_col, max_row in table.merged
        if min_col == max_col and max_row > min_row and min_row > below
    ]
    if not ranges:
        return {}
    by_number = dict(table.rows)
    fill = {}
    for column, top, bottom in ranges:
        values = by_number.get(top, ())
        value = values[column - 1] if column - 1 < len(values) else None
        if not is_blank(value):
            for number in range(top + 1, bottom + 1):
                fill[(number, column - 1)] = value
    return fill


def _non_empty_rows(rows: Iterable[Sequence[Any]]):
    """``(row number, values)`` of the rows with any value, numbered from 1;
    raises ImportFileError past ``MAX_ROWS`` rows (plus room for a title)."""
    count = 0
    for number, values in enumerate(rows, 1):
        if any(not is_blank(v) for v in values):
            count += 1
            if count > MAX_ROWS + HEADER_SCAN_ROWS:
                raise ImportFileError(_too_many_rows())
            yield number, values


def _too_many_rows():
    return _("The file has more than %(max)s rows. Split it into smaller files.") % {
        "max": f"{MAX_ROWS:,}".replace(",", ".")
    }


def decode_text(data: bytes) -> str:
    """Decode CSV bytes: UTF-8 (a BOM is dropped), else Windows-1252, the encoding
    Excel on Indonesian Windows uses for "CSV (comma delimited)"."""
    if b"\x00" in data[:4096]:
        raise ImportFileError(_not_a_spreadsheet())
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(data: bytes) -> Table:
    text = decode_text(data)
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    best = None
    for delimiter in (",", ";", "\t"):
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        rows = list(enumerate(itertools.islice(reader, HEADER_SCAN_ROWS), 1))
        found = find_header(rows)
        score = len(found[1]) if found else 0
        if best is None or score > best[0]:
            best = (score, delimiter)
    reader = csv.reader(io.StringIO(text), delimiter=best[1])
    return Table(rows=list(_non_empty_rows(reader)))


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
    """The header of a table, and the position in ``rows`` where data starts.

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
    # A second header row under merged cells ("Kehadiran" over Hari 1, Hari 2...):
    # taken when it names days or fields and has no name in the name column.
    if position + 1 < len(rows):
        next_number, next_values = rows[position + 1]
        name_index = fields["full_name"]
        name_cell = next_values[name_index] if name_index < len(next_values) else None
        names_something = any(
            header_field(v) or header_day(v, days) is not None for v in next_values
        )
        if next_number == number + 1 and is_blank(name_cell) and names_something:
            header_rows.append(next_values)
            header.row_number = next_number
            position += 1
    for values in header_rows:
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


def _or_list(keys: Iterable[str]) -> str:
    shown = {"l p": "L/P", "lp": "LP", "jk": "JK", "nik": "NIK", "no hp": "No HP"}
    names = [shown.get(k, k.title()) for k in keys]
    return gettext("%(first)s or %(last)s") % {
        "first": ", ".join(names[:-1]),
        "last": names[-1],
    }


# Rows ---------------------------------------------------------------------------


@dataclass
class ImportRow:
    """One clean data row; ``row`` is the spreadsheet row number.

    ``attendance`` maps each training day found in the file to present (True) or
    absent (False).
    """

    row: int
    full_name: str
    sex: str
    agency: str = ""
    position: str = ""
    phone: str = ""
    nik: str = ""
    village: str = ""
    birth_date: datetime.date | None = None
    email: str = ""
    attendance: dict[datetime.date, bool] = field(default_factory=dict)

    @functools.cached_property
    def name_key(self) -> str:
        return normalise_name(self.full_name)

    @functools.cached_property
    def agency_key(self) -> str:
        return normalise_key(self.agency)

    @property
    def nik_masked(self) -> str:
        return mask_nik(self.nik)


@dataclass
class ParsedFile:
    """The clean rows of a file, the problems found, and the header read."""

    rows: list[ImportRow]
    problems: list[Problem]
    header: Header | None = None
    skipped_rows: list[int] = field(default_factory=list)

    def to_json(self) -> dict:
        """The rows, problems and skipped rows as JSON-ready data (no header)."""
        rows = []
        for row in self.rows:
            data = dataclasses.asdict(row)
            data["birth_date"] = row.birth_date.isoformat() if row.birth_date else None
            data["attendance"] = [[d.isoformat(), p] for d, p in row.attendance.items()]
            rows.append(data)
        return {
            "rows": rows,
            "problems": [dataclasses.asdict(p) for p in self.problems],
            "skipped_rows": self.skipped_rows,
        }

    @classmethod
    def from_json(cls, data: dict) -> ParsedFile:
        """The inverse of ``to_json``."""
        rows = []
        for row in data["rows"]:
            birth_date = row["birth_date"]
            row = {
                **row,
                "birth_date": datetime.date.fromisoformat(birth_date)
                if birth_date
                else None,
                "attendance": {
                    datetime.date.fromisoformat(d): p for d, p in row["attendance"]
                },
            }
            rows.append(ImportRow(**row))
        return cls(
            rows=rows,
            problems=[Problem(**p) for p in data["problems"]],
            skipped_rows=list(data["skipped_rows"]),
        )


def _is_totals_row(values: Sequence[Any]) -> bool:
    for value in values:
        if not is_blank(value):
            return bool(_TOTALS_RE.match(normalise_key(cell_text(value))))
    return False


def _is_numbering_row(values: Sequence[Any]) -> bool:
    """The "(1) (2) (3)..." row some forms put under the header."""
    filled = [cell_text(v).strip("()") for v in values if not is_blank(v)]
    return len(filled) >= 3 and all(v.isdigit() for v in filled)


def parse_rows(
    tables: Sequence[Table],
    *,
    days: Sequence[datetime.date],
    blank_sex_is_not_recorded: bool = False,
) -> ParsedFile:
    """Clean every data row of the first table that has a header.

    Empty rows, a totals row ("Jumlah ...") and a column-numbering row are skipped;
    a row counts as empty when every column this import reads is empty (the "No"
    and signature columns are not read). Every cell problem is collected. Raises
    ImportFileError when no table has a header, a required column is missing, or
    the file has more than ``MAX_ROWS`` data rows.
    """
    # The resource's widgets are built on this module's parsers, hence the late
    # import.
    from .resources import ParticipantRowResource

    header = start = table = None
    first_error = None
    for candidate in tables:
        try:
            header, start = read_header(candidate.rows, days)
        except ImportFileError as error:
            first_error = first_error or error
            continue
        table = candidate
        break
    if table is None:
        raise first_error or ImportFileError(_("The workbook has no data."))

    problems = [
        Problem(
            message=gettext(
                "This day column is not one of the training's %(count)s days."
            )
            % {"count": len(days)},
            column=get_column_letter(index + 1),
            header=label,
        )
        for index, label in header.bad_days
    ]
    resource = ParticipantRowResource()
    read_columns = [*header.fields.values(), *header.days]
    parsed = ParsedFile(rows=[], problems=problems, header=header)
    data_rows = table.rows[start:]
    if data_rows and _is_numbering_row(data_rows[0][1]):
        parsed.skipped_rows.append(data_rows[0][0])
        data_rows = data_rows[1:]
    fill = _merged_fill(table, header.row_number)
    count = 0
    for number, values in data_rows:
        cells = {i: values[i] if i < len(values) else None for i in read_columns}
        if fill:
            for i in read_columns:
                if (number, i) in fill and is_blank(cells[i]):
                    cells[i] = fill[(number, i)]
        if all(is_blank(v) for v in cells.values()):
            continue
        if _is_totals_row(values):
            parsed.skipped_rows.append(number)
            continue
        count += 1
        if count > MAX_ROWS:
            raise ImportFileError(_too_many_rows())
        row_dict = {name: cells[index] for name, index in header.fields.items()}
        values_by_field, errors = resource.clean_row(
            row_dict, blank_sex_is_not_recorded=blank_sex_is_not_recorded
        )
        for name, message in errors.items():
            index = header.fields[name]
            parsed.problems.append(
                _cell_problem(number, index, header, cells[index], message, name)
            )
        attendance = {}
        for index, day in header.days.items():
            try:
                attendance[days[day]] = parse_attendance(cells[index])
            except CellError as error:
                parsed.problems.append(
                    _cell_problem(number, index, header, cells[index], error.args[0])
                )
        if not errors:
            parsed.rows.append(
                ImportRow(row=number, attendance=attendance, **values_by_field)
            )
    if not count and not parsed.problems:
        raise ImportFileError(_("The file has a header but no participant rows."))
    return parsed


def _cell_problem(number, index, header, value, message, name=None) -> Problem:
    shown = cell_text(value)
    if name == "nik" and len(re.sub(r"\D", "", shown)) >= 8:
        shown = mask_nik(shown)  # enough digits to identify someone
    return Problem(
        message=str(message),
        row=number,
        column=get_column_letter(index + 1),
        header=header.labels.get(index, ""),
        value=shown,
    )


def read_participant_file(
    data: bytes,
    filename: str,
    *,
    days: Sequence[datetime.date],
    blank_sex_is_not_recorded: bool = False,
) -> ParsedFile:
    """``read_table`` then ``parse_rows``: the clean rows of an uploaded file.

    Raises ImportFileError for a file that cannot be read at all.
    """
    tables = read_table(data, filename)
    return parse_rows(
        tables, days=days, blank_sex_is_not_recorded=blank_sex_is_not_recorded
    )


# Planning against the database --------------------------------------------------


def lookup_chunk() -> int:
    """Values per ``__in`` look-up: just under the database's parameter limit
    (SQLite: 999), else 5,000."""
    from django.db import connection

    limit = connection.features.max_query_params
    return max(limit - 99, 100) if limit else 5000


@dataclass
class ImportOptions:
    """The user's choices in the preview.

    ``agency_choices`` maps an unknown agency's key (``normalise_key`` of its name)
    to an existing agency's id; to the key of another unknown agency of the file
    that is created, meaning the same new agency ("DP3A Kab. Maros" and "Dinas
    Pemberdayaan Perempuan ... Kab. Maros"); or to None to create it (the
    default).
    ``rejected_rows`` are row numbers whose proposed match the user rejected: a new
    person is created instead. A match by NIK cannot be rejected (NIK is unique).
    """

    blank_sex_is_not_recorded: bool = False
    agency_choices: dict[str, int | str | None] = field(default_factory=dict)
    rejected_rows: set[int] = field(default_factory=set)

    def to_dict(self) -> dict:
        return {
            "blank_sex_is_not_recorded": self.blank_sex_is_not_recorded,
            "agency_choices": self.agency_choices,
            "rejected_rows": sorted(self.rejected_rows),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ImportOptions:
        return cls(
            blank_sex_is_not_recorded=bool(data.get("blank_sex_is_not_recorded")),
            agency_choices=dict(data.get("agency_choices") or {}),
            rejected_rows=set(data.get("rejected_rows") or ()),
        )


@dataclass
class UnknownAgency:
    """An agency name in the file that matches no agency or alias.

    ``choice`` is the id of the existing agency it means, or None to create it;
    ``same_as`` the key of another unknown agency it means (created once for
    both). ``candidates`` are agencies it matches ambiguously (several at once).
    """

    key: str
    name: str
    rows: list[int]
    choice: int | None = None
    same_as: str = ""
    candidates: list = field(default_factory=list)
    type: str = "other"

    @property
    def type_label(self) -> str:
        from .models import Agency

        return Agency.Type(self.type).label


@dataclass
class RowPlan:
    """What confirming does with one row.

    ``action`` is "create" (new person, enrolled), "match" (an existing person,
    enrolled), or "enrolled" (the person is already enrolled: skipped).
    ``match_reason`` is a key of ``participants.services.MATCH_REASONS``.
    """

    row: ImportRow
    action: str
    agency: Any = None  # an existing Agency, or None (new agency or no agency)
    match: Any = None  # the matched Participant
    match_reason: str = ""
    rejected: bool = False

    @property
    def can_reject(self) -> bool:
        return self.match is not None and self.match_reason != "nik"


@dataclass
class ImportPlan:
    """Everything the preview shows and the confirm step writes."""

    training: Any
    rows: list[RowPlan]
    unknown_agencies: list[UnknownAgency]
    problems: list[Problem]
    options: ImportOptions
    skipped_rows: list[int] = field(default_factory=list)

    @property
    def to_create(self) -> list[RowPlan]:
        return [p for p in self.rows if p.action == "create"]

    @property
    def to_match(self) -> list[RowPlan]:
        return [p for p in self.rows if p.match is not None or p.rejected]

    @property
    def already_enrolled(self) -> list[RowPlan]:
        return [p for p in self.rows if p.action == "enrolled"]

    @property
    def to_enrol(self) -> list[RowPlan]:
        return [p for p in self.rows if p.action in ("create", "match")]

    def summary(self) -> dict:
        """What the training gains: enrolments by sex, and present per day."""
        enrol = self.to_enrol
        days = defaultdict(int)
        for plan in enrol:
            for date, present in plan.row.attendance.items():
                days[date] += present
        sex = [plan.match.sex if plan.action == "match" else plan.row.sex
               for plan in enrol]  # fmt: skip
        return {
            "total": len(enrol),
            "male": sex.count("L"),
            "female": sex.count("P"),
            "not_recorded": sex.count(""),
            "days": sorted(days.items()),
        }

    def fingerprint(self) -> str:
        """A digest of what confirming would do; the confirm step compares it with
        the one the user saw, so a changed file or database asks for a new look."""
        parts = [
            f"{p.row.row}:{p.action}:{getattr(p.match, 'pk', '')}:"
            f"{getattr(p.agency, 'pk', '')}:{p.row.agency_key}"
            for p in self.rows
        ]
        parts += [f"{a.key}={a.choice}:{a.same_as}" for a in self.unknown_agencies]
        parts += [str(p) for p in self.problems]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _chunks(values: Sequence, size: int | None = None):
    size = size or lookup_chunk()
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def plan_import(*, training, parsed: ParsedFile, options: ImportOptions) -> ImportPlan:
    """Compare clean rows with the registry and the training, applying ``options``.

    Agencies are looked up once per distinct name (``Agency.objects.matching``,
    which covers aliases); people in chunks of NIKs, phones and names (same NIK;
    else same phone; else same normalised name in the same agency, as
    ``participants.services.participant_matches`` defines it). Rows that would
    enrol one person twice, or two new people with one NIK, become problems.
    """
    from trainings.models import Enrolment

    from .models import Agency, Participant

    problems = list(parsed.problems)
    rows = parsed.rows

    # Agencies: one query per distinct name, plus one for the mapped ones.
    mapped_ids = {v for v in options.agency_choices.values() if isinstance(v, int)}
    mapped = Agency.objects.in_bulk(mapped_ids) if mapped_ids else {}
    agencies: dict[str, Any] = {}
    unknown: dict[str, UnknownAgency] = {}
    for row in rows:
        key = row.agency_key
        if not key or key in agencies or key in unknown:
            if key in unknown:
                unknown[key].rows.append(row.row)
            continue
        found = list(Agency.objects.matching(row.agency)[:5])
        if len(found) > 1:  # the same name in several regions: prefer the local one
            local = [a for a in found if a.region_id == training.region_id]
            found = local if len(local) == 1 else found
        if len(found) == 1:
            agencies[key] = found[0]
            continue
        choice = options.agency_choices.get(key)
        if not isinstance(choice, int) or choice not in mapped:
            choice = None
        unknown[key] = UnknownAgency(
            key=key,
            name=row.agency,
            rows=[row.row],
            choice=choice,
            candidates=found,
            type=guess_agency_type(row.agency),
        )
        if choice is not None:
            agencies[key] = mapped[choice]
    # "Same as" another unknown agency that is itself created: one new agency.
    for key, agency in unknown.items():
        target = options.agency_choices.get(key)
        if (
            isinstance(target, str)
            and target != key
            and target in unknown
            and unknown[target].choice is None
            and not isinstance(options.agency_choices.get(target), str)
        ):
            agency.same_as = target

    # People: by NIK, phone, then name within a known agency.
    by_nik, by_phone, by_name = {}, {}, {}
    niks = {r.nik for r in rows if r.nik}
    phones = {r.phone for r in rows if r.phone}
    names = {r.name_key for r in rows if r.agency_key in agencies}
    agency_ids = {a.pk for a in agencies.values()}
    people = Participant.objects.select_related("agency").order_by("id")
    # A person whose data was erased on request is never matched again by phone
    # or name; NIK stays (it is unique, so a new record could not have it).
    living = people.filter(erased_at__isnull=True)
    for chunk in _chunks(niks):
        for person in people.filter(nik__in=chunk):
            by_nik[person.nik] = person
    for chunk in _chunks(phones):
        for person in living.filter(phone__in=chunk):
            by_phone.setdefault(person.phone, person)
    if agency_ids:
        for chunk in _chunks(names):
            for person in living.filter(
                normalised_name__in=chunk, agency_id__in=agency_ids
            ):
                by_name.setdefault((person.normalised_name, person.agency_id), person)
    enrolled = set(
        Enrolment.objects.filter(training=training).values_list(
            "participant_id", flat=True
        )
    )

    plans = []
    seen_people: dict[int, int] = {}
    seen_niks: dict[str, int] = {}
    seen_names: dict[tuple[str, str], int] = {}
    for row in rows:
        agency = agencies.get(row.agency_key)
        match, reason = None, ""
        if row.nik and row.nik in by_nik:
            match, reason = by_nik[row.nik], "nik"
        elif row.phone and row.phone in by_phone:
            candidate = by_phone[row.phone]
            if not (row.nik and candidate.nik and candidate.nik != row.nik):
                match, reason = candidate, "phone"
        if match is None and agency is not None:
            candidate = by_name.get((row.name_key, agency.pk))
            if candidate and not (row.nik and candidate.nik):
                match, reason = candidate, "name"
        rejected = (
            match is not None and reason != "nik" and (row.row in options.rejected_rows)
        )
        if rejected:
            action = "create"
            shown_match = match
        elif match is not None:
            action = "enrolled" if match.pk in enrolled else "match"
            shown_match = match
        else:
            action, shown_match = "create", None
        plan = RowPlan(
            row=row,
            action=action,
            agency=agency,
            match=shown_match,
            match_reason=reason,
            rejected=rejected,
        )
        plans.append(plan)
        # The same person twice in one file would enrol them twice.
        if action in ("match", "enrolled"):
            if match.pk in seen_people:
                problems.append(_duplicate(row, seen_people[match.pk]))
            seen_people.setdefault(match.pk, row.row)
        else:
            if row.nik:
                if row.nik in seen_niks:
                    problems.append(_duplicate(row, seen_niks[row.nik]))
                seen_niks.setdefault(row.nik, row.row)
            name_key = (row.name_key, row.agency_key)
            if name_key in seen_names:
                problems.append(_duplicate(row, seen_names[name_key]))
            seen_names.setdefault(name_key, row.row)
    return ImportPlan(
        training=training,
        rows=plans,
        unknown_agencies=list(unknown.values()),
        problems=sorted(problems, key=lambda p: (p.row or 0, p.column)),
        options=options,
        skipped_rows=parsed.skipped_rows,
    )


def _duplicate(row: ImportRow, first_row: int) -> Problem:
    return Problem(
        message=gettext(
            "This is the same person as row %(row)s. Remove one of the two rows."
        )
        % {"row": first_row},
        row=row.row,
        value=row.full_name,
    )


def count_text(count: int) -> str:
    """ "1 problem" / "N problems" in the active language."""
    return ngettext("%(count)s problem", "%(count)s problems", count) % {"count": count}


# Keeping the file between preview and confirm -----------------------------------

#: Uploaded files older than this are deleted (seconds).
PENDING_MAX_AGE = 24 * 3600
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_\-]{20,64}$")


def pending_dir() -> Path:
    """Where uploaded files wait for confirmation: ``PARTICIPANT_IMPORT_DIR`` in
    settings, else ``setara-imports`` in the system's temporary directory."""
    from django.conf import settings

    configured = getattr(settings, "PARTICIPANT_IMPORT_DIR", None)
    path = Path(configured) if configured else Path(tempfile.gettempdir())
    return path if configured else path / "setara-imports"


@dataclass
class PendingImport:
    """An uploaded file waiting for the user to confirm its import."""

    token: str
    training_id: int
    filename: str
    options: ImportOptions

    @property
    def path(self) -> Path:
        return pending_dir() / self.token

    def read(self) -> bytes:
        return self.path.read_bytes()

    def parse(self, *, days: Sequence[datetime.date]) -> ParsedFile:
        """The file's clean rows for these training days and the current options.

        The file is read once per (days, options); the result is kept beside it as
        JSON (deleted with it), so preview and confirm do not read it again.
        Raises ImportFileError as ``read_participant_file`` does.
        """
        blank = self.options.blank_sex_is_not_recorded
        key = f"{blank}|{','.join(d.isoformat() for d in days)}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        cache = self.path.with_name(f"{self.token}.{digest}.json")
        if cache.is_file():
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                return ParsedFile.from_json(json.loads(cache.read_bytes()))
        parsed = read_participant_file(
            self.read(), self.filename, days=days, blank_sex_is_not_recorded=blank
        )
        _write_private(cache, json.dumps(parsed.to_json()).encode())
        return parsed


def _check_private(directory: Path) -> None:
    """Refuse a directory that another user owns or may write to: the files in
    it hold personal data and are read back as this import's rows."""
    from django.core.exceptions import ImproperlyConfigured

    info = directory.stat()
    foreign = hasattr(os, "getuid") and info.st_uid != os.getuid()
    if foreign or info.st_mode & 0o077:
        raise ImproperlyConfigured(
            f"{directory} must belong to this user with mode 0700; set "
            "PARTICIPANT_IMPORT_DIR to a private directory."
        )


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only this user can read, replacing any file of that name."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class PendingImports:
    """The uploads of one session, each under a random token.

    The file goes to a private temporary file named by the token (never the
    database or the session, which may be logged or cached); the session holds the
    token, the training, the file name and the user's choices, so a token is only
    usable by the session that uploaded the file.
    """

    SESSION_KEY = "participant_imports"

    def __init__(self, session):
        self.session = session

    def _entries(self) -> dict:
        return self.session.setdefault(self.SESSION_KEY, {})

    def add(self, *, training_id: int, filename: str, data: bytes,
            options: ImportOptions) -> PendingImport:  # fmt: skip
        """Store ``data`` and return its PendingImport; files older than
        ``PENDING_MAX_AGE`` are removed on the way."""
        directory = pending_dir()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _check_private(directory)
        self._remove_stale(directory)
        entries = self._entries()
        for stale in [t for t in entries if not (directory / t).is_file()]:
            del entries[stale]
        token = secrets.token_urlsafe(24)
        _write_private(directory / token, data)
        entries[token] = {
            "training": training_id,
            "filename": Path(filename).name[:200],
            "options": options.to_dict(),
        }
        self.session.modified = True
        return self.get(token, training_id)

    def get(self, token: str, training_id: int) -> PendingImport | None:
        """The pending import under ``token`` for this training, or None if the
        token is unknown to this session or its file is gone."""
        if not _TOKEN_RE.match(token or ""):
            return None
        entry = self._entries().get(token)
        if not entry or entry["training"] != training_id:
            return None
        pending = PendingImport(
            token=token,
            training_id=training_id,
            filename=entry["filename"],
            options=ImportOptions.from_dict(entry["options"]),
        )
        return pending if pending.path.is_file() else None

    def save_options(self, pending: PendingImport) -> None:
        self._entries()[pending.token]["options"] = pending.options.to_dict()
        self.session.modified = True

    def discard(self, pending: PendingImport) -> None:
        """Delete the file (and its parsed rows) and forget the token."""
        for path in pending.path.parent.glob(f"{glob.escape(pending.token)}*"):
            path.unlink(missing_ok=True)
        self._entries().pop(pending.token, None)
        self.session.modified = True

    @staticmethod
    def _remove_stale(directory: Path) -> None:
        cutoff = time.time() - PENDING_MAX_AGE
        for path in directory.iterdir():
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
