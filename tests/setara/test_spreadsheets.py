"""The one spreadsheet writer every export uses: formula-safe cells, typed numbers
and dates, sheet titles Excel accepts, and the export view base that logs once."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from setara.spreadsheets import Table, _sheet_title, csv_value, iter_csv, write_xlsx


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
    assert sheet.column_dimensions["A"].width == 30
    assert sheet.column_dimensions["B"].width == 10  # from the header, at least 10
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
