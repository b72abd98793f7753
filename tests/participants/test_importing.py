"""The participant import: value parsers, header detection, file reading, the plan
against the registry, and the all-or-nothing write (participants_import)."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from participants import importing
from participants.importing import (
    CellError,
    ImportFileError,
    ImportOptions,
    header_day,
    header_field,
    parse_attendance,
    parse_date,
    parse_name,
    parse_nik,
    parse_phone,
    parse_sex,
    plan_import,
    read_participant_file,
)
from participants.models import Agency, AgencyAlias, Participant
from participants.services import participants_import
from tests.factories import (
    AgencyFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
    UserFactory,
)
from trainings.models import Attendance, Enrolment

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
MAROS = DATA / "maros-ocsea-2023-daftar-hadir.xlsx"
DAYS = [datetime.date(2023, 10, 18) + datetime.timedelta(days=i) for i in range(3)]
HEADER = ["No", "Nama", "L/P", "Instansi", "No HP", "Hari 1", "Hari 2", "Hari 3"]


def xlsx(rows, title_rows=0) -> bytes:
    """An .xlsx whose first sheet holds ``rows`` under ``title_rows`` title lines."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for i in range(title_rows):
        sheet.append([f"DAFTAR HADIR {i}"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, delimiter=",", encoding="utf-8") -> bytes:
    lines = [delimiter.join("" if v is None else str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def person(name="Rahmawati", sex="P", agency="Dinas Uji", phone="081355501234"):
    return [1, name, sex, agency, phone, "v", "v", "v"]


def read(data, name="list.xlsx", **kwargs):
    return read_participant_file(data, name, days=DAYS, **kwargs)


def import_all(training, data, name="list.xlsx", options=None):
    parsed = read_participant_file(data, name, days=training.days)
    plan = plan_import(
        training=training, parsed=parsed, options=options or ImportOptions()
    )
    return plan, participants_import(training=training, plan=plan)


@pytest.fixture(autouse=True)
def english():
    """Messages in English, whatever the Indonesian catalogue holds."""
    with translation.override("en"):
        yield


@pytest.fixture
def training():
    return TrainingFactory(start_date=DAYS[0], end_date=DAYS[-1])


class TestSex:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("L", "L"),
            ("p ", "P"),
            (" P", "P"),
            ("Laki-laki", "L"),
            ("laki laki", "L"),
            ("PEREMPUAN", "P"),
            ("Pria", "L"),
            ("wanita", "P"),
            ("M", "L"),
            ("f", "P"),
            ("Male", "L"),
            ("Female ", "P"),
        ],
    )
    def test_every_written_form_gives_l_or_p(self, raw, expected):
        assert parse_sex(raw) == expected

    def test_anything_else_is_an_error_listing_the_allowed_values(self):
        with pytest.raises(CellError) as error:
            parse_sex("X")
        assert "Laki-laki" in str(error.value.args[0])
        assert "Wanita" in str(error.value.args[0])

    def test_empty_is_an_error_unless_chosen_as_not_recorded(self):
        with pytest.raises(CellError):
            parse_sex("  ")
        assert parse_sex(None, blank_is_not_recorded=True) == ""


class TestPhone:
    @pytest.mark.parametrize(
        "raw",
        [
            "0812-4423-1771",
            "+62 812 4423 1771",
            "6281244231771",
            "0812 4423 1771",
            81244231771,
            81244231771.0,
        ],
    )
    def test_every_form_gives_one_stored_number(self, raw):
        assert parse_phone(raw) == "+6281244231771"

    def test_impossible_length_is_an_error(self):
        with pytest.raises(CellError):
            parse_phone("0812")


class TestNik:
    def test_sixteen_digits_as_text_are_kept(self):
        assert parse_nik("7309012345670001") == "7309012345670001"
        assert parse_nik("'7309 0123 4567 0001") == "7309012345670001"

    @pytest.mark.parametrize("raw", [7309012345670000, 7309012345670000.0])
    def test_a_number_is_an_error_asking_to_format_as_text(self, raw):
        with pytest.raises(CellError) as error:
            parse_nik(raw)
        assert "Text" in str(error.value.args[0])

    def test_scientific_notation_is_an_error_asking_to_format_as_text(self):
        with pytest.raises(CellError) as error:
            parse_nik("7.30901E+15")
        assert "scientific" in str(error.value.args[0])

    @pytest.mark.parametrize("raw", ["730901234567000", "73090123456700011", "abc"])
    def test_wrong_length_is_an_error(self, raw):
        with pytest.raises(CellError):
            parse_nik(raw)


class TestDate:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            (datetime.datetime(1990, 5, 17), datetime.date(1990, 5, 17)),
            (datetime.date(1990, 5, 17), datetime.date(1990, 5, 17)),
            (32980, datetime.date(1990, 4, 17)),
            (32980.0, datetime.date(1990, 4, 17)),
            ("17/05/1990", datetime.date(1990, 5, 17)),
            ("17-5-90", datetime.date(1990, 5, 17)),
            ("17.05.1990", datetime.date(1990, 5, 17)),
            ("17 Mei 1990", datetime.date(1990, 5, 17)),
            ("17 Agustus 1945", datetime.date(1945, 8, 17)),
            ("3 Okt 1985", datetime.date(1985, 10, 3)),
            ("1990-05-17", datetime.date(1990, 5, 17)),
            ("17/05/1990 0:00", datetime.date(1990, 5, 17)),
            ("Maros, 17 Mei 1990", datetime.date(1990, 5, 17)),
            ("Ujung Pandang, 17-05-1990", datetime.date(1990, 5, 17)),
        ],
    )
    def test_date_cells_serials_and_day_first_text(self, raw, expected):
        assert parse_date(raw) == expected

    def test_text_is_never_read_month_first(self):
        assert parse_date("03/04/1990") == datetime.date(1990, 4, 3)
        with pytest.raises(CellError):
            parse_date("05/17/1990")

    @pytest.mark.parametrize(
        "raw", ["31/02/1990", "17 Foo 1990", "kemarin", "17 Mei, 1990x", "Maros"]
    )
    def test_impossible_dates_are_errors(self, raw):
        with pytest.raises(CellError):
            parse_date(raw)


