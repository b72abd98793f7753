"""Reading .xlsx and .csv files into raw rows, and finding the header."""

import datetime

import pytest
from django.utils import translation

from participants.sheets import (
    MAX_FILE_BYTES,
    ImportFileError,
    header_day,
    header_field,
    read_table,
)
from tests.trainings.imports.files import DATA, DAYS


@pytest.fixture(autouse=True)
def english():
    """Messages in English, whatever the Indonesian catalogue holds."""
    with translation.override("en"):
        yield


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


class TestUnreadableFiles:
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
            read_table(data, name)
        assert message in str(error.value)

    def test_workbook_encrypted_by_excel_asks_to_remove_the_password(self):
        data = (DATA / "password-protected.xlsx").read_bytes()
        with pytest.raises(ImportFileError) as error:
            read_table(data, "password-protected.xlsx")
        assert "protected with a password" in str(error.value)

    def test_file_over_10_mb_is_refused(self):
        with pytest.raises(ImportFileError) as error:
            read_table(b"a" * (MAX_FILE_BYTES + 1), "big.csv")
        assert "10 MB" in str(error.value)


@pytest.mark.parametrize(
    "body",
    [
        "Nama,L/P\nAni," + "x" * 200_000 + "\n",  # past the csv module's field limit
        'Nama,L/P\n"Ani,P\n' + "Budi,L\n" * 30_000,  # an unclosed quote
    ],
)
def test_a_csv_the_csv_module_cannot_read_is_a_file_error(body):
    with pytest.raises(ImportFileError) as error:
        read_table(body.encode(), "daftar.csv")
    # Refused by the row length limit (setara.upload_limits), before the csv
    # module's own field limit.
    assert "Row 2 is longer than 100,000 characters" in str(error.value)
