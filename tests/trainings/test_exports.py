"""Exports of reports and participant lists: .xlsx and .csv that open safely in
Excel and LibreOffice, with typed cells and only the columns the user may see.

The report's exports are made by background jobs (run at once in tests): these
tests read the job's file; tests/trainings/test_export_jobs.py tests the jobs."""

import csv
import datetime
import io
import zipfile
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from jobs.models import Job
from participants.models import Participant
from tests.auth import login
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
    UserFactory,
)
from tests.trainings.export_files import export_content, start_export
from trainings.models import Training

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://example.invalid","x")', "@SUM(1+1)"]


@pytest.fixture
def maros():
    call_command("load_demo", stdout=io.StringIO())
    return Training.objects.get(start_date=datetime.date(2023, 10, 18))


def t(text, language="id", **values):
    """``text`` translated as the export writes it (the default UI language is
    Indonesian), so the tests hold before and after the catalogue is updated."""
    with translation.override(language):
        return (
            translation.gettext(text) % values if values else translation.gettext(text)
        )


def day(number, date, language="id"):
    return t("Day %(number)s (%(date)s)", language, number=number, date=date)


def content(response_or_bytes) -> bytes:
    """A streamed response's body, or the bytes of a job's file as they are."""
    if isinstance(response_or_bytes, bytes):
        return response_or_bytes
    return b"".join(response_or_bytes.streaming_content)


def workbook(response_or_bytes):
    return load_workbook(io.BytesIO(content(response_or_bytes)))


def csv_rows(response_or_bytes, delimiter=";"):
    """The rows of a .csv; ``;`` between fields, as in the default (Indonesian)
    interface (tests/trainings/test_csv_locale.py tests both languages)."""
    text = content(response_or_bytes).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def csv_table(rows, title):
    """The header and rows of the table titled ``title`` in a .csv of several
    tables (a report export: its filters first, then the table)."""
    start = rows.index([title]) + 1
    end = rows.index([], start) if [] in rows[start:] else len(rows)
    return rows[start:end]


def column(sheet, header):
    """The values under ``header`` (first row), as a list."""
    names = [cell.value for cell in sheet[1]]
    index = names.index(header)
    return [row[index] for row in sheet.iter_rows(min_row=2, values_only=True)]


class TestTrainingParticipantList:
    def test_maros_xlsx_has_19_people_and_attendance_per_day(
        self, maros, coordinator_client
    ):
        url = reverse("trainings:export_participants", args=[maros.pk, "xlsx"])
        response = coordinator_client.get(url)
        assert response.status_code == HTTPStatus.OK
        assert response["Content-Disposition"].startswith("attachment")
        sheet = workbook(response).active
        assert sheet.max_row == 1 + 19
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
        header = [cell.value for cell in sheet[1]]
        # Indonesian headers by default
        assert "Nama" in header
        assert day(2, "19/10/2023") in header
        day_two = column(sheet, day(2, "19/10/2023"))
        assert sum(day_two) == 18
        assert sorted(set(day_two)) == [0, 1]
        assert column(sheet, t("Sex (L/P)")).count("L") == 4
        assert column(sheet, t("Sex (L/P)")).count("P") == 15

    def test_phone_and_nik_are_text_with_leading_zero(self, maros, coordinator_client):
        person = Participant.objects.get(full_name__startswith="Rahmawati")
        person.nik = "0309012345678901"
        person.save()
        url = reverse("trainings:export_participants", args=[maros.pk, "xlsx"])
        sheet = workbook(coordinator_client.get(url)).active
        names = column(sheet, "Nama")
        row = names.index(person.full_name) + 2
        header = [cell.value for cell in sheet[1]]
        phone = sheet.cell(row=row, column=header.index(t("Phone")) + 1)
        nik = sheet.cell(row=row, column=header.index("NIK") + 1)
        assert (phone.value, phone.data_type, phone.number_format) == (
            "081355501234",
            "s",
            "@",
        )
        assert (nik.value, nik.data_type) == ("0309012345678901", "s")

    def test_staff_export_leaves_out_phone_nik_and_birth_date(
        self, maros, staff_client
    ):
        for fmt in ("xlsx", "csv"):
            url = reverse("trainings:export_participants", args=[maros.pk, fmt])
            response = staff_client.get(url)
            assert response.status_code == HTTPStatus.OK
            if fmt == "xlsx":
                header = [cell.value for cell in workbook(response).active[1]]
                body = ""
            else:
                rows = csv_rows(response)
                header, body = rows[0], repr(rows[1:])
            assert "Nama" in header
            assert not {t("Phone"), "NIK", t("Birth date")} & set(header)
            assert "0812" not in body

    def test_csv_has_the_same_rows(self, maros, coordinator_client):
        url = reverse("trainings:export_participants", args=[maros.pk, "csv"])
        rows = csv_rows(coordinator_client.get(url))
        assert len(rows) == 1 + 19
        day_two = rows[0].index(day(2, "19/10/2023"))
        assert sum(int(row[day_two]) for row in rows[1:]) == 18
        # A text formula: Excel and LibreOffice keep the leading 0.
        assert '="081242317710"' in {row[rows[0].index(t("Phone"))] for row in rows}

    def test_headers_in_english_when_the_ui_is_english(self, maros, coordinator_client):
        coordinator_client.cookies["django_language"] = "en"
        url = reverse("trainings:export_participants", args=[maros.pk, "xlsx"])
        header = [
            cell.value for cell in workbook(coordinator_client.get(url)).active[1]
        ]
        assert "Name" in header
        assert day(2, "19/10/2023", "en") in header

    def test_birth_date_is_a_real_excel_date(self, coordinator_client):
        person = ParticipantFactory(birth_date=datetime.date(1985, 4, 3))
        enrolment = EnrolmentFactory(participant=person)
        url = reverse(
            "trainings:export_participants", args=[enrolment.training.pk, "xlsx"]
        )
        sheet = workbook(coordinator_client.get(url)).active
        cell = sheet.cell(
            row=2, column=[c.value for c in sheet[1]].index(t("Birth date")) + 1
        )
        assert cell.is_date
        assert cell.value == datetime.datetime(1985, 4, 3)
        assert cell.number_format == "dd/mm/yyyy"


