"""Sign-in sheets with invisible and compatibility characters, and placeholder
NIKs and phones: the preview reads them as the confirm writes them, placeholders
become warnings (never problems), and the import confirms with clean text."""

import datetime
import io
import json
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from participants.models import Agency, Participant
from participants.sheets import ImportFileError
from tests.auth import login
from tests.factories import AgencyFactory, TrainingFactory
from tests.trainings.imports.files import DAYS, csv_bytes, import_all, read, xlsx
from trainings.imports.rows import ParsedFile

pytestmark = pytest.mark.django_db

HEADER = ["No", "Nama", "L/P", "Instansi", "No HP", "NIK", "Hari 1", "Hari 2", "Hari 3"]
ROWS = [
    HEADER,
    # Row 2: zero-width and no-break spaces, full-width NIK and phone digits.
    [
        1,
        "Hj.\u00a0Nurhaeda\u200b Rahman",
        "P",
        "Dinas\u00a0Sosial\u200b Maros",
        "０８１２－４４２３－１７７１",
        "７３０９０１２３４５６７０００１",
        "v",
        "v",
        "v",
    ],
    # Rows 3-5: placeholders for NIK and phone.
    [2, "Andi Rusdi", "L", "dinas sosial  maros", "-", "belum ada", "v", "", "v"],
    [3, "Sitti Aminah", "P", "DP3A", "tidak ada", "0", "v", "v", ""],
    [4, "Marwah Saleh", "P", "DP3A", "081355501234", "0000000000000000", "", "v", "v"],
]


def csv_with_nul(row) -> bytes:
    """A .csv whose last line is ``row`` (holding NUL), after enough clean rows
    that the reader's binary-file check (NUL in the first 4 KB) does not see it."""
    filler = [
        [i, f"Peserta {i}", "P", "DP3A", "", "", "v", "v", "v"] for i in range(1, 150)
    ]
    return csv_bytes([HEADER, *filler, row])


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def training():
    return TrainingFactory(start_date=DAYS[0], end_date=DAYS[-1])


class TestRead:
    def test_cells_are_read_clean(self):
        parsed = read(xlsx(ROWS))
        assert parsed.problems == []
        first = parsed.rows[0]
        assert first.full_name == "Hj. Nurhaeda Rahman"
        assert first.agency == "Dinas Sosial Maros"
        assert (first.phone, first.nik) == ("+6281244231771", "7309012345670001")
        # Two spellings of one agency are one agency of the file.
        assert parsed.rows[0].agency_key == parsed.rows[1].agency_key

    def test_placeholders_are_empty_with_a_warning_naming_row_column_and_value(self):
        parsed = read(xlsx(ROWS))
        assert [(r.nik, r.phone) for r in parsed.rows[1:]] == [
            ("", ""),
            ("", ""),
            ("", "+6281355501234"),
        ]
        assert [str(w) for w in parsed.warnings] == [
            "Row 3, column E (No HP): “-” read as no phone number.",
            "Row 3, column F (NIK): “belum ada” read as no NIK.",
            "Row 4, column E (No HP): “tidak ada” read as no phone number.",
            "Row 4, column F (NIK): “0” read as no NIK.",
            "Row 5, column F (NIK): “0000000000000000” read as no NIK.",
        ]

    def test_control_characters_in_a_csv(self):
        row = [0, "Andi\x01 Rusdi\x07", "L", "Polres\x1f Maros", "", "", "v", "", ""]
        parsed = read(csv_with_nul(row), name="list.csv")
        assert parsed.problems == []
        assert (parsed.rows[-1].full_name, parsed.rows[-1].agency) == (
            "Andi Rusdi",
            "Polres Maros",
        )

    def test_a_nul_in_a_csv_is_a_file_error(self):
        # Issue 17: no text file holds a NUL, even after the first 4 KB.
        row = [0, "Andi\x00 Rusdi", "L", "Polres\x00 Maros", "", "", "v", "", ""]
        with pytest.raises(ImportFileError, match="contains a NUL character"):
            read(csv_with_nul(row), name="list.csv")

    def test_a_name_of_only_zero_width_spaces_is_a_problem(self):
        rows = [HEADER, [1, "\u200b\u200b", "L", "DP3A", "", "", "v", "v", "v"]]
        parsed = read(xlsx(rows))
        assert [p.row for p in parsed.problems] == [2]
        assert parsed.rows == []

    def test_warnings_survive_the_json_round_trip(self):
        parsed = read(xlsx(ROWS))
        again = ParsedFile.from_json(json.loads(json.dumps(parsed.to_json())))
        assert again.warnings == parsed.warnings
        assert again.rows == parsed.rows

    def test_parsed_files_saved_before_warnings_still_load(self):
        data = read(xlsx(ROWS)).to_json()
        del data["warnings"]
        assert ParsedFile.from_json(data).warnings == []


class TestConfirm:
    def test_imports_clean_text_and_empty_placeholders(self, training):
        AgencyFactory(name="Dinas Sosial Maros", region=training.region)
        plan, result = import_all(training, xlsx(ROWS))
        assert plan.problems == []
        assert len(plan.warnings) == 5
        assert result.created == 4
        assert Agency.objects.filter(normalised_name="dinas sosial maros").count() == 1
        people = {p.full_name: p for p in Participant.objects.all()}
        assert set(people) == {
            "Hj. Nurhaeda Rahman",
            "Andi Rusdi",
            "Sitti Aminah",
            "Marwah Saleh",
        }
        nurhaeda = people["Hj. Nurhaeda Rahman"]
        assert (nurhaeda.nik, nurhaeda.phone) == ("7309012345670001", "+6281244231771")
        assert nurhaeda.normalised_name == "nurhaeda rahman"
        assert [people[n].nik for n in ("Andi Rusdi", "Sitti Aminah")] == ["", ""]

    def test_control_characters_in_a_csv_confirm(self, training):
        row = [0, "Andi\x07 Rusdi", "L", "Polres\x01", "", "-", "v", "", ""]
        plan, result = import_all(training, csv_with_nul(row), name="l.csv")
        assert result.created == 150
        assert Participant.objects.filter(full_name="Andi Rusdi").exists()
        assert Agency.objects.filter(name="Polres").exists()


class TestPages:
    def test_preview_shows_the_warnings_and_confirm_imports(
        self, client, staff_user, training
    ):
        login(client, staff_user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.post(
            reverse("trainings:import", args=[training.pk]),
            {"file": SimpleUploadedFile("list.xlsx", xlsx(ROWS))},
        )
        assert response.status_code == HTTPStatus.FOUND
        preview = client.get(response.url)
        page = preview.content.decode()
        assert 'id="import-warnings"' in page
        assert "5 warnings" in page
        assert "“belum ada” read as no NIK." in page
        assert 'id="import-problems"' not in page
        assert page.index('id="import-warnings"') < page.index('id="import-summary"')


class TestCommand:
    def test_prints_warnings_on_stderr_and_imports(self, tmp_path, training):
        path = tmp_path / "list.xlsx"
        path.write_bytes(xlsx(ROWS))
        out, err = io.StringIO(), io.StringIO()
        call_command(
            "import_participants",
            str(path),
            "--training",
            str(training.pk),
            stdout=out,
            stderr=err,
        )  # no CommandError: exit status 0
        lines = err.getvalue().splitlines()
        assert "warning: Row 3, column F (NIK): “belum ada” read as no NIK." in lines
        assert len([line for line in lines if line.startswith("warning: ")]) == 5
        assert Participant.objects.count() == 4
        assert training.enrolments.count() == 4
        assert datetime.date(2023, 10, 18) in training.days
