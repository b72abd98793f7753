"""The one spreadsheet writer every export uses: formula-safe cells, typed numbers
and dates, sheet titles Excel accepts, and the export view base that logs once."""

import csv
import datetime
import decimal
import io

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as OPENPYXL_ILLEGAL

from setara.spreadsheets import (
    ILLEGAL_CHARACTERS_RE,
    Table,
    _sheet_title,
    cell_safe,
    csv_value,
    iter_csv,
    write_csv,
    write_xlsx,
)


@pytest.mark.parametrize("text", ["=1+1", "+62 812", "-5", "@A1", "\tx", "\rx"])
def test_every_dangerous_first_character(text, tmp_path):
    table = Table("T", ["a", "n", "d"], [[text, -5, datetime.date(2023, 10, 18)]])
    path = tmp_path / "t.xlsx"
    write_xlsx([table], path)
    cell, number, date = load_workbook(path).active[2]
    # XML reads a carriage return back as a line feed; the cell stays text.
    assert (cell.value, cell.data_type) == (text.replace("\r", "\n"), "s")
    assert (number.value, number.data_type) == (-5, "n")
    assert date.is_date
    assert csv_value(text) == "'" + text
    assert csv_value(-5) == -5
    lines = list(iter_csv([table]))
    [row] = list(csv.reader(io.StringIO("".join(lines[2:]), newline="")))
    assert row == ["'" + text, "-5", "18/10/2023"]


def test_safe_text_is_left_alone():
    assert csv_value("Hj. Nurhaeda") == "Hj. Nurhaeda"
    assert csv_value("08123") == "08123"


def test_widths_and_text_columns(tmp_path):
    table = Table(
        "Contacts",
        ["Name", "Phone"],
        [["Ani", "+62811"], ["Budi", "0812"]],
        text_columns=frozenset({1}),
        widths=(30,),
    )
    path = tmp_path / "t.xlsx"
    write_xlsx([table], path)
    sheet = load_workbook(path).active
    # Excel's width attribute adds the cell padding to the characters asked for.
    assert int(sheet.column_dimensions["A"].width) == 30
    # From the header, at least 10.
    assert int(sheet.column_dimensions["B"].width) == 10
    assert [c.value for c in sheet["B"][1:]] == ["+62811", "0812"]
    assert all(c.data_type == "s" for c in sheet["B"][1:])
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])


def test_sheet_titles_are_cut_cleaned_and_unique():
    used = set()
    assert _sheet_title("A/B: [x]?", used) == "A B   x"
    long = "x" * 40
    assert _sheet_title(long, used) == "x" * 31
    assert _sheet_title(long, used) == "x" * 27 + " (2)"


# Characters no cell may hold ---------------------------------------------------

STORED = "Andi\x00 Rusdi\x07\u200b ２\x1b\ufffe"


def test_illegal_characters_are_a_superset_of_openpyxls():
    for code in range(0x20):
        char = chr(code)
        if OPENPYXL_ILLEGAL.match(char):
            assert ILLEGAL_CHARACTERS_RE.match(char), hex(code)
    for char in "\t\n\r":
        assert not ILLEGAL_CHARACTERS_RE.match(char)


def test_cell_safe_removes_only_what_no_cell_may_hold():
    # The zero-width space and full-width digit are legal XML: they stay.
    assert cell_safe(STORED) == "Andi Rusdi\u200b ２"
    assert cell_safe(12) == 12
    assert cell_safe(None) is None


def test_xlsx_with_control_characters_in_cells_header_and_title(tmp_path):
    table = Table(
        "Peserta\x00",
        ["Nama\x07", "No HP"],
        [[STORED, "0812\x00"], ["\x00=1+1", None]],
        text_columns=frozenset({1}),
    )
    path = tmp_path / "t.xlsx"
    write_xlsx([table], path)  # openpyxl raises IllegalCharacterError otherwise
    sheet = load_workbook(path).active
    assert sheet.title == "Peserta"
    assert [c.value for c in sheet[1]] == ["Nama", "No HP"]
    assert [c.value for c in sheet[2]] == ["Andi Rusdi\u200b ２", "0812"]
    # Stripped first, so a formula hidden behind a NUL is still caught.
    formula = sheet["A3"]
    assert (formula.value, formula.data_type) == ("=1+1", "s")


def test_csv_holds_the_same_cells():
    table = Table("T", ["Nama\x00"], [[STORED], ["\x00@SUM(1)"]])
    text = "".join(iter_csv([table]))
    assert "\x00" not in text and "\x07" not in text
    rows = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert rows == [["Nama"], ["Andi Rusdi\u200b ２"], ["'@SUM(1)"]]


# Writing to a file with progress (background jobs) ------------------------------


def numbered(count):
    return Table("T", ["n", "name"], ([n, f"Peserta {n}"] for n in range(count)))


def test_write_xlsx_to_a_file_reports_progress_and_returns_the_rows():
    calls = []
    out = io.BytesIO()
    tables = [numbered(2500), numbered(10)]
    assert write_xlsx(tables, out, progress=calls.append) == 2510
    assert calls == [1000, 2000, 2510]
    assert not out.closed  # the caller's file stays open for the job to store
    book = load_workbook(out, read_only=True)
    assert [sheet.title for sheet in book] == ["T", "T (2)"]
    rows = list(book["T"].iter_rows(values_only=True))
    assert len(rows) == 1 + 2500
    assert rows[-1] == (2499, "Peserta 2499")


def test_write_csv_matches_iter_csv_with_progress():
    calls = []
    out = io.BytesIO()
    table = Table("T", ["n", "name"], [[1, "=1+1"], [2, "Ani"]])
    assert write_csv([table], out, progress=calls.append) == 2
    assert calls == [2]
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for Excel
    table.rows = [[1, "=1+1"], [2, "Ani"]]
    assert data.decode("utf-8") == "".join(iter_csv([table]))
    assert write_csv([numbered(0)], io.BytesIO(), progress=calls.append) == 0
    assert calls[-1] == 0


def test_rarer_values_keep_their_type_or_become_safe_text(tmp_path):
    class Label:
        def __str__(self):
            return "=Label\x00"

    row = [True, decimal.Decimal("2.5"), datetime.datetime(2024, 1, 2, 3, 4), Label()]
    path = tmp_path / "t.xlsx"
    write_xlsx([Table("'Quoted'", ["a", "b", "c", "d"], [row])], path)
    sheet = load_workbook(path).active
    assert sheet.title == "Quoted"  # no apostrophe at either end: Excel refuses it
    flag, number, when, label = sheet[2]
    assert (flag.value, number.value) == (True, 2.5)
    assert when.is_date and when.value == datetime.datetime(2024, 1, 2, 3, 4)
    assert (label.value, label.data_type, label.quotePrefix) == ("=Label", "s", True)
