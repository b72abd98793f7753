"""``manage.py import_participants``: the page's import from a shell."""

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from participants.models import Agency, AgencyAlias, Participant
from tests.factories import AgencyFactory, ParticipantFactory, TrainingFactory
from trainings.models import Attendance, Enrolment

pytestmark = pytest.mark.django_db

MAROS = (
    Path(__file__).parent.parent
    / "participants"
    / "data"
    / "maros-ocsea-2023-daftar-hadir.xlsx"
)


@pytest.fixture(autouse=True)
def english():
    """Command output in English, so the assertions on its text hold; the test of
    the Indonesian default overrides this inside."""
    with translation.override("en"):
        yield


@pytest.fixture
def training():
    return TrainingFactory(
        start_date=datetime.date(2023, 10, 18), end_date=datetime.date(2023, 10, 20)
    )


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_participants", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_xlsx(path, rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def test_maros_sheet_imports_and_says_what_it_did(training):
    out, err = run(str(MAROS), "--training", str(training.pk))
    assert "19 new participants" in out
    assert "4 L, 15 P" in out
    assert "19/10/2023: 18 present" in out
    assert err == ""
    assert training.enrolments.participants().sex_summary()["total"] == 19


def test_dry_run_writes_nothing(training):
    out, _ = run(str(MAROS), "--training", str(training.pk), "--dry-run")
    assert "Dry run" in out
    assert Participant.objects.count() == 0
    assert Enrolment.objects.count() == 0


def test_problems_one_line_each_and_a_non_zero_exit(training, tmp_path):
    path = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            ["Nama", "L/P", "No HP"],
            ["Rahma", "P", "081355501234"],
            ["Budi", "Lelaki", "0812"],
        ],
    )
    err = io.StringIO()
    with pytest.raises(CommandError) as error, translation.override("en"):
        call_command(
            "import_participants", str(path), "--training", str(training.pk), stderr=err
        )
    lines = err.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Row 3, column B (L/P)")
    assert lines[1].startswith("Row 3, column C (No HP)")
    assert "2 problems" in str(error.value)
    assert Participant.objects.count() == 0


def test_exit_status_through_manage_py_is_1_without_a_traceback(training, tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"just some text")
    with pytest.raises(SystemExit) as exit_info:
        from django.core.management import execute_from_command_line

        execute_from_command_line(
            ["manage.py", "import_participants", str(path), "--training", "1"]
        )
    assert exit_info.value.code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.xlsx", "--training", "{pk}"], "No such file"),
        ([str(MAROS), "--training", "999999"], "No training with id 999999"),
    ],
)
def test_missing_file_or_training_is_one_clear_line(training, args, message):
    args = [a.format(pk=training.pk) for a in args]
    with pytest.raises(CommandError) as error:
        run(*args)
    assert message in str(error.value)


def test_map_agency_and_reject_match(training, tmp_path):
    dp3a = AgencyFactory(name="DP3A Kabupaten Maros")
    ParticipantFactory(phone="+6281355501234")
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [
            ["Nama", "L/P", "Instansi", "No HP"],
            ["Rahma", "P", "DP3A X", "081355501234"],
        ],
    )
    run(
        str(path),
        "--training",
        str(training.pk),
        "--map-agency",
        f"DP3A X={dp3a.pk}",
        "--reject-match",
        "2",
    )
    new = Participant.objects.get(full_name="Rahma")
    assert new.agency == dp3a
    assert AgencyAlias.objects.filter(agency=dp3a, name="DP3A X").exists()
    assert Participant.objects.count() == 2


def test_already_enrolled_rows_are_reported_and_exit_zero(training):
    run(str(MAROS), "--training", str(training.pk))
    # Rosmini has no phone: the second run finds her by name and agency only.
    out, err = run(str(MAROS), "--training", str(training.pk), "--accept-name-matches")
    assert "19 already enrolled" in out
    assert err == ""
    assert Attendance.objects.count() == 57


def test_semicolon_csv_saved_by_indonesian_excel_imports(training, tmp_path):
    path = tmp_path / "daftar-hadir.csv"
    path.write_bytes(
        (
            "DAFTAR HADIR PESERTA;;;;\r\n"
            ";;;;\r\n"
            "No;Nama;L/P;Instansi;No. HP;Hari 1;Hari 2;Hari 3\r\n"
            "1;Hj. Nurhaeda Rahman, S.Sos;P;DP3A Kab. Maros;0812-4231-7710;v;v;v\r\n"
            "2;Muh. Arfan Syamsuddin;L;Dinas Sosial – Maros;81344002211;v;;v\r\n"
            ";Jumlah peserta: 2;;;;2;1;2\r\n"
        ).encode("cp1252")
    )
    out, err = run(str(path), "--training", str(training.pk))
    assert err == ""
    assert "2 new participants" in out
    people = dict(Participant.objects.values_list("full_name", "phone"))
    assert people == {
        "Hj. Nurhaeda Rahman, S.Sos": "+6281242317710",
        "Muh. Arfan Syamsuddin": "+6281344002211",
    }
    assert Participant.objects.get(sex="L").agency.name == "Dinas Sosial – Maros"


