""".csv exports follow the interface language (Indonesian: ``;`` between fields,
decimal commas, 18/10/2023; English: ``,``, decimal points, 2023-10-18), always
UTF-8 with a byte-order mark, sent straight back or made by a job; phone numbers
and NIK stay whole text when LibreOffice opens the file (``setara.csv_dialects``).

The LibreOffice tests convert the .csv with ``soffice --headless`` (Debian package
``libreoffice-calc-nogui``) as a user's LibreOffice would read it, then read the
converted .xlsx with openpyxl; they are skipped, saying why, without soffice.
"""

import csv
import datetime
import decimal
import io
import shutil
import subprocess
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from setara.csv_dialects import CSV_DIALECTS, CSV_PLAIN, csv_dialect, text_formula
from setara.spreadsheets import Table, csv_text_value, iter_csv
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    RegencyFactory,
    TrainingFactory,
)
from tests.trainings.export_files import export_content

pytestmark = pytest.mark.django_db

ID, EN = CSV_DIALECTS["id"], CSV_DIALECTS["en"]
PHONE, NIK = "+6281242317710", "7309114506850002"
#: LibreOffice's CSV filter: separator, text delimiter ("), UTF-8 (76), first
#: line 1, no column types, then the locale the file is read in (LCID).
LIBREOFFICE_FILTER = {
    "id": "Text - txt - csv (StarCalc):59,34,76,1,,1057",  # id-ID
    "en": "Text - txt - csv (StarCalc):44,34,76,1,,1033",  # en-US
}


def lines(table: Table, dialect) -> list[str]:
    text = "".join(iter_csv([table], dialect=dialect))
    assert text.startswith("\ufeff")
    return text[1:].splitlines()


def t(text: str, language: str = "id") -> str:
    with translation.override(language):
        return translation.gettext(text)


# The dialects ------------------------------------------------------------------


class TestDialects:
    def test_by_language(self):
        assert (ID.delimiter, ID.decimal) == (";", ",")
        assert (EN.delimiter, EN.decimal) == (",", ".")
        assert csv_dialect("id") is ID
        assert csv_dialect("en-gb") is EN
        assert csv_dialect("xx") is EN  # any other language reads commas
        with translation.override("id"):
            assert csv_dialect() is ID
        with translation.override("en"):
            assert csv_dialect() is EN

    def test_numbers_dates_and_separators(self):
        table = Table(
            "T",
            ["Nama", "% P", "Nilai", "Jumlah", "Tanggal"],
            [
                [
                    "Ani",
                    78.9,
                    decimal.Decimal("12.50"),
                    1234,
                    datetime.date(2023, 10, 1),
                ],
                ["Budi; Hj.", 1e-05, None, -5, None],
            ],
        )
        assert lines(table, ID) == [
            "Nama;% P;Nilai;Jumlah;Tanggal",
            "Ani;78,9;12,50;1234;01/10/2023",
            '"Budi; Hj.";0,00001;;-5;',
        ]
        assert lines(table, EN) == [
            "Nama,% P,Nilai,Jumlah,Tanggal",
            "Ani,78.9,12.50,1234,2023-10-01",
            "Budi; Hj.,0.00001,,-5,",
        ]

    def test_the_plain_dialect_is_what_the_admin_files_keep(self):
        table = Table("T", ["a", "b"], [[78.9, datetime.date(2023, 10, 18)]])
        assert lines(table, CSV_PLAIN) == ["a,b", "78.9,18/10/2023"]
        assert "".join(iter_csv([table])) == "".join(
            iter_csv([table], dialect=CSV_PLAIN)
        )


