"""The report's exports run as background jobs: a POST starts one (once, however
often it is sent) and redirects to its page; the job writes the same cells as the
direct export did, in the language and with the permissions of the user who
started it; a failure leaves no file. One training's exports stream straight back
up to ``DIRECT_EXPORT_MAX_ENROLMENTS`` enrolments and are jobs above."""

import csv
import datetime
import io
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.http import QueryDict
from django.template.defaultfilters import slugify
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from jobs.models import Job
from participants.models import ExportLog
from regions.models import Region
from setara import roles
from setara.csv_dialects import csv_dialect
from setara.spreadsheets import Table, write_csv, write_xlsx
from tests.auth import login
from tests.factories import EnrolmentFactory, TopicFactory, TrainingFactory, UserFactory
from tests.trainings.export_files import job_content, job_of, start_export
from trainings import exports, tables, tasks
from trainings.filters import ReportFilterSet
from trainings.models import Enrolment, Training

pytestmark = pytest.mark.django_db

REPORT = "trainings:report_export"
PEOPLE = "trainings:report_participants"
PERSONAL = {"Telepon", "NIK", "Tanggal lahir", "Phone", "Birth date"}


@pytest.fixture
def maros():
    call_command("load_demo", stdout=io.StringIO())
    return Training.objects.get(start_date=datetime.date(2023, 10, 18))


@pytest.fixture
def queue_only(settings):
    """A task backend that queues and never runs: jobs stay waiting."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }


def maros_region():
    return Region.objects.get(code="73.09")


def url(name, fmt="xlsx", *args):
    return reverse(name, args=[*args, fmt])


def sheet_cells(content: bytes) -> list[list[list]]:
    """Every sheet's cells, as values."""
    book = load_workbook(io.BytesIO(content))
    return [list(map(list, sheet.iter_rows(values_only=True))) for sheet in book]


def direct_file(table_list: list[Table], fmt: str) -> bytes:
    """What the direct export wrote for these tables (a .csv in the active
    language's dialect)."""
    out = io.BytesIO()
    if fmt == "csv":
        write_csv(table_list, out, dialect=csv_dialect())
    else:
        write_xlsx(table_list, out)
    return out.getvalue()


def made_on_left_out(content: bytes, fmt: str):
    """A file's cells (.xlsx) or lines (.csv) without the cover's "Made on" row,
    whose minute may differ between two files made one after the other."""
    if fmt == "csv":
        lines = content.decode("utf-8").splitlines()
        return [line for line in lines if not line.startswith(_("Made on"))]
    cover, *sheets = sheet_cells(content)
    assert cover[-1][0] == _("Made on")
    return [cover[:-1], *sheets]


def csv_table(content: bytes, title: str, delimiter: str) -> list[list[str]]:
    """The header and rows under ``title`` in a .csv of several tables."""
    rows = list(csv.reader(io.StringIO(content.decode()[1:]), delimiter=delimiter))
    start = rows.index([title]) + 1
    return rows[start : rows.index([], start) if [] in rows[start:] else None]


def report_enrolments(query: str = ""):
    return ReportFilterSet(
        QueryDict(query) or None, queryset=Enrolment.objects.participants()
    ).qs


