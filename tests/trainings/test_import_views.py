"""The import pages: upload, preview with choices, confirm."""

import datetime
import io
import logging
from html.parser import HTMLParser
from http import HTTPStatus
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from participants.models import Agency, AgencyAlias, Participant
from participants.sheets import MAX_FILE_BYTES
from tests.auth import login
from tests.factories import (
    AgencyFactory,
    ParticipantFactory,
    TrainingFactory,
    UserFactory,
)
from trainings.imports import pending
from trainings.models import Attendance, Enrolment, ImportUpload

pytestmark = pytest.mark.django_db


def stored_bytes(name: str) -> bytes:
    """The bytes of the file ``name`` in the default storage."""
    with default_storage.open(name, "rb") as file:
        return file.read()


MAROS = (
    Path(__file__).parent.parent
    / "participants"
    / "data"
    / "maros-ocsea-2023-daftar-hadir.xlsx"
)


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so assertions do not depend on the Indonesian catalogue;
    the language active before is restored for the tests that follow."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def training():
    return TrainingFactory(
        start_date=datetime.date(2023, 10, 18), end_date=datetime.date(2023, 10, 20)
    )


def xlsx(rows, name="list.xlsx"):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, training, file, **extra):
    return client.post(
        reverse("trainings:import", args=[training.pk]), {"file": file, **extra}
    )


def preview_url(response):
    assert response.status_code == HTTPStatus.FOUND, response.content[:2000]
    assert "/import/" in response.url
    return response.url


class _FormFields(HTMLParser):
    """The fields a browser would send from the page's POST form: inputs (checked
    boxes only) and selects (the selected option, else the first)."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._first = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.data[attrs["name"]] = attrs.get("value", "on")
        elif tag == "select":
            self._select, self._first = attrs["name"], None
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = attrs.get("value", "")
                self.data[self._select] = self._first
            if "selected" in attrs:
                self.data[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def confirm_data(preview, **changes):
    """What the browser sends when the user presses Import on ``preview``, read
    from the page's HTML, with ``changes`` applied (None removes a field)."""
    parser = _FormFields()
    parser.feed(preview.content.decode())
    data = {**parser.data, "confirm": "1", **changes}
    data.pop("language", None)  # the language switcher's form
    data.pop("next", None)
    return {k: v for k, v in data.items() if v is not None}


def test_training_page_links_to_the_import(staff_client, training):
    response = staff_client.get(training.get_absolute_url())
    assert reverse("trainings:import", args=[training.pk]).encode() in (
        response.content
    )


def test_upload_page_needs_the_permission_to_add_participants(client, training):
    user = UserFactory()
    user.groups.clear()
    login(client, user)
    response = client.get(reverse("trainings:import", args=[training.pk]))
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_maros_sheet_preview_then_confirm(
    staff_client, training, django_capture_on_commit_callbacks
):
    file = SimpleUploadedFile(MAROS.name, MAROS.read_bytes())
    url = preview_url(upload(staff_client, training, file))
    assert Participant.objects.count() == 0  # nothing written by the upload

    preview = staff_client.get(url)
    assert preview.status_code == HTTPStatus.OK
    summary = preview.context["summary"]
    assert (summary["total"], summary["male"], summary["female"]) == (19, 4, 15)
    assert summary["days"][1] == (datetime.date(2023, 10, 19), 18)
    assert "Fatmawati Daeng Ngai" in preview.content.decode()
    assert Participant.objects.count() == 0  # nor by the preview
    kept = ImportUpload.objects.get()  # the upload and its parsed rows
    stored = kept.file.name
    assert stored.startswith("imports/") and stored.endswith(MAROS.name)
    assert stored_bytes(stored) == MAROS.read_bytes()
    assert kept.parsed and kept.consumed_at is None

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, confirm_data(preview))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == training.get_absolute_url()
    assert training.enrolments.participants().sex_summary()["total"] == 19
    assert Attendance.objects.filter(date="2023-10-19", present=True).count() == 18
    kept.refresh_from_db()  # consumed: the file and its rows are gone
    assert (kept.file.name, kept.parsed) == ("", "")
    assert not default_storage.exists(stored)
    assert kept.consumed_at is not None

    page = staff_client.get(response.url)
    assert "19" in page.content.decode()