@pytest.mark.parametrize(
    ("name", "agency_type"),
    [
        ("Polres Maros (Unit PPA Satreskrim)", "law_enforcement"),
        ("Kejaksaan Negeri Maros", "law_enforcement"),
        ("UPTD PPA Kab. Maros", "service_provider"),
        ("PATBM Desa Bonto Marannu", "community"),
        ("Dinas Sosial Kab. Maros", "government"),
        ("DP3A Kab. Maros", "government"),
        ("Yayasan BaKTI", "ngo"),
        ("Tim Penggerak", "other"),
    ],
)
def test_guess_agency_type(name, agency_type):
    assert importing.guess_agency_type(name) == agency_type


class TestNameAndMarks:
    def test_names_are_trimmed_and_collapsed_otherwise_as_written(self):
        assert parse_name("  Hj.  Nurhaeda   Rahman, S.Sos ") == (
            "Hj. Nurhaeda Rahman, S.Sos"
        )
        assert parse_name("Kasmawati") == "Kasmawati"

    @pytest.mark.parametrize("mark", ["v", "V", "x", "✓", "1", 1, "hadir", "Hadir "])
    def test_present_marks(self, mark):
        assert parse_attendance(mark) is True

    @pytest.mark.parametrize("mark", [None, "", "0", "-"])
    def test_absent_marks(self, mark):
        assert parse_attendance(mark) is False

    def test_unknown_mark_is_an_error(self):
        with pytest.raises(CellError):
            parse_attendance("sakit?")


