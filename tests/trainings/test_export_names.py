"""Export files say what they hold: their names name the training (a short slug of
its title, its region, its start date) or the report's filters and the day they
were made; each report export starts with its filters (a "Filter" sheet, or rows
at the top of the .csv); and the export log shows exports by readable names."""

import csv
import datetime
import io
import re
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from participants.models import ExportLog
from setara.export_log import EXPORT_LABELS, export_label, export_log_record
from setara.spreadsheets import attachment_header
from tests.factories import (
    EnrolmentFactory,
    ProvinceFactory,
    RegencyFactory,
    TrainingFactory,
)
from tests.trainings.export_files import export_content, job_of, start_export
from trainings import exports
from trainings.models import Topic

pytestmark = pytest.mark.django_db

PERIOD_2023 = {"period_after": "2023-01-01", "period_before": "2023-12-31"}


def t(text: str, language: str = "id") -> str:
    with translation.override(language):
        return translation.gettext(text)


def today() -> str:
    return timezone.localdate().isoformat()


@pytest.fixture
def maros():
    return RegencyFactory(code="73.09", name="Kabupaten Maros")


@pytest.fixture
def training(maros):
    training = TrainingFactory(title="Pelatihan OCSEA Maros", region=maros)
    EnrolmentFactory.create_batch(2, training=training)
    return training


# File names -------------------------------------------------------------------


class TestTrainingNames:
    def test_what_title_and_start_date(self, training):
        with translation.override("id"):
            stem = exports.training_file_stem(t("participants"), training)
        # The title names the region already: not twice.
        assert stem == "peserta-pelatihan-ocsea-maros-2023-10-18"

    def test_the_region_is_added_and_a_long_title_cut_between_words(self, maros):
        training = TrainingFactory(
            region=maros,
            title="Pelatihan Pencegahan dan Penanganan Eksploitasi dan Kekerasan "
            "Seksual Anak di Ranah Daring bagi Penyedia Layanan dan APH",
        )
        stem = exports.training_file_stem("laporan", training)
        assert stem == "laporan-pelatihan-pencegahan-dan-penanganan-maros-2023-10-18"

    def test_a_city_keeps_kota_and_names_are_ascii(self):
        city = RegencyFactory(code="73.71", name="Kota Makassar", level="city")
        training = TrainingFactory(
            title="Pelatihan Konselor Sébaya – Angkatan II",
            region=city,
            start_date=datetime.date(2024, 2, 1),
        )
        stem = exports.training_file_stem("Daftar hadir", training)
        assert stem == (
            "daftar-hadir-pelatihan-konselor-sebaya-angkatan-ii-kota-makassar-2024-02-01"
        )
        assert stem.isascii()

    @pytest.mark.parametrize(
        ("name", "fmt", "language", "what"),
        [
            ("trainings:export_participants", "xlsx", "id", "peserta"),
            ("trainings:export_participants", "csv", "en", "participants"),
        ],
    )
    def test_direct_download_headers(
        self, training, coordinator_client, name, fmt, language, what
    ):
        coordinator_client.cookies["django_language"] = language
        response = coordinator_client.get(reverse(name, args=[training.pk, fmt]))
        assert b"".join(response.streaming_content)  # read to the end (closes it)
        file = f"{what}-pelatihan-ocsea-maros-2023-10-18.{fmt}"
        assert response["Content-Disposition"] == (
            f"attachment; filename=\"{file}\"; filename*=UTF-8''{file}"
        )

    def test_the_summary_says_what_it_holds(self, training, staff_client):
        response = staff_client.get(
            reverse("trainings:export_summary", args=[training.pk])
        )
        assert b"".join(response.streaming_content)  # read to the end (closes it)
        file = "ringkasan-jenis-kelamin-pelatihan-ocsea-maros-2023-10-18.xlsx"
        assert f'filename="{file}"' in response["Content-Disposition"]


def test_attachment_header_of_a_name_outside_ascii():
    assert attachment_header('laporan "ü".xlsx') == (
        'attachment; filename="laporan .xlsx"; '
        "filename*=UTF-8''laporan%20%22%C3%BC%22.xlsx"
    )


class TestReportNames:
    def stem(self, what: str, query: dict, language: str = "id") -> str:
        with translation.override(language):
            filterset = exports.report_filterset(QueryDict(urlencode(query)))
            assert not filterset.form.errors
            return exports.file_stem(what, filterset)

    def test_region_and_a_whole_year(self):
        ProvinceFactory()
        query = {"region": "73", **PERIOD_2023}
        assert self.stem("laporan", query) == f"laporan-sulawesi-selatan-2023-{today()}"

    def test_days_of_a_part_of_a_year_and_the_other_filters(self, maros):
        topic = Topic.objects.get(code="ocsea")
        query = {
            "region": "73.09",
            "period_after": "2023-01-15",
            "period_before": "2023-06-30",
            "topic": str(topic.pk),
            "agency_type": "law_enforcement",
            "training": "17",
        }
        assert self.stem("participants", query, "en") == (
            "participants-maros-20230115-20230630-ocsea-law-enforcement-training-17-"
            + today()
        )
        words = t("from %(start)s") % {"start": "20220101"}  # "mulai 20220101"
        assert self.stem("peserta", {"period_after": "2022-01-01"}) == (
            f"peserta-{words.replace(' ', '-')}-{today()}"
        )

    def test_without_filters_all_trainings(self):
        assert self.stem("laporan", {}) == f"laporan-semua-pelatihan-{today()}"

    def test_a_long_agency_text_is_cut(self):
        stem = self.stem("laporan", {"agency": "Dinas " * 100})
        assert len(stem) <= len("laporan-") + exports.NAME_FILTERS_LENGTH + 11

    def test_the_job_file_is_named_so(self, staff_client):
        ProvinceFactory()
        url = reverse("trainings:report_export", args=["xlsx"])
        job = job_of(start_export(staff_client, url, {"region": "73", **PERIOD_2023}))
        assert job.filename == f"laporan-sulawesi-selatan-2023-{today()}.xlsx"