def test_the_file_is_read_once_for_upload_preview_and_confirm(
    staff_client, training, monkeypatch
):
    url = preview_url(
        upload(staff_client, training, xlsx([["Nama", "L/P"], ["A", "P"]]))
    )

    def read_again(*args, **kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(pending, "read_participant_file", read_again)
    preview = staff_client.get(url)
    staff_client.post(url, confirm_data(preview))
    assert training.enrolments.count() == 1


def test_semicolon_csv_from_indonesian_excel_imports(staff_client, training):
    text = (
        "No;Nama Lengkap;Jenis Kelamin;Instansi;Jabatan;Hari 1;Hari 2;Hari 3\r\n"
        "1;Andi Besse Tenri;Perempuan;Dinsos Maros;Pekerja Sosial – TKSK;v;v;v\r\n"
        "2;Bripka Andi Rusdi;Laki-laki;Polres Maros;Penyidik;v;;v\r\n"
        ";Jumlah;;;;2;1;2\r\n"
    )
    file = SimpleUploadedFile("daftar hadir.csv", text.encode("cp1252"))
    url = preview_url(upload(staff_client, training, file))
    preview = staff_client.get(url)
    assert preview.context["plan"].problems == []
    staff_client.post(url, confirm_data(preview))
    assert training.enrolments.count() == 2
    assert Participant.objects.get(sex="P").position == "Pekerja Sosial – TKSK"


def test_one_bad_row_shows_every_problem_and_confirm_writes_nothing(
    staff_client, training
):
    rows = [
        ["Nama", "L/P", "No HP"],
        ["Rahma", "P", "081355501234"],
        ["Budi", "Lelaki", "0812"],
    ]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    content = preview.content.decode()
    problems = preview.context["plan"].problems
    assert [(p.row, p.column, p.value) for p in problems] == [
        (3, "B", "Lelaki"),
        (3, "C", "0812"),
    ]
    assert "Laki-laki" in content  # what is allowed
    response = staff_client.post(url, confirm_data(preview))
    assert response.status_code == HTTPStatus.OK
    assert Participant.objects.count() == 0
    assert Enrolment.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"   ", "empty.csv", "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.xlsx", "not a spreadsheet"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"),
            "secret.xlsx",
            "password",
        ),
    ],
)
def test_unreadable_files_give_a_message_not_a_500(
    staff_client, training, content, name, message
):
    response = upload(staff_client, training, SimpleUploadedFile(name, content))
    assert response.status_code == HTTPStatus.OK
    assert message in response.content.decode()
    assert Participant.objects.count() == 0


def test_password_protected_workbook_gives_a_message(staff_client, training):
    data = (MAROS.parent / "password-protected.xlsx").read_bytes()
    response = upload(staff_client, training, SimpleUploadedFile("p.xlsx", data))
    assert response.status_code == HTTPStatus.OK
    assert "protected with a password" in response.content.decode()


def test_file_over_10_mb_is_refused(staff_client, training):
    big = SimpleUploadedFile("big.csv", b"a" * (MAX_FILE_BYTES + 1))
    response = upload(staff_client, training, big)
    assert response.status_code == HTTPStatus.OK
    assert "10 MB" in str(response.context["form"].errors["file"])
    assert Participant.objects.count() == 0


def test_missing_required_column_is_named_on_the_upload_page(staff_client, training):
    response = upload(staff_client, training, xlsx([["Nama", "Instansi"], ["A", "B"]]))
    assert response.status_code == HTTPStatus.OK
    assert "Sex (L/P)" in response.content.decode()


def test_empty_sex_imported_as_not_recorded_when_ticked_on_the_preview(
    staff_client, training
):
    rows = [["Nama", "L/P"], ["Rahma", "P"], ["Nurul", None]]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    assert [(p.row, p.column) for p in preview.context["plan"].problems] == [(3, "B")]
    staff_client.post(
        url,
        confirm_data(
            preview, blank_sex_is_not_recorded="on", confirm=None, refresh="1"
        ),
    )
    preview = staff_client.get(url)
    assert preview.context["plan"].problems == []
    staff_client.post(url, confirm_data(preview))
    assert training.enrolments.participants().sex_summary() == {
        "total": 2,
        "male": 0,
        "female": 1,
        "not_recorded": 1,
    }