class TestTextColumns:
    @pytest.mark.parametrize(
        "value",
        ["081242317710", "0812-4231-7710", NIK, "+62 812 4231", "73.09", "(0411) 371"],
    )
    def test_numbers_become_a_text_formula(self, value):
        assert csv_text_value(value, ID) == f'="{value}"'

    @pytest.mark.parametrize(
        ("value", "written"),
        [
            ("tidak ada", "tidak ada"),
            ('=HYPERLINK("http://example.invalid","x")', "'=HYPERLINK"),
            ("+62812; =1+1", "'+62812; =1+1"),
            ('08"12', '08"12'),
            ("-", "'-"),
            (None, ""),
            ("1" * 65, "1" * 65),
        ],
    )
    def test_anything_else_is_text_through_the_formula_guard(self, value, written):
        """Only digits and + - . / ( ) spaces are wrapped: no typed value
        becomes another formula, and there is no quote to escape."""
        assert str(csv_text_value(value, ID)).startswith(written)
        if value is not None:
            assert text_formula(value) is None

    def test_only_text_columns_are_wrapped(self):
        table = Table(
            "T", ["Nama", "HP"], [["0812", "0812"]], text_columns=frozenset({1})
        )
        assert lines(table, ID)[1] == '0812;"=""0812"""'


# The exports -------------------------------------------------------------------


@pytest.fixture
def training():
    """A training in Kabupaten Maros: two women, one man (66.7 % women), with
    phone numbers, NIK and birth dates."""
    maros = RegencyFactory(code="73.09", name="Kabupaten Maros")
    training = TrainingFactory(title="Pelatihan OCSEA Maros", region=maros)
    people = [
        ("Andi Rusdi", "L", PHONE, NIK),
        ("Hj. Nurhaeda", "P", "+6281355501234", "7309015203850001"),
        ("Sitti Aminah", "P", "", ""),
    ]
    for name, sex, phone, nik in people:
        person = ParticipantFactory(
            full_name=name,
            sex=sex,
            phone=phone,
            nik=nik,
            birth_date=datetime.date(1985, 4, 3),
        )
        AttendanceFactory(
            enrolment=EnrolmentFactory(training=training, participant=person)
        )
    return training


def read(content: bytes, delimiter: str) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def use_language(client, language: str):
    client.cookies["django_language"] = language
    return client


class TestDirectExport:
    """One training's participant list, streamed straight back."""

    @pytest.mark.parametrize(("language", "delimiter"), [("id", ";"), ("en", ",")])
    def test_follows_the_interface_language(
        self, training, coordinator_client, language, delimiter
    ):
        use_language(coordinator_client, language)
        url = reverse("trainings:export_participants", args=[training.pk, "csv"])
        response = coordinator_client.get(url)
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = read(b"".join(response.streaming_content), delimiter)
        header = rows[0]
        assert header[1] == t("Name", language)
        andi = next(row for row in rows if row[1] == "Andi Rusdi")
        assert andi[header.index(t("Phone", language))] == '="081242317710"'
        assert andi[header.index("NIK")] == f'="{NIK}"'
        birth = "03/04/1985" if language == "id" else "1985-04-03"
        assert andi[header.index(t("Birth date", language))] == birth


class TestJobExports:
    """The report's exports, made by a job in its starter's language."""

    @pytest.mark.parametrize(
        ("language", "delimiter", "share"), [("id", ";", "66,7"), ("en", ",", "66.7")]
    )
    def test_report_tables_have_the_decimal_mark_of_the_language(
        self, training, staff_client, language, delimiter, share
    ):
        use_language(staff_client, language)
        url = reverse("trainings:report_export", args=["csv"])
        rows = read(export_content(staff_client, url), delimiter)
        label = t(
            "Participations (enrolments: one person in two trainings counts twice)",
            language,
        )
        participations = next(row for row in rows if row and row[0] == label)
        assert participations[1:] == ["1", "2", "0", "3", share]

    @pytest.mark.parametrize(("language", "delimiter"), [("id", ";"), ("en", ",")])
    def test_participant_list(self, training, coordinator_client, language, delimiter):
        use_language(coordinator_client, language)
        url = reverse("trainings:report_participants", args=["csv"])
        content = export_content(coordinator_client, url, {"region": "73.09"})
        rows = read(content, delimiter)
        start = rows.index([t("Participants", language)]) + 1
        header, *people = [row for row in rows[start:] if row]  # a blank line ends it
        assert len(people) == 3
        phones = {row[header.index(t("Phone", language))] for row in people}
        assert phones == {'="081242317710"', '="081355501234"', ""}