class TestFormulaInjection:
    @pytest.fixture
    def training(self):
        training = TrainingFactory()
        for name in FORMULAS:
            enrolment = EnrolmentFactory(
                training=training, participant=ParticipantFactory(full_name=name)
            )
            AttendanceFactory(enrolment=enrolment)
        return training

    def test_xlsx_stores_formula_like_names_as_text(self, training, coordinator_client):
        url = reverse("trainings:export_participants", args=[training.pk, "xlsx"])
        content = b"".join(coordinator_client.get(url).streaming_content)
        sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read(
            "xl/worksheets/sheet1.xml"
        )
        assert b"<f>" not in sheet_xml  # no formula anywhere
        sheet = load_workbook(io.BytesIO(content)).active
        names = {}
        for row in sheet.iter_rows(min_row=2):
            names[row[1].value] = row[1]
        assert set(names) == set(FORMULAS)
        for cell in names.values():
            assert cell.data_type == "s"
            assert cell.quotePrefix
        # numbers keep their type
        assert column(sheet, day(1, "18/10/2023")) == [1, 1]
        assert column(sheet, "No.") == [1, 2]

    def test_csv_prefixes_formula_like_names(self, training, coordinator_client):
        url = reverse("trainings:export_participants", args=[training.pk, "csv"])
        rows = csv_rows(coordinator_client.get(url))
        names = {row[1] for row in rows[1:]}
        assert names == {"'" + name for name in FORMULAS}
        assert {row[0] for row in rows[1:]} == {"1", "2"}


class TestSummaryExport:
    def test_maros_summary_row_is_4_15_19(self, maros, staff_client):
        response = staff_client.get(
            reverse("trainings:export_summary", args=[maros.pk])
        )
        assert response.status_code == HTTPStatus.OK
        book = workbook(response)
        summary = book.worksheets[0]
        rows = list(summary.iter_rows(values_only=True))
        assert rows[0] == (t("Measure"), "L", "P", t("Not recorded"), t("Total"), "% P")
        participations = rows[2]
        assert participations[1:5] == (4, 15, 0, 19)
        assert participations[5] == pytest.approx(78.9)
        by_type = {
            row[0]: row[1:5] for row in book.worksheets[1].iter_rows(values_only=True)
        }
        assert by_type[t("Total")] == (4, 15, 0, 19)
        trainings = book.worksheets[-1]
        header = [cell.value for cell in trainings[1]]
        row = [cell.value for cell in trainings[2]]
        assert (
            row[
                header.index(
                    t("Day %(number)s present %(sex)s", number=2, sex=t("total"))
                )
            ]
            == 18
        )
        assert row[header.index(t("Start date"))] == datetime.datetime(2023, 10, 18)


