"""The upload kept between preview and confirm: a row in the database and a file
in the default storage (any app server can confirm), per session and user, read
once, expiring after a day."""

import datetime
import io

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from tests.factories import TrainingFactory, UserFactory
from tests.trainings.imports.files import xlsx
from trainings.imports import pending
from trainings.imports.pending import UploadStore
from trainings.imports.plan import ImportOptions
from trainings.models import ImportUpload

pytestmark = pytest.mark.django_db


def stored_bytes(name: str) -> bytes:
    """The bytes of the file ``name`` in the default storage."""
    with default_storage.open(name, "rb") as file:
        return file.read()


DAYS = [datetime.date(2023, 10, 18)]
DATA = xlsx([["Nama", "L/P"], ["Rahma", "P"]])


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def training():
    return TrainingFactory()


@pytest.fixture
def store(user):
    return UploadStore(SessionStore(), user)


def add(store, training, options=None, filename="../daftar hadir.xlsx"):
    return store.add(
        training_id=training.pk,
        filename=filename,
        data=DATA,
        options=options or ImportOptions(),
    )


def test_an_upload_is_a_database_row_under_a_random_token(store, training, user):
    upload = add(store, training)
    row = ImportUpload.objects.get()
    assert (row.token, row.training, row.user) == (upload.token, training, user)
    # The file is in the storage, under a random folder that is not the token.
    folder, name = row.file.name.rsplit("/", 1)
    assert folder.startswith(f"imports/{timezone.now():%Y/%m}/")
    assert name == "daftar_hadir.xlsx" and upload.token not in folder
    assert stored_bytes(row.file.name) == DATA
    assert upload.filename == row.filename == "daftar hadir.xlsx"
    assert len(upload.token) >= 32
    assert store.session[UploadStore.SESSION_KEY] == [upload.token]
    assert store.get(upload.token, training.pk) == upload


def test_the_file_name_loses_folders_and_control_characters(store, training):
    upload = add(store, training, filename="C:\\Users\\x\\daftar\x00 hadir.xlsx")
    assert upload.filename == "daftar hadir.xlsx"


def test_a_token_is_only_good_for_its_training_session_and_user(store, training, user):
    upload = add(store, training)
    other_training = TrainingFactory()
    assert store.get(upload.token, other_training.pk) is None
    assert store.get("not a token!", training.pk) is None
    assert UploadStore(SessionStore(), user).get(upload.token, training.pk) is None
    # The same session (a shared computer) with another user logged in:
    someone_else = UploadStore(store.session, UserFactory())
    assert someone_else.get(upload.token, training.pk) is None


def test_another_server_reads_the_upload_from_the_database(store, training, user):
    """What a second app server sees: the same session (in the database) and the
    same row, nothing from this process."""
    upload = add(store, training)
    upload.parse(days=DAYS)
    store.session.save()
    elsewhere = UploadStore(SessionStore(store.session.session_key), user)
    again = elsewhere.get(upload.token, training.pk)
    assert again.read() == DATA
    assert [r.full_name for r in again.parse(days=DAYS).rows] == ["Rahma"]