class TestHeaders:
    @pytest.mark.parametrize(
        ("text", "field"),
        [
            ("Nama", "full_name"),
            ("Nama Lengkap", "full_name"),
            ("NAME", "full_name"),
            ("L/P", "sex"),
            ("JK", "sex"),
            ("Jenis Kelamin", "sex"),
            ("Jenis Kelamin (L/P)", "sex"),
            ("Sex", "sex"),
            ("gender", "sex"),
            ("Instansi", "agency"),
            ("Lembaga", "agency"),
            ("Organisasi", "agency"),
            ("Agency", "agency"),
            ("Instansi / Lembaga", "agency"),
            ("Jabatan", "position"),
            ("Position", "position"),
            ("No HP", "phone"),
            ("No. HP", "phone"),
            ("Telepon", "phone"),
            ("Phone", "phone"),
            ("NIK", "nik"),
            ("Desa", "village"),
            ("Kelurahan", "village"),
            ("Desa/Kelurahan", "village"),
            ("Village", "village"),
            ("Tanggal Lahir", "birth_date"),
            ("Tempat, Tanggal Lahir", "birth_date"),
            ("TTL", "birth_date"),
            ("Date of birth", "birth_date"),
            ("  nama   LENGKAP ", "full_name"),
            ("Nama & Gelar", "full_name"),
            ("Nama/Name", "full_name"),
            ("No. Telp/HP", "phone"),
            ("No HP/WA", "phone"),
            ("Desa/Kel.", "village"),
            ("Unit Kerja", "agency"),
            ("Asal Instansi/Lembaga", "agency"),
        ],
    )
    def test_synonyms_in_any_case_and_spacing(self, text, field):
        assert header_field(text) == field

    def test_unrelated_headers_are_not_fields(self):
        assert header_field("Tanda Tangan") is None
        assert header_field("No") is None

    @pytest.mark.parametrize(
        ("text", "index"),
        [
            ("Hari 1", 0),
            ("Day 2", 1),
            ("Hari ke-3", 2),
            ("Hari 2 (19/10)", 1),
            ("19/10/2023", 1),
            ("20 Oktober 2023", 2),
            (datetime.datetime(2023, 10, 18), 0),
            ("18/10", 0),
            ("Hari 4", 3),
            ("25/10/2023", -1),
        ],
    )
    def test_day_columns(self, text, index):
        assert header_day(text, DAYS) == index

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
        assert problem.value.endswith("0000") and "7309" not in problem.value

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

    @pytest.mark.parametrize(
        ("data", "name", "message"),
        [
            (b"", "a.xlsx", "empty"),
            (b"   \n", "a.csv", "empty"),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png", "not a spreadsheet"),
            (b"PK\x03\x04 not really a zip", "a.xlsx", "not a spreadsheet"),
            (b"%PDF-1.4 text", "a.xlsx", "not a spreadsheet"),
            (
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
                + "EncryptionInfo".encode("utf-16-le"),
                "a.xlsx",
                "password",
            ),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "a.xls", ".xls"),
        ],
    )  # fmt: skip
    def test_unreadable_files_give_a_clear_message(self, data, name, message):
        with pytest.raises(ImportFileError) as error:
            read(data, name)
        assert message in str(error.value)

    def test_workbook_encrypted_by_excel_asks_to_remove_the_password(self):
        data = (DATA / "password-protected.xlsx").read_bytes()
        with pytest.raises(ImportFileError) as error:
            read(data, "password-protected.xlsx")
        assert "protected with a password" in str(error.value)

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

    def test_file_over_10_mb_is_refused(self):
        with pytest.raises(ImportFileError) as error:
            read(b"a" * (importing.MAX_FILE_BYTES + 1), "big.csv")
        assert "10 MB" in str(error.value)

    def test_more_than_20000_rows_is_refused(self):
        rows = [HEADER] + [person(name=f"Orang {i}") for i in range(20_001)]
        with pytest.raises(ImportFileError) as error:
            read(csv_bytes(rows), "long.csv")
        assert "20.000" in str(error.value)


