"""The clean rows of a sign-in sheet: header, merged cells, every problem by row
and column, CSV encodings and delimiters."""

import datetime
import io
import json

import openpyxl
import pytest
from django.utils import translation

from participants.sheets import ImportFileError
from tests.factories import TrainingFactory
from tests.trainings.imports.files import (
    DAYS,
    HEADER,
    csv_bytes,
    person,
    read,
    xlsx,
)
from trainings.imports.rows import ParsedFile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages in English, whatever the Indonesian catalogue holds."""
    with translation.override("en"):
        yield


@pytest.fixture
def training():
    return TrainingFactory(start_date=DAYS[0], end_date=DAYS[-1])


class TestHeaders:
    def test_header_below_a_title_block_and_columns_in_any_order(self):
        rows = [["L/P", "Instansi", "Nama", "Hari 2"], ["P", "Dinas Uji", "Rahma", "v"]]
        parsed = read(xlsx(rows, title_rows=4))
        assert parsed.header.row_number == 5
        assert parsed.rows[0].full_name == "Rahma"
        assert parsed.rows[0].row == 6
        assert parsed.rows[0].attendance == {DAYS[1]: True}

    def test_day_columns_in_a_second_header_row_under_a_merged_cell(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["Nama", "L/P", "Kehadiran", None, None])
        sheet.append([None, None, "Hari 1", "Hari 2", "Hari 3"])
        sheet.append(["Rahma", "P", "v", None, "v"])
        for cells in ("A1:A2", "B1:B2", "C1:E1"):
            sheet.merge_cells(cells)
        buffer = io.BytesIO()
        workbook.save(buffer)
        parsed = read(buffer.getvalue())
        assert parsed.rows[0].attendance == {
            DAYS[0]: True,
            DAYS[1]: False,
            DAYS[2]: True,
        }

    def test_missing_required_column_stops_the_import_naming_it(self):
        with pytest.raises(ImportFileError) as error:
            read(xlsx([["Nama", "Instansi"], ["Rahma", "Dinas Uji"]]))
        assert "Sex (L/P)" in str(error.value)
        assert "Jenis Kelamin" in str(error.value)

    def test_no_header_at_all_is_a_clear_error(self):
        with pytest.raises(ImportFileError) as error:
            read(xlsx([["a", "b"], [1, 2]]))
        assert "header" in str(error.value)

    def test_day_beyond_the_training_is_a_problem_naming_the_column(self):
        parsed = read(xlsx([[*HEADER, "Hari 4"], [*person(), "v"]]))
        assert [(p.column, p.header) for p in parsed.problems] == [("I", "Hari 4")]


class TestRows:
    def test_an_agency_cell_merged_over_several_people_belongs_to_each(self):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["DAFTAR HADIR"])
        sheet.merge_cells("A1:D1")
        sheet.append(["Nama", "L/P", "Instansi", "Hari 1"])
        sheet.append(["Rahma", "P", "DP3A Kab. Maros", "v"])
        sheet.append(["Sitti", "P", None, "v"])
        sheet.append(["Budi", "L", "Dinsos Maros", None])
        sheet.merge_cells("C3:C4")
        buffer = io.BytesIO()
        workbook.save(buffer)
        parsed = read(buffer.getvalue())
        assert [(r.full_name, r.agency) for r in parsed.rows] == [
            ("Rahma", "DP3A Kab. Maros"),
            ("Sitti", "DP3A Kab. Maros"),
            ("Budi", "Dinsos Maros"),
        ]

    def test_empty_rows_totals_row_and_unread_columns_are_skipped(self):
        rows = [
            HEADER,
            person(),
            [None] * 8,
            [2, None, None, None, None, None, None, None],  # numbered, unused
            person(name="Irmawati"),
            [None, "Jumlah peserta: 2 (L = 0, P = 2)"],
        ]
        parsed = read(xlsx(rows))
        assert [r.full_name for r in parsed.rows] == ["Rahmawati", "Irmawati"]
        assert parsed.problems == []
        assert parsed.skipped_rows == [6]

    def test_every_problem_is_reported_with_row_column_header_and_value(self):
        rows = [
            HEADER,
            person(),
            person(name="Budi", sex="X"),
            person(name="Sari", phone="0812"),
            [4, "Dewi", "P", "Dinas Uji", "081355501235", "v", "??", "v"],
        ]
        parsed = read(xlsx(rows))
        found = {(p.row, p.column, p.header, p.value) for p in parsed.problems}
        assert found == {
            (3, "C", "L/P", "X"),
            (4, "E", "No HP", "0812"),
            (5, "G", "Hari 2", "??"),
        }
        assert "Row 3, column C (L/P)" in str(parsed.problems[0])

    def test_nik_typed_as_a_number_is_a_row_error_with_the_value_masked(self):
        rows = [["Nama", "L/P", "NIK"], ["Rahma", "P", 7309012345670000]]
        parsed = read(xlsx(rows))
        assert len(parsed.problems) == 1
        problem = parsed.problems[0]
        assert (problem.row, problem.column) == (2, "C")
        assert problem.value == "*" * 16

    def test_text_longer_than_the_field_is_a_row_error(self):
        rows = [["Nama", "L/P", "Jabatan"], ["Rahma", "P", "Staf " * 50]]
        parsed = read(xlsx(rows))
        assert [(p.row, p.column) for p in parsed.problems] == [(2, "C")]
        assert "At most 200 characters" in parsed.problems[0].message

    def test_email_is_kept_lower_case_and_a_bad_one_is_a_row_error(self, training):
        rows = [
            ["Nama", "L/P", "E-mail"],
            ["Rahma", "P", " Rahma@Contoh.ID "],
            ["Budi", "L", "budi at contoh"],
        ]
        parsed = read(xlsx(rows))
        assert parsed.rows[0].email == "rahma@contoh.id"
        assert [(p.row, p.column) for p in parsed.problems] == [(3, "C")]

    def test_empty_sex_can_be_imported_as_not_recorded(self):
        rows = [HEADER, person(sex=None)]
        assert len(read(xlsx(rows)).problems) == 1
        parsed = read(xlsx(rows), blank_sex_is_not_recorded=True)
        assert parsed.problems == []
        assert parsed.rows[0].sex == ""


class TestFiles:
    def test_the_first_sheet_with_a_header_is_read(self):
        workbook = openpyxl.Workbook()
        workbook.active.append(["Petunjuk: isi daftar hadir di lembar berikut"])
        sheet = workbook.create_sheet("Peserta")
        sheet.append(["Nama", "L/P"])
        sheet.append(["Rahma", "P"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        parsed = read(buffer.getvalue())
        assert [r.full_name for r in parsed.rows] == ["Rahma"]

    def test_csv_in_utf8_with_bom_and_commas(self):
        data = "\ufeff".encode() + csv_bytes([HEADER, person(name="Sitti Aïsyah")])
        parsed = read(data, "list.csv")
        assert parsed.rows[0].full_name == "Sitti Aïsyah"

    def test_csv_saved_by_indonesian_excel_windows_1252_and_semicolons(self):
        rows = [
            ["DAFTAR HADIR"],
            [],
            ["No", "Nama Lengkap", "JK", "Instansi", "Jabatan", "Hari 1"],
            [1, "Hj. Nurhaeda Rahman, S.Sos", "P", "DP3A", "Kepala Bidang – PPA", "v"],
        ]
        data = csv_bytes(rows, delimiter=";", encoding="cp1252")
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        parsed = read(data, "daftar.csv")
        row = parsed.rows[0]
        assert row.full_name == "Hj. Nurhaeda Rahman, S.Sos"
        assert row.position == "Kepala Bidang – PPA"

    def test_csv_with_tabs(self):
        parsed = read(csv_bytes([HEADER, person()], delimiter="\t"), "list.txt")
        assert parsed.rows[0].phone == "+6281355501234"

    def test_dates_from_date_cells_serial_numbers_and_text(self):
        rows = [
            ["Nama", "L/P", "Tanggal Lahir"],
            ["A", "P", datetime.datetime(1990, 5, 17)],
            ["B", "P", 32980],
            ["C", "P", "17 Mei 1990"],
            ["D", "P", "17/05/1990"],
        ]
        parsed = read(xlsx(rows))
        assert [r.birth_date for r in parsed.rows] == [
            datetime.date(1990, 5, 17),
            datetime.date(1990, 4, 17),
            datetime.date(1990, 5, 17),
            datetime.date(1990, 5, 17),
        ]

    def test_more_than_20000_rows_is_refused(self):
        rows = [HEADER] + [person(name=f"Orang {i}") for i in range(20_001)]
        with pytest.raises(ImportFileError) as error:
            read(csv_bytes(rows), "long.csv")
        assert "20.000" in str(error.value)


def test_parsed_rows_survive_their_json_round_trip():
    rows = [
        ["Nama", "L/P", "NIK", "Tanggal Lahir", "Hari 1", "Hari 2"],
        ["Rahma", "P", "7309012345670001", "17/05/1990", "v", None],
        ["Budi", "X", "", "", "v", "v"],
    ]
    parsed = read(xlsx([*rows, [None, "Jumlah"]]))
    again = ParsedFile.from_json(json.loads(json.dumps(parsed.to_json())))
    assert again.rows == parsed.rows
    assert again.rows[0].birth_date == datetime.date(1990, 5, 17)
    assert again.rows[0].attendance == {DAYS[0]: True, DAYS[1]: False}
    assert again.problems == parsed.problems != []
    assert again.skipped_rows == parsed.skipped_rows == [4]