def test_the_file_is_parsed_once_then_read_from_its_json(store, training, monkeypatch):
    upload = add(store, training)
    first = upload.parse(days=DAYS)

    def read_again(*args, **kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(pending, "read_participant_file", read_again)
    again = store.get(upload.token, training.pk).parse(days=DAYS)
    assert [(r.row, r.full_name, r.sex) for r in again.rows] == [(2, "Rahma", "P")]
    assert again.rows == first.rows


def test_other_days_or_options_read_the_file_again(store, training):
    upload = add(store, training)
    upload.parse(days=DAYS)
    key = ImportUpload.objects.get().parsed_key
    upload.options = ImportOptions(blank_sex_is_not_recorded=True)
    upload.parse(days=DAYS)
    assert ImportUpload.objects.get().parsed_key != key


def test_a_get_does_not_load_the_file(store, training, django_assert_num_queries):
    upload = add(store, training)
    with django_assert_num_queries(1) as context:
        store.get(upload.token, training.pk)
    assert '"file"' in context.captured_queries[0]["sql"]  # its name only


def test_saved_options_come_back_with_the_upload(store, training):
    upload = add(store, training)
    upload.options = ImportOptions(
        blank_sex_is_not_recorded=True, agency_choices={"dp3a": 3}, rejected_rows={4}
    )
    store.save_options(upload)
    assert store.get(upload.token, training.pk).options == upload.options


def test_discard_deletes_the_upload_and_forgets_the_token(
    store, training, django_capture_on_commit_callbacks
):
    upload = add(store, training)
    upload.parse(days=DAYS)
    name = ImportUpload.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        store.discard(upload)
    assert not ImportUpload.objects.exists()
    assert not default_storage.exists(name)
    assert store.get(upload.token, training.pk) is None
    assert store.session[UploadStore.SESSION_KEY] == []


def test_a_consumed_upload_comes_back_marked_consumed(store, training):
    upload = add(store, training)
    ImportUpload.objects.update(consumed_at=timezone.now(), file="")
    again = store.get(upload.token, training.pk)
    assert again.consumed
    assert again.read() == b""


def test_uploads_older_than_a_day_expire_and_are_deleted_on_the_next_upload(
    store, training
):
    old = add(store, training)
    anothers = add(UploadStore(SessionStore(), UserFactory()), training)
    ImportUpload.objects.update(
        created_at=timezone.now()
        - settings.IMPORT_UPLOAD_EXPIRY
        - datetime.timedelta(seconds=1)
    )
    assert store.get(old.token, training.pk) is None
    new = add(store, training)
    assert list(ImportUpload.objects.values_list("token", flat=True)) == [new.token]
    assert anothers.token not in store.session[UploadStore.SESSION_KEY]
    assert store.session[UploadStore.SESSION_KEY] == [new.token]


def test_deleting_the_training_deletes_its_uploads(store, training):
    add(store, training)
    training.delete()
    assert not ImportUpload.objects.exists()


def test_clean_up_deletes_expired_uploads_with_their_files(
    store, training, django_capture_on_commit_callbacks
):
    old, kept = add(store, training), add(store, training)
    ImportUpload.objects.filter(token=old.token).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    old_name = ImportUpload.objects.get(token=old.token).file.name
    with django_capture_on_commit_callbacks(execute=True):
        counts = pending.uploads_clean_up(timezone.now())
    assert counts["uploads_deleted"] == 1
    assert not default_storage.exists(old_name)
    assert list(ImportUpload.objects.values_list("token", flat=True)) == [kept.token]
    assert kept.read() == DATA


def test_clean_up_sweeps_files_left_without_a_row_in_past_months(store, training):
    """A file whose row is gone (a failed request, a deleted training) goes once
    its month and the expiry are over; this month's files stay."""
    add(store, training)
    current = ImportUpload.objects.get().file.name
    orphan = default_storage.save("imports/2020/02/abc/old.xlsx", io.BytesIO(DATA))
    now = timezone.now()
    assert pending.uploads_clean_up(now)["upload_files_swept"] == 1
    assert not default_storage.exists(orphan)
    assert default_storage.exists(current)
    # March 2020's folder is swept only once March and a day are over.
    march = default_storage.save("imports/2020/03/abc/x.xlsx", io.BytesIO(DATA))
    april_1st = datetime.datetime(2020, 4, 1, 12, tzinfo=datetime.UTC)
    assert pending.uploads_clean_up(april_1st)["upload_files_swept"] == 0
    assert pending.uploads_clean_up(april_1st + datetime.timedelta(days=1)) == {
        "uploads_deleted": 0,
        "upload_files_swept": 1,
    }
    assert not default_storage.exists(march)


def test_the_clean_up_command_runs_the_uploads_clean_up(store, training):
    old = add(store, training)
    ImportUpload.objects.filter(token=old.token).update(
        created_at=timezone.now() - datetime.timedelta(hours=25)
    )
    out = io.StringIO()
    call_command("jobs_clean_up", stdout=out)
    assert "uploads_deleted 1" in out.getvalue()
    assert not ImportUpload.objects.exists()