class TestMarosSheet:
    def test_imports_19_participants_4_l_15_p_day_2_is_18(self, training):
        plan, result = import_all(training, MAROS.read_bytes())
        assert result.created == 19
        enrolments = training.enrolments.participants()
        assert enrolments.sex_summary() == {
            "total": 19,
            "male": 4,
            "female": 15,
            "not_recorded": 0,
        }
        per_day = {
            row["date"]: row["total"]
            for row in Attendance.objects.filter(
                enrolment__training=training
            ).per_day_summary()
        }
        assert per_day == {DAYS[0]: 19, DAYS[1]: 18, DAYS[2]: 19}

    def test_phones_are_normalised_including_the_one_typed_as_a_number(self, training):
        import_all(training, MAROS.read_bytes())
        phones = dict(Participant.objects.values_list("full_name", "phone"))
        assert phones["Fatmawati Daeng Ngai"] == "+6281244556677"
        assert phones["Hj. Nurhaeda Rahman, S.Sos"] == "+6281242317710"
        assert phones["Sitti Aisyah Mappiare"] == "+6285299001122"
        assert phones["Rosmini"] == ""
        assert all(p.startswith("+62") for p in phones.values() if p)

    def test_new_agencies_get_their_type_from_their_name(self, training):
        import_all(training, MAROS.read_bytes())
        rows = training.enrolments.participants().agency_type_summary()
        assert {row["agency_type"]: row["total"] for row in rows} == {
            "government": 7,
            "law_enforcement": 3,
            "service_provider": 4,
            "community": 5,
        }

    def test_known_agency_spellings_match_their_agency_through_aliases(self, training):
        dinsos = AgencyFactory(name="Dinas Sosial Kabupaten Maros")
        AgencyAlias.objects.create(agency=dinsos, name="Dinsos Maros")
        AgencyAlias.objects.create(agency=dinsos, name="Dinas Sosial Kab. Maros")
        import_all(training, MAROS.read_bytes())
        names = set(dinsos.participants.values_list("full_name", flat=True))
        assert names == {"Muh. Arfan Syamsuddin", "Andi Besse Tenri"}


class TestMatching:
    def _plan(self, training, rows, options=None):
        parsed = read_participant_file(xlsx(rows), "l.xlsx", days=training.days)
        return plan_import(
            training=training, parsed=parsed, options=options or ImportOptions()
        )

    def test_match_by_nik(self, training):
        existing = ParticipantFactory(full_name="Lain", nik="7309012345670001")
        plan = self._plan(
            training, [["Nama", "L/P", "NIK"], ["Rahma", "P", "7309012345670001"]]
        )
        assert (plan.rows[0].match, plan.rows[0].match_reason) == (existing, "nik")
        assert not plan.rows[0].can_reject

    def test_match_by_normalised_phone(self, training):
        existing = ParticipantFactory(phone="+6281355501234")
        plan = self._plan(training, [HEADER, person(phone="0813-5550-1234")])
        assert (plan.rows[0].match, plan.rows[0].match_reason) == (existing, "phone")

    def test_match_by_same_name_in_same_agency(self, training):
        agency = AgencyFactory(name="Dinas Pendidikan Kabupaten Maros")
        AgencyAlias.objects.create(agency=agency, name="Disdik Maros")
        existing = ParticipantFactory(full_name="Hasnah", agency=agency, phone="")
        plan = self._plan(
            training, [HEADER, person("Hasnah, S.Pd", "P", "Disdik Maros", "")]
        )
        assert (plan.rows[0].match, plan.rows[0].match_reason) == (existing, "name")

    def test_same_name_in_another_agency_is_not_a_match(self, training):
        ParticipantFactory(full_name="Hasnah", phone="")
        AgencyFactory(name="Dinas Uji")
        plan = self._plan(training, [HEADER, person("Hasnah", "P", "Dinas Uji", "")])
        assert plan.rows[0].match is None

    def test_a_person_erased_on_request_is_not_matched_by_phone_or_name(self, training):
        agency = AgencyFactory(name="Dinas Uji")
        ParticipantFactory(
            full_name="Rahmawati",
            agency=agency,
            phone="+6281355501234",
            erased_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        )
        plan = self._plan(training, [HEADER, person()])
        assert plan.rows[0].match is None

    def test_accepted_match_enrols_the_existing_person(self, training):
        existing = ParticipantFactory(phone="+6281355501234")
        plan, result = import_all(training, xlsx([HEADER, person()]))
        assert (result.created, result.matched) == (0, 1)
        assert Enrolment.objects.get(training=training).participant == existing
        assert Participant.objects.count() == 1

    def test_rejected_match_creates_a_new_person(self, training):
        ParticipantFactory(phone="+6281355501234")
        options = ImportOptions(rejected_rows={2})
        plan, result = import_all(training, xlsx([HEADER, person()]), options=options)
        assert (result.created, result.matched) == (1, 0)
        assert Participant.objects.count() == 2

    def test_person_already_enrolled_is_reported_not_a_failure(self, training):
        existing = ParticipantFactory(phone="+6281355501234")
        EnrolmentFactory(training=training, participant=existing)
        plan, result = import_all(
            training, xlsx([HEADER, person(), person("Irma", phone="081299990303")])
        )
        assert plan.problems == []
        assert [p.action for p in plan.rows] == ["enrolled", "create"]
        assert (result.already_enrolled, result.created) == (1, 1)
        assert training.enrolments.count() == 2

    def test_same_person_twice_in_the_file_is_a_problem(self, training):
        plan = self._plan(training, [HEADER, person(), person(phone="")])
        assert [(p.row, "row 2" in p.message) for p in plan.problems] == [(3, True)]


