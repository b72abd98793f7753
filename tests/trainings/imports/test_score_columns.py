"""Test score columns in a sign-in sheet: recognised by their many headers,
checked against the training's maximum (row problems naming row, column and
range), shown in the preview and written on the enrolments, new or existing."""

import io
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from participants.sheets import header_field
from tests.factories import EnrolmentFactory, ParticipantFactory, TrainingFactory
from tests.trainings.imports.files import DAYS, HEADER, import_all, read, xlsx
from trainings.imports.plan import ImportOptions, plan_import
from trainings.imports.rows import ParsedFile
from trainings.models import Enrolment, Training
from trainings.services import enrolments_import

pytestmark = pytest.mark.django_db

SCORED_HEADER = [*HEADER, "Pre-test", "Post-test"]  # columns I and J


@pytest.fixture(autouse=True)
def english(client):
    """Messages and pages in English, whatever the Indonesian catalogue holds."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def training():
    return TrainingFactory(start_date=DAYS[0], end_date=DAYS[-1])


def row(name, phone, pre="", post="", sex="P"):
    return [1, name, sex, "Dinas Uji", phone, "v", "v", "v", pre, post]


def scores_of(training):
    return {
        e.participant.full_name: (e.pre_score, e.post_score)
        for e in training.enrolments.select_related("participant")
    }


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Pre-test", "pre_score"),
        ("Pre test", "pre_score"),
        ("PRETEST", "pre_score"),
        ("Nilai awal", "pre_score"),
        ("Nilai Pre Test", "pre_score"),
        ("Nilai Pre-Test (0-100)", "pre_score"),
        ("pre_test", "pre_score"),
        ("Post-test", "post_score"),
        ("Post test", "post_score"),
        ("Posttest", "post_score"),
        ("NILAI AKHIR", "post_score"),
        ("Nilai post test", "post_score"),
        (" Post-Test. ", "post_score"),
        ("Nilai", None),
        ("Test", None),
    ],
)
def test_score_headers_are_recognised_as_people_write_them(text, field):
    assert header_field(text) == field


@pytest.mark.parametrize(
    ("pre_header", "post_header"),
    [
        ("Pre-test", "Post-test"),
        ("Pre test", "Post test"),
        ("Pretest", "Posttest"),
        ("Nilai awal", "Nilai akhir"),
        ("Nilai pre test", "Nilai post test"),
    ],
)
def test_scores_are_imported_under_each_header(training, pre_header, post_header):
    sheet = [
        [*HEADER, pre_header, post_header],
        row("Rahma", "081355501234", "75,5", 80),
        row("Sitti", "081355501235", 62.25, "90.5"),
        row("Nurul", "081355501236", "", " 70 "),
    ]
    plan, _result = import_all(training, xlsx(sheet))
    assert plan.summary()["scored"] == 3
    assert scores_of(training) == {
        "Rahma": (Decimal("75.5"), Decimal("80")),
        "Sitti": (Decimal("62.25"), Decimal("90.5")),
        "Nurul": (None, Decimal("70")),
    }


def test_a_file_without_score_columns_imports_as_before(training):
    sheet = [HEADER, [1, "Rahma", "P", "Dinas Uji", "081355501234", "v", "v", "v"]]
    plan, _result = import_all(training, xlsx(sheet))
    assert plan.summary()["scored"] == 0
    assert scores_of(training) == {"Rahma": (None, None)}


def test_bad_scores_are_row_problems_naming_row_column_and_range(training):
    sheet = [
        SCORED_HEADER,
        row("Rahma", "081355501234", "tujuh puluh", "80"),
        row("Sitti", "081355501235", "60", "120"),
        row("Nurul", "081355501236", "-5", ""),
    ]
    parsed = read(xlsx(sheet))
    plan = plan_import(training=training, parsed=parsed, options=ImportOptions())
    assert [str(problem) for problem in plan.problems] == [
        "Row 2, column I (Pre-test), value “tujuh puluh”: Write the score as a "
        "number from 0 to 100, such as 75 or 75,5.",
        "Row 3, column J (Post-test), value “120”: The score must be from 0 to 100.",
        "Row 4, column I (Pre-test), value “-5”: Write the score as a number from "
        "0 to 100, such as 75 or 75,5.",
    ]
    with pytest.raises(ValidationError):
        enrolments_import(training=training, plan=plan)
    assert Enrolment.objects.count() == 0


def test_the_trainings_own_maximum_is_the_limit(training):
    Training.objects.filter(pk=training.pk).update(test_max_score=20)
    training.refresh_from_db()
    sheet = [SCORED_HEADER, row("Rahma", "081355501234", "15", "20,5")]
    plan = plan_import(
        training=training, parsed=read(xlsx(sheet)), options=ImportOptions()
    )
    assert [problem.message for problem in plan.problems] == [
        "The score must be from 0 to 20."
    ]


def test_an_averages_row_under_the_scores_is_skipped(training):
    sheet = [
        SCORED_HEADER,
        row("Rahma", "081355501234", "60", "80"),
        [None, "Rata-rata", None, None, None, None, None, None, 60, 80],
    ]
    parsed = read(xlsx(sheet))
    assert [r.full_name for r in parsed.rows] == ["Rahma"]
    assert parsed.skipped_rows == [3]


def test_people_already_enrolled_get_the_scores_of_non_empty_cells(training):
    rahma = ParticipantFactory(full_name="Rahma", phone="+6281355501234")
    sitti = ParticipantFactory(full_name="Sitti", phone="+6281355501235")
    EnrolmentFactory(training=training, participant=rahma, pre_score=50, post_score=60)
    EnrolmentFactory(training=training, participant=sitti, pre_score=40)
    sheet = [
        SCORED_HEADER,
        row("Rahma", "081355501234", "", "90"),  # the pre-test stays 50
        row("Sitti", "081355501235", "", ""),  # nothing to write
        row("Nurul", "081355501236", "70", "85"),  # a new person
    ]
    plan, result = import_all(training, xlsx(sheet))
    assert (result.created, result.already_enrolled) == (1, 2)
    assert scores_of(training) == {
        "Rahma": (Decimal(50), Decimal(90)),
        "Sitti": (Decimal(40), None),
        "Nurul": (Decimal(70), Decimal(85)),
    }
    assert Enrolment.objects.get(participant=rahma).history.count() == 2


def test_a_facilitators_score_cells_are_not_written(training):
    facilitator = ParticipantFactory(full_name="Fasilitator", phone="+6281355501234")
    EnrolmentFactory(
        training=training, participant=facilitator, role=Enrolment.Role.FACILITATOR
    )
    import_all(
        training, xlsx([SCORED_HEADER, row("Fasilitator", "081355501234", 1, 2)])
    )
    assert scores_of(training) == {"Fasilitator": (None, None)}


def test_cached_rows_keep_their_scores_and_older_caches_are_read_again():
    sheet = [SCORED_HEADER, row("Rahma", "081355501234", "75,5", "")]
    parsed = read(xlsx(sheet))
    again = ParsedFile.from_json(json.loads(json.dumps(parsed.to_json())))
    assert (again.rows[0].pre_score, again.rows[0].post_score) == ("75,5", "")
    assert again.score_columns == {
        "pre_score": ("I", "Pre-test"),
        "post_score": ("J", "Post-test"),
    }
    older = parsed.to_json()
    del older["score_columns"]
    with pytest.raises(KeyError):
        ParsedFile.from_json(older)


def test_the_preview_shows_the_scores_then_the_confirm_writes_them(
    staff_client, training
):
    file = SimpleUploadedFile(
        "nilai.xlsx",
        xlsx([SCORED_HEADER, row("Rahma", "081355501234", "75,5", "88")]),
    )
    response = staff_client.post(
        reverse("trainings:import", args=[training.pk]), {"file": file}
    )
    preview = staff_client.get(response.url)
    page = preview.content.decode()
    assert '<td class="num" data-stat="scored">1</td>' in page
    assert "<td data-pre-score>75,5</td><td data-post-score>88</td>" in page
    staff_client.post(
        response.url,
        {"confirm": "1", "fingerprint": preview.context["plan"].fingerprint()},
    )
    assert scores_of(training) == {"Rahma": (Decimal("75.5"), Decimal(88))}


def test_the_command_reports_a_bad_score_and_imports_good_ones(training, tmp_path):
    path = tmp_path / "nilai.xlsx"
    path.write_bytes(xlsx([SCORED_HEADER, row("Rahma", "081355501234", "60", "101")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_participants", str(path), "--training", str(training.pk), stderr=err
        )
    assert err.getvalue().splitlines() == [
        "Row 2, column J (Post-test), value “101”: The score must be from 0 to 100."
    ]
    assert Enrolment.objects.count() == 0
    path.write_bytes(xlsx([SCORED_HEADER, row("Rahma", "081355501234", "60", "100")]))
    call_command(
        "import_participants", str(path), "--training", str(training.pk), stdout=err
    )
    assert scores_of(training) == {"Rahma": (Decimal(60), Decimal(100))}
