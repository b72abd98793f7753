"""An erasure removes the files that may hold the person (issue 17): the pending
uploads of their trainings (file and parsed rows) and the personal export files
of their trainings and of the report's participant lists; it leaves the files of
other trainings and files without people; and it reports what it removed."""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation

from jobs.models import Job
from setara.privacy import participant_erase
from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
    UserFactory,
)
from tests.jobs.tasks_for_tests import finished_job
from trainings import tasks
from trainings.imports.pending import UploadStore
from trainings.imports.plan import ImportOptions
from trainings.models import Enrolment, ImportUpload

pytestmark = pytest.mark.django_db

DAYS = [datetime.date(2023, 10, 18)]
SHEET = b"Nama,L/P,NIK\nRahmawati Erased,P,7309015708900012\n"


@pytest.fixture
def person():
    return ParticipantFactory(full_name="Rahmawati Erased", nik="7309015708900012")


@pytest.fixture
def training(person):
    """A training the person is in, with attendance on its first day."""
    training = TrainingFactory(
        start_date=datetime.date(2023, 10, 18), end_date=datetime.date(2023, 10, 19)
    )
    enrolment = EnrolmentFactory(training=training, participant=person)
    AttendanceFactory(enrolment=enrolment, date=training.start_date)
    return training


@pytest.fixture
def other_training():
    return TrainingFactory()


def pending_upload(training, user=None):
    """An upload waiting for its confirm, read once (its parsed rows stored)."""
    store = UploadStore(SessionStore(), user or UserFactory())
    pending = store.add(
        training_id=training.pk,
        filename="daftar-hadir.csv",
        data=SHEET,
        options=ImportOptions(),
    )
    pending.parse(days=DAYS)
    return ImportUpload.objects.get(pk=pending.upload_id)


def export(training=None, *, task=tasks.training_participants_export, **fields):
    """A finished export job with its file in storage; of ``training`` when given."""
    params = {"training": training.pk, "fmt": "csv"} if training else {"fmt": "csv"}
    return finished_job(
        UserFactory(),
        content=b"Rahmawati Erased\n",
        task_name=task.module_path,
        params=params,
        **{"personal": True, **fields},
    )


@pytest.fixture
def files(training, other_training):
    """Every kind of file: those the erasure must remove, and those it keeps."""
    return {
        "upload": pending_upload(training),
        "other_upload": pending_upload(other_training),
        "training_export": export(training),
        # Expired but not yet cleaned up: still a file in storage.
        "expired_export": export(
            training,
            expires_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        ),
        "report_list": export(task=tasks.report_participants_export),
        "other_export": export(other_training),
        "summary": export(training, task=tasks.training_summary_export, personal=False),
    }


def stored(name: str) -> bool:
    return bool(name) and default_storage.exists(name)


REMOVED = ["upload", "training_export", "expired_export", "report_list"]
KEPT = ["other_upload", "other_export", "summary"]


def test_erasure_removes_the_files_that_may_hold_the_person(
    person, files, admin_user, django_capture_on_commit_callbacks
):
    names = {key: row.file.name for key, row in files.items()}
    assert all(stored(name) for name in names.values())  # the check can fail
    with django_capture_on_commit_callbacks(execute=True):
        result = participant_erase(participant=person, user=admin_user)
    for key in REMOVED:
        assert not stored(names[key]), key
    for key in KEPT:
        assert stored(names[key]), key
    # The uploads' rows go with their parsed rows; the other training's stays.
    assert list(ImportUpload.objects.all()) == [files["other_upload"]]
    assert not ImportUpload.objects.filter(parsed__contains="Rahmawati").exclude(
        pk=files["other_upload"].pk
    )
    # The jobs stay, without a file: shown as expired.
    for key in ("training_export", "report_list"):
        job = Job.objects.get(pk=files[key].pk)
        assert (job.file.name, job.is_expired) == ("", True)
    assert (result.uploads, result.upload_files, result.export_files) == (1, 1, 3)
    assert (result.files, result.registrations) == (4, 0)
    assert (result.enrolments, result.attendance) == (1, 1)


def test_a_training_they_were_removed_from_counts_too(
    person, training, admin_user, django_capture_on_commit_callbacks
):
    upload = pending_upload(training)
    job = export(training)
    Enrolment.objects.filter(participant=person).delete()
    with django_capture_on_commit_callbacks(execute=True):
        result = participant_erase(participant=person, user=admin_user)
    assert not stored(upload.file.name)
    assert not stored(job.file.name)
    assert (result.uploads, result.export_files, result.enrolments) == (1, 1, 0)


def test_files_already_gone_are_no_error(
    person, training, admin_user, django_capture_on_commit_callbacks
):
    upload, job = pending_upload(training), export(training)
    default_storage.delete(upload.file.name)
    default_storage.delete(job.file.name)
    with django_capture_on_commit_callbacks(execute=True):
        result = participant_erase(participant=person, user=admin_user)
    assert (result.uploads, result.export_files) == (1, 1)
    assert not ImportUpload.objects.exists()


def test_an_imported_upload_is_left_alone(
    person, training, admin_user, django_capture_on_commit_callbacks
):
    """Already imported: no file, no rows, only its name (a second confirm is
    told it was imported)."""
    upload = pending_upload(training)
    default_storage.delete(upload.file.name)
    ImportUpload.objects.update(consumed_at=upload.created_at, file="", parsed="")
    with django_capture_on_commit_callbacks(execute=True):
        result = participant_erase(participant=person, user=admin_user)
    assert result.uploads == 0
    assert ImportUpload.objects.exists()


def test_nothing_is_deleted_when_the_erasure_rolls_back(
    person, files, admin_user, django_capture_on_commit_callbacks, monkeypatch
):
    from setara import privacy

    def fail(*args, **kwargs):
        raise RuntimeError("after the files were chosen")

    monkeypatch.setattr(privacy, "_kept_counts", fail)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
    ):
        participant_erase(participant=person, user=admin_user)
    assert all(stored(row.file.name) for row in files.values())
    assert ImportUpload.objects.count() == 2


def test_the_erasure_page_reports_what_it_removed(
    admin_client, person, files, django_capture_on_commit_callbacks
):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        page = admin_client.get(reverse("privacy:erase", args=[person.pk]))
        assert 'data-erase="files"' in page.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(reverse("privacy:erase", args=[person.pk]))
        messages = [str(m) for m in get_messages(response.wsgi_request)]
    [report] = [m for m in messages if m.startswith("Removed:")]
    numbers = dict(
        re.findall(
            r"(self-registrations|not yet imported|exports\)|enrolments|"
            r"attendance marks) (\d+)",
            report,
        )
    )
    assert numbers == {
        "self-registrations": "0",
        "not yet imported": "1",
        "exports)": "4",
        "enrolments": "1",
        "attendance marks": "1",
    }