class TestAgencies:
    def test_unknown_agency_is_created_by_default_in_the_training_region(
        self, training
    ):
        plan, result = import_all(
            training, xlsx([HEADER, person(agency="PATBM Desa Baji Mangai")])
        )
        assert [a.name for a in plan.unknown_agencies] == ["PATBM Desa Baji Mangai"]
        agency = Agency.objects.get(name="PATBM Desa Baji Mangai")
        assert agency.region == training.region
        assert result.agencies_created == 1

    def test_a_name_used_in_several_regions_means_the_training_region_one(
        self, training
    ):
        AgencyFactory(name="Dinas Sosial")
        local = AgencyFactory(name="Dinas Sosial", region=training.region)
        plan, _ = import_all(training, xlsx([HEADER, person(agency="Dinas Sosial")]))
        assert plan.unknown_agencies == []
        assert Participant.objects.get().agency == local

    def test_rows_with_the_same_unknown_agency_share_one_new_agency(self, training):
        rows = [
            HEADER,
            person(agency="PATBM Desa X"),
            person("Irma", agency="patbm desa x", phone=""),
        ]
        import_all(training, xlsx(rows))
        assert Agency.objects.filter(name__iexact="patbm desa x").count() == 1
        assert Participant.objects.filter(agency__name="PATBM Desa X").count() == 2

    def test_unknown_agency_mapped_to_an_existing_one_is_remembered_as_alias(
        self, training
    ):
        dp3a = AgencyFactory(name="DP3A Kabupaten Maros")
        options = ImportOptions(agency_choices={"dinas p3a maros": dp3a.pk})
        plan, result = import_all(
            training, xlsx([HEADER, person(agency="Dinas P3A Maros")]), options=options
        )
        assert result.agencies_created == 0
        assert Participant.objects.get().agency == dp3a
        assert Agency.objects.matching("Dinas P3A  maros").get() == dp3a