def test_unknown_agency_mapped_to_an_existing_one(staff_client, training):
    dp3a = AgencyFactory(name="DP3A Kabupaten Maros")
    rows = [["Nama", "L/P", "Instansi"], ["Rahma", "P", "Dinas P3A Maros"]]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    form = preview.context["form"]
    ((unknown, field),) = form.bound_agency_fields()
    assert unknown.name == "Dinas P3A Maros"
    # Choose the existing agency, look at the new preview, then confirm.
    choice = {field.html_name: str(dp3a.pk)}
    staff_client.post(url, confirm_data(preview, **choice, confirm=None, refresh="1"))
    preview = staff_client.get(url)
    assert preview.context["plan"].unknown_agencies[0].choice == dp3a.pk
    assert f'<option value="{dp3a.pk}" selected>' in preview.content.decode()
    staff_client.post(url, confirm_data(preview))
    assert Participant.objects.get().agency == dp3a
    assert AgencyAlias.objects.filter(agency=dp3a).count() == 1
    assert Agency.objects.count() == 1


def test_two_new_spellings_mapped_to_one_agency_on_the_page(staff_client, training):
    rows = [
        ["Nama", "L/P", "Instansi"],
        ["Rahma", "P", "DP3A Kab. Maros"],
        ["Sitti", "P", "Dinas PPPA Kab. Maros"],
    ]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    fields = {
        unknown.name: field
        for unknown, field in preview.context["form"].bound_agency_fields()
    }
    choice = {fields["Dinas PPPA Kab. Maros"].html_name: "same:dp3a kab maros"}
    staff_client.post(url, confirm_data(preview, **choice, confirm=None, refresh="1"))
    preview = staff_client.get(url)
    staff_client.post(url, confirm_data(preview))
    assert Agency.objects.get().participants.count() == 2


def test_a_conflicting_write_meanwhile_is_a_message_not_a_500(
    staff_client, training, monkeypatch
):
    from django.db import IntegrityError

    from trainings.views import imports as views

    def conflict(**kwargs):
        raise IntegrityError("duplicate key")

    monkeypatch.setattr(views, "enrolments_import", conflict)
    url = preview_url(
        upload(staff_client, training, xlsx([["Nama", "L/P"], ["A", "P"]]))
    )
    preview = staff_client.get(url)
    response = staff_client.post(url, confirm_data(preview))
    assert response.status_code == HTTPStatus.OK
    assert "changed this training meanwhile" in response.content.decode()


def test_changed_choices_confirmed_unseen_show_the_new_preview(staff_client, training):
    dp3a = AgencyFactory(name="DP3A Kabupaten Maros")
    rows = [["Nama", "L/P", "Instansi"], ["Rahma", "P", "Dinas P3A Maros"]]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    ((_unknown, field),) = preview.context["form"].bound_agency_fields()
    response = staff_client.post(
        url, confirm_data(preview, **{field.html_name: str(dp3a.pk)})
    )
    assert response.status_code == HTTPStatus.OK
    assert "The preview changed" in response.content.decode()
    assert Participant.objects.count() == 0


def test_match_shown_with_its_reason_and_can_be_rejected(staff_client, training):
    existing = ParticipantFactory(full_name="Rahmawati", phone="+6281355501234")
    rows = [["Nama", "L/P", "No HP"], ["Rahma Wati", "P", "0813-5550-1234"]]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    content = preview.content.decode()
    assert "same phone number" in content
    assert existing.get_absolute_url() in content
    assert 'name="reject_2"' in content
    staff_client.post(url, confirm_data(preview, reject_2="on", confirm=None))
    preview = staff_client.get(url)
    assert preview.context["plan"].rows[0].action == "create"
    staff_client.post(url, confirm_data(preview))  # the box stays ticked
    assert Participant.objects.count() == 2
    assert not existing.enrolments.exists()


def test_nik_is_masked_in_the_preview_for_programme_staff(staff_client, training):
    rows = [["Nama", "L/P", "NIK"], ["Rahma", "P", "7309012345670001"]]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    content = staff_client.get(url).content.decode()
    assert "7309012345670001" not in content
    assert "****************" in content