class TestReportExport:
    def test_xlsx_has_a_sheet_per_table_and_agrees_with_the_page(
        self, maros, coordinator_client
    ):
        page = coordinator_client.get(reverse("trainings:report"))
        book = workbook(
            export_content(
                coordinator_client, reverse("trainings:report_export", args=["xlsx"])
            )
        )
        # The filters, then with the province and regency tables
        assert len(book.worksheets) == 1 + 9
        for sheet in book.worksheets:
            assert sheet.freeze_panes == "A2"
        tables = page.context["tables"]
        for name, sheet in zip(
            ["summary", "agency_type", "agency", "disability", "wg", "month"],
            book.worksheets[1:],
            strict=False,
        ):
            page_rows = [[c["text"] for c in row] for row in tables[name]["rows"]]
            sheet_rows = list(sheet.iter_rows(min_row=2, values_only=True))
            assert len(page_rows) == len(sheet_rows), name
            for page_row, sheet_row in zip(page_rows, sheet_rows, strict=True):
                # L, P, not recorded and total: the first four counts
                numbers = [v for v in sheet_row if isinstance(v, int)][:4]
                page_numbers = [int(c) for c in page_row if c.isdigit()][:4]
                assert numbers == page_numbers, name

    def test_csv_has_every_table_with_its_title(self, maros, staff_client):
        response = export_content(
            staff_client,
            reverse("trainings:report_export", args=["csv"]),
            {"agency_type": "community"},
        )
        rows = csv_rows(response)
        titles = [row[0] for row in rows if len(row) == 1]
        assert len(titles) == 1 + 9  # the filters, then the tables
        # The summary table follows its title and header: trainings, then
        # participations.
        summary_start = rows.index([t("Summary")])
        assert rows[summary_start + 2][4] == "1"  # trainings held
        participations = rows[summary_start + 3]
        assert participations[1:5] == ["1", "4", "0", "5"]

    def test_filtered_people_list(self, maros, coordinator_client):
        response = export_content(
            coordinator_client,
            reverse("trainings:report_participants", args=["xlsx"]),
            {"agency_type": "law_enforcement"},
        )
        sheet = workbook(response).active
        assert sheet.max_row == 1 + 3
        assert column(sheet, t("Participations")) == [1, 1, 1]
        assert t("Phone") in [cell.value for cell in sheet[1]]

    def test_invalid_filters_give_400_not_a_file(self, staff_client):
        url = reverse("trainings:report_export", args=["xlsx"])
        for response in [
            staff_client.get(url, {"period_before": "x"}),
            start_export(staff_client, url, {"period_before": "x"}),
        ]:
            assert response.status_code == HTTPStatus.BAD_REQUEST
            assert "Content-Disposition" not in response
        assert not Job.objects.exists()


class TestWho:
    def test_login_required(self, client, maros):
        url = reverse("trainings:export_participants", args=[maros.pk, "xlsx"])
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("login"))

    def test_user_without_a_role_is_refused(self, client, maros):
        user = UserFactory(username="nobody")
        user.groups.clear()
        login(client, user)
        for url in [
            reverse("trainings:report"),
            reverse("trainings:report_export", args=["csv"]),
            reverse("trainings:report_participants", args=["csv"]),
            reverse("trainings:export_participants", args=[maros.pk, "csv"]),
        ]:
            assert client.get(url).status_code == HTTPStatus.FORBIDDEN
            assert client.post(url).status_code == HTTPStatus.FORBIDDEN
        assert not Job.objects.exists()

    def test_admin_gets_personal_columns(self, maros, admin_client):
        response = export_content(
            admin_client, reverse("trainings:report_participants", args=["csv"])
        )
        assert "NIK" in csv_table(csv_rows(response), t("Participants"))[0]

    def test_staff_people_list_has_no_personal_columns(self, maros, staff_client):
        response = export_content(
            staff_client, reverse("trainings:report_participants", args=["csv"])
        )
        header = csv_table(csv_rows(response), t("Participants"))[0]
        assert t("Name") in header
        assert "NIK" not in header
        assert t("Phone") not in header

    def test_detail_page_links_to_the_exports(self, maros, staff_client):
        content = staff_client.get(maros.get_absolute_url()).content.decode()
        for name, args in [
            ("trainings:export_participants", [maros.pk, "xlsx"]),
            ("trainings:export_participants", [maros.pk, "csv"]),
            ("trainings:export_summary", [maros.pk]),
        ]:
            assert reverse(name, args=args) in content


class TestExportQueries:
    @staticmethod
    def _count(client, url):
        """Queries of the export's request: the direct stream of a small training,
        or the start of a report export with its job (run at once in tests)."""
        with CaptureQueriesContext(connection) as context:
            body = export_content(client, url)
        assert body
        return len(context)

    def test_participant_list_queries_do_not_grow_with_people(self, coordinator_client):
        training = TrainingFactory()
        url = reverse("trainings:export_participants", args=[training.pk, "xlsx"])
        for enrolment in EnrolmentFactory.create_batch(3, training=training):
            AttendanceFactory(enrolment=enrolment)
        few = self._count(coordinator_client, url)
        for enrolment in EnrolmentFactory.create_batch(30, training=training):
            AttendanceFactory(enrolment=enrolment)
        assert self._count(coordinator_client, url) == few

    def test_report_export_queries_do_not_grow_with_trainings(self, staff_client):
        url = reverse("trainings:report_export", args=["xlsx"])
        EnrolmentFactory.create_batch(2)
        few = self._count(staff_client, url)
        EnrolmentFactory.create_batch(30)
        assert self._count(staff_client, url) == few