# The filters in the file ------------------------------------------------------


def made_on(value: str) -> bool:
    return bool(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d WITA", value))


class TestFilterSheet:
    def test_xlsx_starts_with_the_filters_and_opens_on_the_data(
        self, training, staff_client
    ):
        ProvinceFactory()
        query = {"region": "73", **PERIOD_2023, "agency": "=cmd|' /C calc'!A0"}
        url = reverse("trainings:report_export", args=["xlsx"])
        book = load_workbook(io.BytesIO(export_content(staff_client, url, query)))
        cover = book.worksheets[0]
        assert cover.title == "Filter"
        rows = [[cell.value for cell in row] for row in cover.iter_rows()]
        assert rows[0] == ["Filter", t("Value")]
        assert rows[1:4] == [
            [t("Period (training start date)"), "01/01/2023 – 31/12/2023"],
            [t("Region"), "Prov. Sulawesi Selatan"],
            [t("Agency"), "=cmd|' /C calc'!A0"],
        ]
        assert cover["B4"].data_type == "s" and cover["B4"].quotePrefix  # not run
        assert rows[4][0] == t("Made on") and made_on(rows[4][1])
        assert len(rows) == 5
        assert book.active.title == t("Summary")

    def test_csv_has_the_filters_first_in_the_language_of_the_file(
        self, training, coordinator_client
    ):
        coordinator_client.cookies["django_language"] = "en"
        url = reverse("trainings:report_participants", args=["csv"])
        content = export_content(coordinator_client, url, {"region": "73.09"})
        rows = list(csv.reader(io.StringIO(content.decode()[1:])))
        assert rows[:3] == [
            ["Filter"],
            ["Filter", "Value"],
            ["Region", "Kabupaten Maros, Sulawesi Selatan"],
        ]
        assert rows[3][0] == "Made on" and made_on(rows[3][1])
        assert rows[4:6] == [[], ["Participants"]]

    def test_without_filters_all_trainings_and_cover_rows_are_not_counted(
        self, training, coordinator_client
    ):
        url = reverse("trainings:report_participants", args=["xlsx"])
        job = job_of(start_export(coordinator_client, url))
        with job.file.open("rb") as file:
            cover = load_workbook(file).worksheets[0]
        assert [cell.value for cell in cover[2]] == [
            t("Trainings"),
            t("all trainings"),
        ]
        # Rows written: the two people, not the cover's rows (the log counts them).
        assert (job.progress_done, job.progress_total) == (2, 2)


# The export log -----------------------------------------------------------------


def url_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    """Every "namespace:name" the project's URLs resolve."""
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= url_names(pattern, namespace)
        elif pattern.name:
            names.add(prefix + pattern.name)
    return names


class TestExportLogLabels:
    def test_labels_in_the_active_language_with_the_file_type(self):
        with translation.override("en"):
            assert (
                export_label("trainings:export_participants", {"fmt": "xlsx"})
                == "Participants and attendance (.xlsx)"
            )
            assert (
                export_label("trainings:report_participants", {"fmt": "csv"})
                == "Participant list (.csv)"
            )
            assert export_label("trainings:signin_sheet_pdf", {"pk": "3"}) == (
                "Sign-in sheet (.pdf)"
            )
            # A type typed into a query string is not shown.
            assert export_label("trainings:report_participants", {"fmt": "<b>"}) == (
                "Participant list"
            )
            # A name not listed shows as stored.
            assert export_label("somewhere:else", {}) == "somewhere:else"
        with translation.override("id"):
            assert export_label("trainings:report_participants", {"fmt": "xlsx"}) == (
                f"{t('Participant list')} (.xlsx)"
            )

    def test_every_labelled_export_is_a_url_of_the_project(self):
        assert set(EXPORT_LABELS) <= url_names()

    def test_the_admin_shows_and_filters_by_label(
        self, admin_client, staff_user, coordinator_user
    ):
        people = export_log_record(
            user=coordinator_user,
            export="trainings:report_participants",
            filters={"fmt": "xlsx"},
            row_count=3,
        )
        export_log_record(
            user=staff_user,
            export="trainings:signin_sheet_pdf",
            filters={"pk": "1"},
            row_count=2,
        )
        admin_client.cookies["django_language"] = "en"
        changelist = reverse("admin:participants_exportlog_changelist")
        page = admin_client.get(changelist).content.decode()
        assert "Participant list (.xlsx)" in page
        assert "Sign-in sheet (.pdf)" in page
        assert ">trainings:report_participants<" not in page
        filtered = admin_client.get(
            changelist, {"export": "trainings:report_participants"}
        )
        assert list(filtered.context["cl"].result_list) == [people]
        change = reverse("admin:participants_exportlog_change", args=[people.pk])
        assert "Participant list (.xlsx)" in admin_client.get(change).content.decode()
        assert ExportLog.objects.get(pk=people.pk).export == (
            "trainings:report_participants"
        )  # stored as it was