def test_a_second_confirm_imports_nothing_and_says_so(staff_client, training):
    rows = [["Nama", "L/P"], ["Rahma", "P"], ["Budi", "L"]]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    first = staff_client.post(url, confirm_data(preview))
    assert first.url == training.get_absolute_url()

    again = staff_client.post(url, confirm_data(preview), follow=True)  # Back, Import
    assert again.redirect_chain == [(training.get_absolute_url(), HTTPStatus.FOUND)]
    assert "This file was already imported." in again.content.decode()
    assert Participant.objects.count() == 2
    assert training.enrolments.count() == 2
    back = staff_client.get(url)  # the preview itself goes to the training too
    assert back.url == training.get_absolute_url()


def test_a_confirm_that_loses_the_race_writes_nothing(staff_client, training):
    """The upload was consumed between this request's preview and its write (by
    a concurrent confirm): the service refuses inside the transaction."""
    rows = [["Nama", "L/P"], ["Rahma", "P"]]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    ImportUpload.objects.update(consumed_at=datetime.datetime.now(datetime.UTC))
    store = pending.UploadStore
    real_get = store.get

    def not_yet_consumed(self, token, training_id):  # as read before the other won
        found = real_get(self, token, training_id)
        found.consumed = False
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "get", not_yet_consumed)
        response = staff_client.post(url, confirm_data(preview), follow=True)
    assert "This file was already imported." in response.content.decode()
    assert response.redirect_chain[-1][0] == training.get_absolute_url()
    assert Participant.objects.count() == 0


def test_an_expired_upload_is_refused_and_deleted_by_the_next_upload(
    staff_client, training
):
    url = preview_url(
        upload(staff_client, training, xlsx([["Nama", "L/P"], ["A", "P"]]))
    )
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=25)
    ImportUpload.objects.update(created_at=old)
    response = staff_client.get(url)
    assert response.url == reverse("trainings:import", args=[training.pk])
    preview_url(upload(staff_client, training, xlsx([["Nama", "L/P"], ["B", "L"]])))
    assert ImportUpload.objects.filter(created_at=old).count() == 0


def test_a_token_from_another_session_is_refused(client, staff_client, training):
    url = preview_url(
        upload(staff_client, training, xlsx([["Nama", "L/P"], ["A", "P"]]))
    )
    other = UserFactory(username="other")
    login(client, other)
    response = client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("trainings:import", args=[training.pk])


def test_preview_with_matches_runs_a_fixed_number_of_queries(
    staff_client, training, django_assert_max_num_queries
):
    agencies = [AgencyFactory(name=f"Dinas {i}") for i in range(3)]
    for i in range(60):
        ParticipantFactory(agency=agencies[i % 3], phone=f"+62812{i:08d}")
    rows = [["Nama", "L/P", "Instansi", "No HP"]] + [
        [f"Orang {i}", "P", f"Dinas {i % 3}", f"0812{i:08d}"] for i in range(60)
    ]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    with django_assert_max_num_queries(20):
        response = staff_client.get(url)
    assert len(response.context["plan"].to_match) == 60


def test_preview_runs_a_fixed_number_of_queries(
    staff_client, training, django_assert_max_num_queries
):
    rows = [["Nama", "L/P", "Instansi", "No HP"]] + [
        [f"Orang {i}", "P", f"Dinas {i % 3}", f"0812{i:08d}"] for i in range(120)
    ]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    with django_assert_max_num_queries(20):
        response = staff_client.get(url)
    assert response.context["summary"]["total"] == 120


def test_nothing_personal_reaches_the_logs(staff_client, training, caplog):
    caplog.set_level(logging.DEBUG)
    rows = [
        ["Nama", "L/P", "No HP", "NIK"],
        ["Rahmawati Daeng", "P", "0813-5550-1234", "7309012345670001"],
        ["Budi Santoso", "Lelaki", "0812", ""],
    ]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    staff_client.post(url, confirm_data(preview))
    for secret in ("Rahmawati", "Budi", "5550", "7309012345670001", "Lelaki"):
        assert secret not in caplog.text