class TestStart:
    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_participant_list_job_holds_the_cells_of_the_direct_export(
        self, maros, coordinator_client, fmt
    ):
        query = {"agency_type": "law_enforcement", "region": ""}
        response = start_export(coordinator_client, url(PEOPLE, fmt), query)
        job = job_of(response)
        assert response["Location"] == reverse("jobs:detail", args=[job.pk])
        assert job.status == Job.Status.SUCCEEDED, job.error_message
        assert job.params == {
            "query": "agency_type=law_enforcement",
            "fmt": fmt,
            "personal": True,
        }
        assert (job.progress_done, job.progress_total) == (3, 3)
        assert job.personal and job.permission == "participants.export_personal_data"
        assert job.log_export == PEOPLE
        assert job.log_filters == {"fmt": fmt, "agency_type": "law_enforcement"}
        with translation.override("id"):
            filters = "agency_type=law_enforcement"
            expected = direct_file(
                [
                    exports.filter_table(exports.report_filterset(QueryDict(filters))),
                    tables.participant_table(report_enrolments(filters), personal=True),
                ],
                fmt,
            )
            assert made_on_left_out(job_content(job), fmt) == made_on_left_out(
                expected, fmt
            )
        if fmt == "csv":
            assert job.content_type.startswith("text/csv")
        today = timezone.localdate().isoformat()
        assert job.filename == f"peserta-aparat-penegak-hukum-{today}.{fmt}"

    def test_report_tables_job_holds_the_cells_of_the_direct_export(
        self, maros, staff_client
    ):
        job = job_of(start_export(staff_client, url(REPORT, "xlsx")))
        with translation.override("id"):
            cover = exports.filter_table(exports.report_filterset(None))
            expected = direct_file(
                [cover, *tables.report_tables(report_enrolments())], "xlsx"
            )
            assert made_on_left_out(job_content(job), "xlsx") == made_on_left_out(
                expected, "xlsx"
            )
        assert not job.personal and job.permission == "trainings.view_training"
        assert job.progress_done > 0
        with translation.override("id"):
            words = slugify(f"{_('report')} {_('all trainings')}")
            assert job.filename == f"{words}-{timezone.localdate().isoformat()}.xlsx"

    def test_title_and_file_name_name_the_filters_without_personal_data(
        self, maros, coordinator_client
    ):
        coordinator_client.cookies["django_language"] = "en"
        query = {
            "period_after": "2023-01-01",
            "period_before": "2023-12-31",
            "region": maros_region().code,
            "training": str(maros.pk),
        }
        job = job_of(start_export(coordinator_client, url(PEOPLE, "csv"), query))
        assert job.title == (
            "Participant list (.csv), period 01/01/2023–31/12/2023, region "
            f"{maros_region().name}, training “{maros.pk}”"
        )
        today = timezone.localdate().isoformat()
        assert (
            job.filename == f"participants-maros-2023-training-{maros.pk}-{today}.csv"
        )
        assert set(job.params) == {"query", "fmt", "personal"}
        person = maros.enrolments.first().participant
        for text in [job.title, str(job.params)]:
            assert person.full_name not in text

    def test_headers_in_the_language_of_the_user_who_started_it(
        self, maros, coordinator_client
    ):
        coordinator_client.cookies["django_language"] = "en"
        job = job_of(start_export(coordinator_client, url(PEOPLE, "csv")))
        assert job.language == "en"
        header = csv_table(job_content(job), "Participants", ",")[0]
        assert header[:2] == ["Name", "Sex (L/P)"]
        assert "Phone" in header
        assert job.filename.startswith("participants-all-trainings-")

    def test_staff_list_has_no_personal_columns(self, maros, staff_client):
        job = job_of(start_export(staff_client, url(PEOPLE, "csv")))
        with translation.override("id"):
            header = csv_table(job_content(job), _("Participants"), ";")[0]
        assert "Nama" in header
        assert not PERSONAL & set(header)
        assert job.params["personal"] is False
        assert job.permission == "participants.view_participant"

    def test_a_get_starts_nothing_and_shows_the_button(self, maros, staff_client):
        response = staff_client.get(url(PEOPLE, "xlsx"), {"agency_type": "community"})
        assert response.status_code == HTTPStatus.OK
        assert not Job.objects.exists()
        content = response.content.decode()
        assert 'method="post"' in content
        assert f'action="{url(PEOPLE, "xlsx")}?agency_type=community"' in content
        report = reverse("trainings:report")
        assert f'href="{report}?agency_type=community"' in content

    def test_report_page_buttons_post_the_filters(self, maros, staff_client):
        response = staff_client.get(reverse("trainings:report"), {"topic": ""})
        content = response.content.decode()
        assert '<form method="post"' in content
        assert f'formaction="{url(PEOPLE, "csv")}?topic="' in content

    def test_invalid_filters_start_no_job(self, coordinator_client):
        response = start_export(
            coordinator_client, url(PEOPLE, "csv"), {"period_after": "not a date"}
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.templates[0].name == "trainings/report.html"
        assert not Job.objects.exists()

    def test_user_without_view_participant_cannot_start(self, client):
        user = UserFactory()
        user.groups.clear()
        user.user_permissions.add(Permission.objects.get(codename="view_training"))
        login(client, user)
        assert start_export(client, url(PEOPLE)).status_code == HTTPStatus.FORBIDDEN
        assert start_export(client, url(REPORT)).status_code == HTTPStatus.FOUND
        assert Job.objects.get().task_name == tasks.report_tables_export.module_path


class TestOnce:
    def test_double_submit_gives_one_job(self, queue_only, coordinator_client):
        first = job_of(
            start_export(coordinator_client, url(PEOPLE), {"agency_type": "community"})
        )
        # The same filters typed differently (an empty one, a page number).
        again = job_of(
            start_export(
                coordinator_client,
                url(PEOPLE),
                {"region": "", "agency_type": "community", "page": "3"},
            )
        )
        assert first.status == Job.Status.QUEUED
        assert again.pk == first.pk
        other = job_of(start_export(coordinator_client, url(PEOPLE, "csv")))
        assert other.pk != first.pk
        assert Job.objects.count() == 2

    def test_starting_request_runs_a_fixed_number_of_queries(
        self,
        queue_only,
        coordinator_client,
        django_assert_max_num_queries,
        django_assert_num_queries,
    ):
        """Session, user, the second factor's device, permissions, topics, region,
        the job (lock the user, look for the user's dead jobs, the same job,
        count the user's unfinished jobs, insert, task id, read back) and the
        savepoints around them: the same however many people there are, and no
        count of them (the worker counts, then the job's page reads "N of M")."""
        topic = TopicFactory()
        query = {"topic": str(topic.pk), "region": maros_region().code}
        training = TrainingFactory(region=maros_region())
        training.topics.add(topic)
        EnrolmentFactory.create_batch(2, training=training)
        with django_assert_max_num_queries(21) as few:
            response = start_export(coordinator_client, url(PEOPLE), query)
        assert response.status_code == HTTPStatus.FOUND
        assert not any("participants_participant" in q["sql"] for q in few)
        EnrolmentFactory.create_batch(20, training=training)
        Job.objects.all().delete()
        with django_assert_num_queries(len(few.captured_queries)):
            response = start_export(coordinator_client, url(PEOPLE), query)
        job = job_of(response)
        assert job.progress_total is None
        tasks.report_participants_export.call(str(job.pk))
        job.refresh_from_db()
        assert (job.progress_done, job.progress_total) == (22, 22)
        with translation.override("en"):
            assert job.progress_text == "22 of 22 rows written"


class TestWorker:
    def test_a_user_who_lost_the_personal_permission_gets_no_file(
        self, queue_only, coordinator_client, coordinator_user
    ):
        EnrolmentFactory()
        job = job_of(start_export(coordinator_client, url(PEOPLE)))
        coordinator_user.groups.set([Group.objects.get(name=roles.PROGRAMME_STAFF)])
        tasks.report_participants_export.call(str(job.pk))
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED
        assert "no longer" in job.error_message or "tidak" in job.error_message
        assert not job.file

    def test_filters_no_longer_valid_fail_with_the_field(
        self, queue_only, staff_client
    ):
        topic = TopicFactory()
        job = job_of(start_export(staff_client, url(REPORT), {"topic": str(topic.pk)}))
        topic.delete()
        tasks.report_tables_export.call(str(job.pk))
        job.refresh_from_db()
        assert job.status == Job.Status.FAILED
        with translation.override(job.language):
            assert str(ReportFilterSet.base_filters["topic"].label) in job.error_message
        assert not job.file

    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_a_writer_that_fails_midway_leaves_no_file(
        self, coordinator_client, monkeypatch, fmt
    ):
        def rows():
            for number in range(2500):
                if number == 1500:
                    raise RuntimeError("the database went away")
                yield [f"Person {number}"]

        monkeypatch.setattr(
            tables,
            "participant_table",
            lambda enrolments, personal: Table("Participants", ["Name"], rows()),
        )
        job = job_of(start_export(coordinator_client, url(PEOPLE, fmt)))
        assert job.status == Job.Status.FAILED
        assert not job.file and job.size is None
        folder = f"jobs/{job.created_at:%Y/%m}/{job.pk}"
        assert not default_storage.exists(folder) or default_storage.listdir(
            folder
        ) == ([], [])
        download = coordinator_client.get(reverse("jobs:download", args=[job.pk]))
        assert download.status_code == HTTPStatus.FOUND
        assert not ExportLog.objects.exists()

    def test_download_records_the_export_as_before(
        self, maros, coordinator_client, coordinator_user
    ):
        query = {"period_after": "2023-01-01", "region": ""}
        job = job_of(start_export(coordinator_client, url(PEOPLE), query))
        assert not ExportLog.objects.exists()
        response = coordinator_client.get(reverse("jobs:download", args=[job.pk]))
        assert response.status_code == HTTPStatus.OK
        b"".join(response.streaming_content)
        entry = ExportLog.objects.get()
        assert (entry.user, entry.export, entry.row_count) == (
            coordinator_user,
            PEOPLE,
            19,
        )
        assert entry.filters == {"fmt": "xlsx", "period_after": "2023-01-01"}


class TestTrainingExports:
    def test_a_small_training_streams_straight_back(self, coordinator_client):
        training = EnrolmentFactory().training
        for method in ("get", "post"):
            response = getattr(coordinator_client, method)(
                url("trainings:export_participants", "csv", training.pk)
            )
            assert response.status_code == HTTPStatus.OK
            assert response["Content-Disposition"].startswith("attachment")
        assert not Job.objects.exists()
        assert ExportLog.objects.count() == 2

    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_a_large_training_is_a_job_with_the_same_cells(
        self, coordinator_client, monkeypatch, fmt
    ):
        training = TrainingFactory()
        EnrolmentFactory.create_batch(3, training=training)
        address = url("trainings:export_participants", fmt, training.pk)
        response = coordinator_client.get(address)
        direct = b"".join(response.streaming_content)
        monkeypatch.setattr(exports, "DIRECT_EXPORT_MAX_ENROLMENTS", 2)
        page = coordinator_client.get(address)
        assert page.status_code == HTTPStatus.OK and not Job.objects.exists()
        assert f'action="{address}"' in page.content.decode()
        job = job_of(coordinator_client.post(address))
        assert job.params == {"training": training.pk, "fmt": fmt, "personal": True}
        assert job.log_filters == {"pk": str(training.pk), "fmt": fmt}
        # One naming scheme, in the user's language, direct or by a job.
        region = slugify(exports.region_short_name(training.region))
        stem = f"peserta-{slugify(training.title)}-{region}"
        assert job.filename == f"{stem}-{training.start_date.isoformat()}.{fmt}"
        assert f'filename="{job.filename}"' in response["Content-Disposition"]
        if fmt == "csv":
            assert job_content(job) == direct
        else:
            assert sheet_cells(job_content(job)) == sheet_cells(direct)

    def test_a_large_training_summary_is_a_job(self, staff_client, monkeypatch):
        training = TrainingFactory()
        EnrolmentFactory.create_batch(3, training=training)
        monkeypatch.setattr(exports, "DIRECT_EXPORT_MAX_ENROLMENTS", 2)
        job = job_of(
            staff_client.post(reverse("trainings:export_summary", args=[training.pk]))
        )
        rows = sheet_cells(job_content(job))[0]
        assert rows[2][1:5] != (None,) * 4 and rows[2][4] == 3
        assert not job.personal


class TestLimits:
    def test_a_1000_character_agency_filter_gives_a_title_that_fits(
        self, coordinator_client
    ):
        """The title holds the filters in words; cleaning turns "…" into "..."
        (PostgreSQL refused the longer title with a 500). Longer values are
        refused with a 400 before any view (``QueryGuardMiddleware``)."""
        agency = "Dinas " + "Pemberdayaan Perempuan … " * 39
        assert 900 < len(agency) <= 1000
        job = job_of(start_export(coordinator_client, url(REPORT), {"agency": agency}))
        job.refresh_from_db()
        assert len(job.title) <= Job._meta.get_field("title").max_length
        assert job.title.endswith("...")

    def test_too_many_unfinished_jobs_say_so_on_my_downloads(
        self, queue_only, coordinator_client, settings
    ):
        settings.JOBS_MAX_UNFINISHED_PER_USER = 2
        coordinator_client.cookies["django_language"] = "en"
        for agency in ["Dinas A", "Dinas B"]:
            job_of(start_export(coordinator_client, url(REPORT), {"agency": agency}))
        response = start_export(coordinator_client, url(PEOPLE), {"agency": "Dinas C"})
        assert response.status_code == HTTPStatus.FOUND
        assert response.url == reverse("jobs:list")
        page = coordinator_client.get(response.url).content.decode()
        assert "You already have 2 exports or imports waiting or running" in page
        assert Job.objects.count() == 2

    def test_a_large_training_export_at_the_limit_says_so(
        self, queue_only, coordinator_client, settings, monkeypatch
    ):
        settings.JOBS_MAX_UNFINISHED_PER_USER = 1
        monkeypatch.setattr(exports, "DIRECT_EXPORT_MAX_ENROLMENTS", 0)
        training = TrainingFactory()
        EnrolmentFactory(training=training)
        job_of(coordinator_client.post(url(REPORT)))
        response = coordinator_client.post(
            reverse("trainings:export_summary", args=[training.pk])
        )
        assert response.url == reverse("jobs:list")
        assert Job.objects.count() == 1

    def test_a_small_training_summary_has_the_same_name_as_its_job(
        self, staff_client, monkeypatch
    ):
        training = TrainingFactory(title="Pelatihan Konselor / Angkatan II")
        EnrolmentFactory(training=training)
        address = reverse("trainings:export_summary", args=[training.pk])
        response = staff_client.get(address)
        direct = response["Content-Disposition"]
        assert b"".join(response.streaming_content)  # read to the end (closes it)
        monkeypatch.setattr(exports, "DIRECT_EXPORT_MAX_ENROLMENTS", 0)
        job = job_of(staff_client.post(address))
        region = slugify(exports.region_short_name(training.region))
        day = training.start_date.isoformat()
        stem = "ringkasan-jenis-kelamin-pelatihan-konselor-angkatan-ii"
        assert job.filename == f"{stem}-{region}-{day}.xlsx"
        assert direct.startswith(f'attachment; filename="{job.filename}"; filename*=')