def test_two_spellings_of_one_new_agency_create_it_once(training):
    rows = [
        HEADER,
        person(agency="DP3A Kab. Maros"),
        person("Sitti", agency="Dinas PPPA Kab. Maros", phone=""),
    ]
    options = ImportOptions(agency_choices={"dinas pppa kab maros": "dp3a kab maros"})
    plan, result = import_all(training, xlsx(rows), options=options)
    assert result.agencies_created == 1
    agency = Agency.objects.get()
    assert agency.name == "DP3A Kab. Maros"
    assert agency.participants.count() == 2
    assert Agency.objects.matching("Dinas PPPA Kab. Maros").get() == agency


def test_same_as_choices_pointing_at_each_other_create_both(training):
    rows = [HEADER, person(agency="A"), person("Sitti", agency="B", phone="")]
    options = ImportOptions(agency_choices={"a": "b", "b": "a"})
    plan, result = import_all(training, xlsx(rows), options=options)
    assert [a.same_as for a in plan.unknown_agencies] == ["", ""]
    assert result.agencies_created == 2


class TestAllOrNothing:
    def test_one_bad_row_changes_nothing_and_names_the_row(self, training):
        rows = [HEADER, person(), person("Budi", "Lelaki", phone="081299990303")]
        parsed = read_participant_file(xlsx(rows), "l.xlsx", days=training.days)
        plan = plan_import(training=training, parsed=parsed, options=ImportOptions())
        with pytest.raises(ValidationError) as error:
            participants_import(training=training, plan=plan)
        assert "Row 3, column C (L/P)" in error.value.messages[0]
        assert Participant.objects.count() == 0
        assert Enrolment.objects.count() == 0
        assert Agency.objects.filter(name="Dinas Uji").count() == 0

    def test_a_database_error_midway_rolls_everything_back(self, training, monkeypatch):
        def fail(*args, **kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(Attendance.objects, "bulk_create", fail)
        with pytest.raises(RuntimeError):
            import_all(training, xlsx([HEADER, person()]))
        assert Participant.objects.count() == 0
        assert Agency.objects.count() == 0


class TestQueries:
    def test_plan_runs_the_same_queries_for_30_or_600_rows(self, training):
        for i in range(5):
            AgencyFactory(name=f"Dinas {i}")

        def plan_queries(count):
            rows = [HEADER] + [
                person(f"Orang {i}", "L", f"Dinas {i % 5}", f"0812{i:08d}")
                for i in range(count)
            ]
            parsed = read_participant_file(xlsx(rows), "l.xlsx", days=training.days)
            with CaptureQueriesContext(connection) as queries:
                plan_import(training=training, parsed=parsed, options=ImportOptions())
            return len(queries)

        # 5 agencies, people by phone, by name in agency, enrolled: 8 queries.
        assert plan_queries(30) == plan_queries(600) == 8

    def test_write_uses_batches_not_a_query_a_row(
        self, training, django_assert_max_num_queries
    ):
        rows = [HEADER] + [
            person(f"Orang {i}", "L", f"Dinas {i % 5}", f"0812{i:08d}")
            for i in range(300)
        ]
        parsed = read_participant_file(xlsx(rows), "l.xlsx", days=training.days)
        plan = plan_import(training=training, parsed=parsed, options=ImportOptions())
        # 5 new agencies (4 queries each), then batches of bulk inserts (SQLite
        # takes 999 parameters a query), doubled where the models keep a history:
        # far below one query a row.
        with django_assert_max_num_queries(60):
            participants_import(training=training, plan=plan)
        assert training.enrolments.count() == 300

    def test_imported_rows_get_a_created_history_entry_with_the_user(self, training):
        if not hasattr(Participant, "history"):
            pytest.skip("Participant keeps no history (django-simple-history)")
        user = UserFactory()
        parsed = read_participant_file(MAROS.read_bytes(), "m.xlsx", days=training.days)
        plan = plan_import(training=training, parsed=parsed, options=ImportOptions())
        participants_import(training=training, plan=plan, user=user)
        history = Participant.history.filter(history_type="+")
        assert history.count() == 19
        assert set(history.values_list("history_user", flat=True)) == {user.pk}