def test_a_name_only_match_waits_for_a_decision(staff_client, training):
    agency = AgencyFactory(name="Dinas Uji")
    existing = ParticipantFactory(full_name="Hasnah", agency=agency, phone="")
    rows = [["Nama", "L/P", "Instansi"], ["Hasnah, S.Pd", "P", "Dinas Uji"]]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    content = preview.content.decode()
    assert 'name="person_2"' in content
    assert "same name in the same agency" in content
    assert f"Hasnah (#{existing.pk})" in content  # the problem names the record
    assert preview.context["plan"].problems

    staff_client.post(url, confirm_data(preview))  # undecided: nothing imported
    assert not Enrolment.objects.exists()

    response = staff_client.post(url, confirm_data(preview, person_2="same"))
    assert response.status_code == HTTPStatus.OK  # the preview changed: look again
    preview = staff_client.get(url)
    assert preview.context["plan"].problems == []
    staff_client.post(url, confirm_data(preview))
    assert Enrolment.objects.get().participant == existing
    assert Participant.objects.count() == 1


def test_different_person_creates_a_new_one(staff_client, training):
    agency = AgencyFactory(name="Dinas Uji")
    existing = ParticipantFactory(full_name="Hasnah", agency=agency, phone="")
    rows = [["Nama", "L/P", "Instansi"], ["Hasnah", "P", "Dinas Uji"]]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    staff_client.post(
        url, confirm_data(staff_client.get(url), person_2="new", confirm=None)
    )
    staff_client.post(url, confirm_data(staff_client.get(url)))
    assert Participant.objects.count() == 2
    assert not existing.enrolments.exists()


def test_a_suggestion_is_shown_and_defaults_to_a_new_person(staff_client, training):
    agency = AgencyFactory(name="Dinas Uji")
    existing = ParticipantFactory(full_name="Nurhaeda Rahman", agency=agency)
    rows = [["Nama", "L/P", "Instansi"], ["Nurhayda Rahman", "P", "Dinas Uji"]]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    content = preview.content.decode()
    assert "possibly the same person: confirm" in content
    assert "similar name in the same agency" in content
    assert preview.context["plan"].problems == []
    staff_client.post(url, confirm_data(preview))
    assert Participant.objects.count() == 2
    assert not existing.enrolments.exists()


def test_a_confirmed_suggestion_enrols_the_existing_person(staff_client, training):
    existing = ParticipantFactory(full_name="Sitti Aminah", phone="")
    rows = [["Nama", "L/P"], ["Sitti Aminah", "P"]]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    staff_client.post(
        url, confirm_data(staff_client.get(url), person_2="same", confirm=None)
    )
    staff_client.post(url, confirm_data(staff_client.get(url)))
    assert Enrolment.objects.get().participant == existing


def test_an_agency_name_several_agencies_have_lists_them_and_waits(
    staff_client, training
):
    namesakes = [AgencyFactory(name="Dinas Sosial") for _ in range(2)]
    rows = [["Nama", "L/P", "Instansi"], ["Rahma", "P", "Dinas Sosial"]]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    content = preview.content.decode()
    for agency in namesakes:
        assert f'<option value="{agency.pk}">Dinas Sosial ({agency.region})' in content
    assert "Create a new agency with this name" in content
    [problem] = preview.context["plan"].problems
    assert "matches several agencies" in problem.message

    staff_client.post(url, confirm_data(preview))  # no choice: nothing created
    assert Agency.objects.count() == 2
    assert not Participant.objects.exists()

    [field] = [k for k in confirm_data(preview) if k.startswith("agency_")]
    changes = {field: str(namesakes[0].pk), "confirm": None}
    staff_client.post(url, confirm_data(preview, **changes))
    staff_client.post(url, confirm_data(staff_client.get(url)))
    assert Participant.objects.get().agency == namesakes[0]
    assert Agency.objects.count() == 2


def test_the_same_person_twice_in_the_file_is_one_problem_naming_both_rows(
    staff_client, training
):
    rows = [
        ["Nama", "L/P", "Instansi", "No HP", "NIK"],
        ["Rahmawati", "P", "DP3A Kab. Maros", "081355501234", "7309012345670001"],
        ["Rahmawati", "P", "Dinas PPPA Maros", "0813-5550-1234", "7309012345670001"],
    ]
    url = preview_url(upload(staff_client, training, xlsx(rows)))
    preview = staff_client.get(url)
    [problem] = preview.context["plan"].problems
    assert problem.row == 3
    content = preview.content.decode()
    assert "This is the same person as row 2 (same NIK: ****************; same " in (
        content
    )
    assert "7309012345670001" not in content  # programme staff see it masked
