"""Personal data at rest (issue 17): an uploaded sign-in sheet, its file in storage
and its parsed rows in the database, is gone at the confirm, at "Cancel import",
after the expiry and with its training; a file already missing is no error."""

import datetime
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from jobs.models import Job
from tests.auth import login
from tests.factories import TrainingFactory
from tests.trainings.test_import_views import confirm_data, preview_url, upload, xlsx
from trainings.imports.pending import uploads_clean_up
from trainings.models import Enrolment, ImportUpload
from trainings.services import training_delete

pytestmark = pytest.mark.django_db

ROWS = [
    ["Nama", "L/P", "NIK"],
    ["Rahmawati", "P", "7309015708900012"],
    ["Andi", "L", ""],
]


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def training():
    return TrainingFactory(
        start_date=datetime.date(2023, 10, 18), end_date=datetime.date(2023, 10, 20)
    )


@pytest.fixture
def previewed(staff_client, training):
    """An upload seen on its preview: ``(preview url, preview response, stored file
    name)``; its file is in storage and its parsed rows, with the NIK, in the
    row (so the checks after can fail)."""
    url = preview_url(upload(staff_client, training, xlsx(ROWS)))
    preview = staff_client.get(url)
    assert preview.status_code == HTTPStatus.OK
    row = ImportUpload.objects.get()
    assert default_storage.exists(row.file.name)
    assert "Rahmawati" in row.parsed and "7309015708900012" in row.parsed
    return url, preview, row.file.name


def nothing_at_rest(name: str) -> None:
    """No file in storage under ``name`` and no upload row with a file or parsed
    rows (an imported upload keeps an empty row)."""
    assert not default_storage.exists(name)
    assert not ImportUpload.objects.exclude(file="", parsed="").exists()
    assert not ImportUpload.objects.filter(parsed__contains="Rahmawati").exists()


def test_the_confirm_removes_the_file_and_the_parsed_rows(
    staff_client, training, previewed, django_capture_on_commit_callbacks
):
    url, preview, name = previewed
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, confirm_data(preview))
    assert response.url == training.get_absolute_url()
    assert Enrolment.objects.filter(training=training).count() == 2
    nothing_at_rest(name)
    assert ImportUpload.objects.get().consumed_at is not None


def test_a_confirm_as_a_job_removes_them_too(
    staff_client, training, previewed, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_JOB_MIN_ROWS = 1
    url, _preview, name = previewed
    preview = staff_client.get(url)  # now offered as a job
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, confirm_data(preview))
    assert Job.objects.get().status == Job.Status.SUCCEEDED
    nothing_at_rest(name)


def test_cancel_deletes_the_upload(
    staff_client, training, previewed, django_capture_on_commit_callbacks
):
    url, _preview, name = previewed
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"cancel": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == training.get_absolute_url()
    assert "Import cancelled" in response.content.decode()
    nothing_at_rest(name)
    assert not ImportUpload.objects.exists()
    assert not Enrolment.objects.exists()
    # The preview is gone with it.
    assert staff_client.get(url).url == reverse("trainings:import", args=[training.pk])


def test_the_preview_offers_cancel(previewed):
    _url, preview, _name = previewed
    assert 'name="cancel"' in preview.content.decode()


def test_cancel_with_the_file_already_gone_is_no_error(
    staff_client, training, previewed, django_capture_on_commit_callbacks
):
    url, _preview, name = previewed
    default_storage.delete(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"cancel": "1"})
    assert response.status_code == HTTPStatus.FOUND
    assert not ImportUpload.objects.exists()


def test_another_users_cancel_deletes_nothing(
    client, training, previewed, coordinator_user
):
    url, _preview, name = previewed
    other = login(client.__class__(), coordinator_user)
    other.post(url, {"cancel": "1"})
    assert ImportUpload.objects.exists()
    assert default_storage.exists(name)


def test_the_expiry_removes_them(previewed, django_capture_on_commit_callbacks):
    _url, _preview, name = previewed
    later = timezone.now() + settings.IMPORT_UPLOAD_EXPIRY + datetime.timedelta(1)
    with django_capture_on_commit_callbacks(execute=True):
        counts = uploads_clean_up(later)
    assert counts["uploads_deleted"] == 1
    nothing_at_rest(name)
    assert not ImportUpload.objects.exists()


def test_the_expiry_ignores_a_file_already_gone(
    previewed, django_capture_on_commit_callbacks
):
    _url, _preview, name = previewed
    default_storage.delete(name)
    later = timezone.now() + settings.IMPORT_UPLOAD_EXPIRY + datetime.timedelta(1)
    with django_capture_on_commit_callbacks(execute=True):
        assert uploads_clean_up(later)["uploads_deleted"] == 1


def test_deleting_the_training_removes_them(
    training, previewed, staff_user, django_capture_on_commit_callbacks
):
    _url, _preview, name = previewed
    with django_capture_on_commit_callbacks(execute=True):
        training_delete(training=training, user=staff_user)
    nothing_at_rest(name)
    assert not ImportUpload.objects.exists()


def test_files_wait_for_the_commit(
    training, previewed, staff_user, django_capture_on_commit_callbacks
):
    """Deleted only once the deletion is committed: a rollback keeps both."""
    _url, _preview, name = previewed
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        training_delete(training=training, user=staff_user)
        raise RuntimeError("roll back")
    assert default_storage.exists(name)
    assert ImportUpload.objects.exists()