def test_map_agency_to_another_new_agency_of_the_file(training, tmp_path):
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [
            ["Nama", "L/P", "Instansi"],
            ["Rahma", "P", "DP3A Kab. Maros"],
            ["Sitti", "P", "Dinas PPPA Kab. Maros"],
        ],
    )
    out, _ = run(
        str(path),
        "--training",
        str(training.pk),
        "--map-agency",
        "Dinas PPPA Kab. Maros=DP3A Kab. Maros",
    )
    assert "1 new agencies" in out
    assert Participant.objects.filter(agency__name="DP3A Kab. Maros").count() == 2


def test_problems_are_reported_in_indonesian_by_default(training, tmp_path):
    path = write_xlsx(tmp_path / "bad.xlsx", [["Nama", "L/P"], ["Budi", "Lelaki"]])
    err = io.StringIO()
    # As in a fresh `manage.py` process, where no language is active: LANGUAGE_CODE.
    with pytest.raises(CommandError), translation.override(settings.LANGUAGE_CODE):
        call_command(
            "import_participants", str(path), "--training", str(training.pk), stderr=err
        )
    assert err.getvalue().startswith("Baris 2, kolom B (L/P)")


def _name_match_file(tmp_path, name="Hasnah"):
    return write_xlsx(
        tmp_path / "list.xlsx", [["Nama", "L/P", "Instansi"], [name, "P", "Dinas Uji"]]
    )


def test_a_name_and_agency_match_alone_is_a_problem(training, tmp_path):
    existing = ParticipantFactory(
        full_name="Hasnah", agency=AgencyFactory(name="Dinas Uji"), phone=""
    )
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command(
            "import_participants",
            str(_name_match_file(tmp_path)),
            "--training",
            str(training.pk),
            stderr=err,
        )
    assert err.getvalue().splitlines() == [
        f"row 2: possibly participant #{existing.pk} (same name in the same "
        "agency): use --accept-name-matches to use them, or --reject-match 2"
    ]
    assert "1 problem" in str(error.value)
    assert Participant.objects.count() == 1
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    ("args", "people", "enrolled_existing"),
    [(["--accept-name-matches"], 1, True), (["--reject-match", "2"], 2, False)],
)
def test_name_matches_are_taken_or_refused_on_request(
    training, tmp_path, args, people, enrolled_existing
):
    existing = ParticipantFactory(
        full_name="Hasnah", agency=AgencyFactory(name="Dinas Uji"), phone=""
    )
    out, err = run(
        str(_name_match_file(tmp_path)), "--training", str(training.pk), *args
    )
    assert err == ""
    assert Participant.objects.count() == people
    assert existing.enrolments.exists() == enrolled_existing
    if enrolled_existing:
        assert (
            f"row 2: matches participant #{existing.pk} (same name in the same agency)"
            in out
        )


def test_suggestions_are_printed_and_never_taken(training, tmp_path):
    existing = ParticipantFactory(
        full_name="Nurhaeda Rahman", agency=AgencyFactory(name="Dinas Uji"), phone=""
    )
    out, err = run(
        str(_name_match_file(tmp_path, "Nurhayda Rahman")),
        "--training",
        str(training.pk),
        "--accept-name-matches",
    )
    assert (
        f"row 2: possibly participant #{existing.pk} (similar name in the same "
        "agency); not taken: a new person is created"
    ) in out
    assert err == ""
    assert Participant.objects.count() == 2
    assert not existing.enrolments.exists()


def test_same_person_twice_in_the_file_names_the_field_and_both_rows(
    training, tmp_path
):
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [
            ["Nama", "L/P", "Instansi", "No HP"],
            ["Rahmawati", "P", "DP3A Kab. Maros", "081355501234"],
            ["Rahmawati", "P", "Dinas PPPA Maros", "0813-5550-1234"],
        ],
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_participants", str(path), "--training", str(training.pk), stderr=err
        )
    [line] = err.getvalue().splitlines()
    assert line.startswith("Row 3: This is the same person as row 2 (same phone")
    assert Participant.objects.count() == 0


def test_an_agency_name_several_agencies_have_is_never_created_by_default(
    training, tmp_path
):
    namesakes = [AgencyFactory(name="Dinas Sosial") for _ in range(2)]
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [["Nama", "L/P", "Instansi"], ["Rahma", "P", "Dinas Sosial"]],
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_participants", str(path), "--training", str(training.pk), stderr=err
        )
    [line] = err.getvalue().splitlines()
    assert line.startswith("row 2: the agency 'Dinas Sosial' matches several agencies")
    assert f"#{namesakes[0].pk} Dinas Sosial" in line
    assert "--create-agency 'Dinas Sosial'" in line
    assert Agency.objects.count() == 2

    run(
        str(path),
        "--training",
        str(training.pk),
        "--map-agency",
        f"Dinas Sosial={namesakes[1].pk}",
    )
    assert Participant.objects.get().agency == namesakes[1]
    # The choice is remembered (an alias): the next import is not asked again.
    training.enrolments.all().delete()
    Participant.objects.all().delete()
    run(str(path), "--training", str(training.pk))
    assert Participant.objects.get().agency == namesakes[1]
    training.enrolments.all().delete()
    Participant.objects.all().delete()
    AgencyAlias.objects.all().delete()
    run(str(path), "--training", str(training.pk), "--create-agency", "Dinas Sosial")
    assert Agency.objects.count() == 3
