"""The clean rows of a sign-in sheet: each data row's cells parsed into an
``ImportRow``, every problem collected by row and column instead of stopping at the
first, and every warning (a value read otherwise than written, which does not stop
the import) likewise."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter

from participants.models import Agency, Participant
from participants.normalisation import (
    CellError,
    cell_text,
    district_as_written,
    is_blank,
    is_placeholder,
    mask_nik,
    normalise_key,
    normalise_name,
    parse_attendance,
    parse_date,
    parse_email,
    parse_name,
    parse_nik,
    parse_phone,
    parse_sex,
    parse_text,
)
from participants.sheets import (
    MAX_ROWS,
    Header,
    ImportFileError,
    Problem,
    Sheet,
    first_header,
    read_table,
    too_many_rows,
)
from setara.text import clean_text

#: The first filled cell of a totals or averages row ("Jumlah", "Rata-rata").
_TOTALS_RE = re.compile(r"^(jumlah|total|jml|rata rata|rerata|average)\b")

#: Field -> the warning for a placeholder ("-", "belum ada", "0") read as empty.
PLACEHOLDER_WARNINGS = {
    "nik": _("“%(value)s” read as no NIK."),
    "phone": _("“%(value)s” read as no phone number."),
}


def _text(model, name: str) -> Callable[[Any], str]:
    """Free text no longer than the model field it is stored in, so a long cell is
    a row problem rather than a failed save."""
    return functools.partial(
        parse_text, max_length=model._meta.get_field(name).max_length
    )


def column_parsers(*, blank_sex_is_not_recorded: bool) -> dict[str, Callable]:
    """Field -> the parser that cleans its cell (pretix's column definitions, as
    much as a sign-in sheet needs). Field names are those of
    ``participants.sheets.HEADER_SYNONYMS``; each parser raises CellError."""
    return {
        "full_name": parse_name,
        "sex": functools.partial(
            parse_sex, blank_is_not_recorded=blank_sex_is_not_recorded
        ),
        "agency": _text(Agency, "name"),
        "position": _text(Participant, "position"),
        "phone": parse_phone,
        "nik": parse_nik,
        "village": _text(Participant, "village"),
        "district": _text(Participant, "village"),
        "birth_date": parse_date,
        "email": parse_email,
        # Checked against the training's maximum by the plan (trainings.scores).
        "pre_score": _score_text,
        "post_score": _score_text,
    }


def _score_text(value: Any) -> str:
    """A score cell as written ("75,5"); ``trainings.scores`` reads it."""
    return clean_text(cell_text(value))


@dataclass
class ImportRow:
    """One clean data row; ``row`` is the spreadsheet row number.

    ``attendance`` maps each training day found in the file to present (True) or
    absent (False). ``pre_score`` and ``post_score`` are the test score cells as
    written, checked and read by ``trainings.scores``.
    """

    row: int
    full_name: str
    sex: str
    agency: str = ""
    position: str = ""
    phone: str = ""
    nik: str = ""
    village: str = ""
    district: str = ""
    birth_date: datetime.date | None = None
    email: str = ""
    attendance: dict[datetime.date, bool] = field(default_factory=dict)
    pre_score: str = ""
    post_score: str = ""

    @functools.cached_property
    def name_key(self) -> str:
        """The name as the registry compares names (``normalise_name``)."""
        return normalise_name(self.full_name)

    @functools.cached_property
    def agency_key(self) -> str:
        """The agency as the registry compares agency names (``normalise_key``)."""
        return normalise_key(self.agency)

    @property
    def nik_masked(self) -> str:
        """The NIK with none of its digits shown (``mask_nik``)."""
        return mask_nik(self.nik)

    @property
    def village_as_written(self) -> str:
        """What the participant's free-text ``village`` keeps: the village cell,
        and the district cell after it when there is one ("Tompobulu, Kec.
        Tompobulu"), so no column read is dropped even when the village is found
        among the regions."""
        district = district_as_written(self.district)
        return ", ".join(part for part in (self.village, district) if part)


@dataclass
class ParsedFile:
    """The clean rows of a file, the problems found, and the header read.

    ``warnings`` are cells read otherwise than written that do not stop the
    import, such as a placeholder NIK ("belum ada") read as no NIK; each is a
    ``Problem`` whose message quotes the cell (``value`` is empty), so ``str()``
    gives "Row 7, column F (NIK): “belum ada” read as no NIK."
    ``score_columns`` maps ``pre_score`` and ``post_score``, when the file has
    them, to ``(column letter, header text)`` for the problems of their cells.
    """

    rows: list[ImportRow]
    problems: list[Problem]
    header: Header | None = None
    skipped_rows: list[int] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    score_columns: dict[str, tuple[str, str]] = field(default_factory=dict)

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
            "warnings": [dataclasses.asdict(w) for w in self.warnings],
            "score_columns": self.score_columns,
        }

    @classmethod
    def from_json(cls, data: dict) -> ParsedFile:
        """The inverse of ``to_json``; raises KeyError, TypeError or ValueError for
        data it did not write."""
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
            warnings=[Problem(**w) for w in data.get("warnings", ())],
            # Required: rows cached before score columns were read are read again.
            score_columns={k: tuple(v) for k, v in data["score_columns"].items()},
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
    sheets: Sequence[Sheet],
    *,
    days: Sequence[datetime.date],
    blank_sex_is_not_recorded: bool = False,
) -> ParsedFile:
    """Clean every data row of the first sheet that has a header.

    Empty rows, a totals row ("Jumlah ...") and a column-numbering row are skipped;
    a row counts as empty when every column this import reads is empty (the "No"
    and signature columns are not read). Every cell problem is collected. Raises
    ImportFileError when no sheet has a header, a required column is missing, or
    the file has more than ``MAX_ROWS`` data rows.
    """
    sheet, header, start = first_header(sheets, days)
    parsed = ParsedFile(
        rows=[], problems=_bad_day_problems(header, days), header=header
    )
    parsed.score_columns = {
        name: (get_column_letter(index + 1), header.labels.get(index, ""))
        for name, index in header.fields.items()
        if name in ("pre_score", "post_score")
    }
    parsers = column_parsers(blank_sex_is_not_recorded=blank_sex_is_not_recorded)
    count = 0
    for number, cells, values in _data_rows(sheet, header, start, parsed):
        if _is_totals_row(values):
            parsed.skipped_rows.append(number)
            continue
        count += 1
        if count > MAX_ROWS:
            raise too_many_rows()
        row = _clean_row(number, cells, header, days, parsers, parsed)
        if row is not None:
            parsed.rows.append(row)
    if not count and not parsed.problems:
        raise ImportFileError(_("The file has a header but no participant rows."))
    return parsed


def _bad_day_problems(header: Header, days: Sequence[datetime.date]) -> list:
    """A problem for each day column that is not one of the training's days."""
    return [
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


def _data_rows(sheet: Sheet, header: Header, start: int, parsed: ParsedFile):
    """``(row number, cells read, all values)`` of the rows under the header that
    have a value in a column this import reads, with the cells a vertical merge
    hides filled in; a numbering row right under the header is skipped."""
    read_columns = [*header.fields.values(), *header.days]
    data_rows = sheet.rows[start:]
    if data_rows and _is_numbering_row(data_rows[0][1]):
        parsed.skipped_rows.append(data_rows[0][0])
        data_rows = data_rows[1:]
    fill = sheet.merged_fill(header.row_number)
    for number, values in data_rows:
        cells = {i: values[i] if i < len(values) else None for i in read_columns}
        for i in read_columns:
            if (number, i) in fill and is_blank(cells[i]):
                cells[i] = fill[(number, i)]
        if not all(is_blank(v) for v in cells.values()):
            yield number, cells, values


def _clean_row(number, cells, header, days, parsers, parsed) -> ImportRow | None:
    """Row ``number`` as an ImportRow, or None when a field cell is not acceptable;
    each bad cell (fields and attendance) adds a Problem to ``parsed.problems``,
    each placeholder read as empty a warning to ``parsed.warnings``."""
    values, bad, problems = {}, False, parsed.problems
    for name, parser in parsers.items():
        if name not in header.fields:
            continue  # the ImportRow's default: empty
        index = header.fields[name]
        try:
            values[name] = parser(cells[index])
        except ValueError as error:  # CellError, or a parser's own bad value
            bad = True
            problems.append(
                _cell_problem(number, index, header, cells[index], error, name)
            )
            continue
        if name in PLACEHOLDER_WARNINGS and is_placeholder(cells[index]):
            parsed.warnings.append(
                _placeholder_warning(number, index, header, cells[index], name)
            )
    attendance = {}
    for index, day in header.days.items():
        try:
            attendance[days[day]] = parse_attendance(cells[index])
        except CellError as error:
            problems.append(_cell_problem(number, index, header, cells[index], error))
    if bad:
        return None
    row = ImportRow(row=number, attendance=attendance, **values)
    if _village_too_long(row, number, cells, header, problems):
        return None
    return row


def _village_too_long(row, number, cells, header, problems) -> bool:
    """Whether the village and district cells together do not fit the
    participant's ``village`` (a Problem on the district cell, then)."""
    limit = Participant._meta.get_field("village").max_length
    written = row.village_as_written
    if len(written) <= limit:
        return False
    error = CellError(
        gettext(
            "The village and the district together are kept as the village as "
            "written: at most %(max)s characters; these have %(count)s."
        )
        % {"max": limit, "count": len(written)}
    )
    index = header.fields["district"]
    problems.append(_cell_problem(number, index, header, cells[index], error))
    return True


def _placeholder_warning(number, index, header, value, name) -> Problem:
    """The warning for a placeholder in field ``name`` read as empty."""
    return Problem(
        message=str(PLACEHOLDER_WARNINGS[name])
        % {"value": clean_text(cell_text(value))},
        row=number,
        column=get_column_letter(index + 1),
        header=header.labels.get(index, ""),
    )


def _cell_problem(number, index, header, value, error, name=None) -> Problem:
    shown = cell_text(value)
    if name == "nik" and len(re.sub(r"\D", "", shown)) >= 8:
        shown = mask_nik(shown)  # enough digits to identify someone
    return Problem(
        message=str(error.args[0] if error.args else error),
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
    sheets = read_table(data, filename)
    return parse_rows(
        sheets, days=days, blank_sex_is_not_recorded=blank_sex_is_not_recorded
    )