# LibreOffice --------------------------------------------------------------------


@pytest.fixture
def libreoffice(tmp_path):
    """``open(csv_bytes, language)``: the .csv as LibreOffice opens it in that
    language's locale, as an openpyxl workbook of values (formulas evaluated)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        reason = (
            "LibreOffice is not installed (Debian: apt-get install "
            "libreoffice-calc-nogui): the round trip through it is not tested"
        )
        print(reason)
        pytest.skip(reason)

    def open_csv(content: bytes, language: str):
        source = tmp_path / f"export-{language}.csv"
        source.write_bytes(content)
        out = tmp_path / "out"
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{tmp_path}/profile",  # its own
                "--headless",
                "--convert-to",
                "xlsx",
                f"--infilter={LIBREOFFICE_FILTER[language]}",
                "--outdir",
                str(out),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return load_workbook(out / f"export-{language}.xlsx", data_only=True)

    return open_csv


def cells_by_header(sheet, first_header: str) -> tuple[list, list[list]]:
    """The header row starting with ``first_header`` and the cells under it."""
    rows = list(sheet.iter_rows())
    start = next(i for i, row in enumerate(rows) if row[0].value == first_header)
    header = [cell.value for cell in rows[start]]
    body = []
    for row in rows[start + 1 :]:
        if row[0].value is None:
            break
        body.append(list(row))
    return header, body


class TestLibreOffice:
    @pytest.mark.parametrize("language", ["id", "en"])
    def test_phone_and_nik_stay_text_and_numbers_stay_numbers(
        self, training, coordinator_client, libreoffice, language
    ):
        use_language(coordinator_client, language)
        url = reverse("trainings:export_participants", args=[training.pk, "csv"])
        response = coordinator_client.get(url)
        book = libreoffice(b"".join(response.streaming_content), language)
        header, body = cells_by_header(book.active, "No.")
        andi = next(row for row in body if row[1].value == "Andi Rusdi")
        phone = andi[header.index(t("Phone", language))]
        nik = andi[header.index("NIK")]
        birth = andi[header.index(t("Birth date", language))]
        # The leading 0 kept, the 16 digits whole, both as text.
        assert (phone.value, phone.data_type) == ("081242317710", "s")
        assert (nik.value, nik.data_type) == (NIK, "s")
        assert birth.value == datetime.datetime(1985, 4, 3)  # a date, day first
        assert andi[0].value == 1 and andi[0].data_type == "n"
        days = andi[header.index(t("Days present", language))]
        assert (days.value, days.data_type) == (1, "n")

    @pytest.mark.parametrize("language", ["id", "en"])
    def test_decimal_shares_are_numbers(
        self, training, staff_client, libreoffice, language
    ):
        use_language(staff_client, language)
        url = reverse("trainings:report_export", args=["csv"])
        book = libreoffice(export_content(staff_client, url), language)
        label = t(
            "Participations (enrolments: one person in two trainings counts twice)",
            language,
        )
        row = next(row for row in book.active.iter_rows() if row[0].value == label)
        assert [cell.value for cell in row[1:5]] == [1, 2, 0, 3]
        assert row[5].data_type == "n"
        assert row[5].value == pytest.approx(66.7)

    def test_participant_list_of_a_report_keeps_phone_and_nik(
        self, training, coordinator_client, libreoffice
    ):
        url = reverse("trainings:report_participants", args=["csv"])
        book = libreoffice(export_content(coordinator_client, url), "id")
        header, body = cells_by_header(book.active, t("Name"))
        people = {row[0].value: row for row in body}
        assert set(people) == {"Andi Rusdi", "Hj. Nurhaeda", "Sitti Aminah"}
        nurhaeda = people["Hj. Nurhaeda"]
        assert nurhaeda[header.index(t("Phone"))].value == "081355501234"
        assert nurhaeda[header.index("NIK")].value == "7309015203850001"
        participations = nurhaeda[header.index(t("Participations"))]
        assert (participations.value, participations.data_type) == (1, "n")
