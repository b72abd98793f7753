"""The upload kept between preview and confirm: private, per session, read once."""

import datetime

import pytest
from django.contrib.sessions.backends.cache import SessionStore

from tests.trainings.imports.files import xlsx
from trainings.imports import pending
from trainings.imports.pending import UploadStore
from trainings.imports.plan import ImportOptions

DAYS = [datetime.date(2023, 10, 18)]


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.PARTICIPANT_IMPORT_DIR = str(tmp_path / "pending")
    return tmp_path / "pending"


@pytest.fixture
def store():
    return UploadStore(SessionStore())


def add(store, training_id=1, options=None):
    return store.add(
        training_id=training_id,
        filename="../daftar hadir.xlsx",
        data=xlsx([["Nama", "L/P"], ["Rahma", "P"]]),
        options=options or ImportOptions(),
    )


def test_an_upload_is_a_private_file_under_a_random_token(store, upload_dir):
    upload = add(store)
    assert upload.filename == "daftar hadir.xlsx"
    assert upload.path.parent == upload_dir
    assert upload.path.stat().st_mode & 0o777 == 0o600
    assert upload_dir.stat().st_mode & 0o777 == 0o700
    assert store.get(upload.token, 1) == upload


def test_a_token_is_only_good_for_its_training_and_session(store):
    upload = add(store)
    assert store.get(upload.token, 2) is None
    assert store.get("not a token!", 1) is None
    assert UploadStore(SessionStore()).get(upload.token, 1) is None


def test_the_file_is_parsed_once_then_read_from_its_json(store, monkeypatch):
    upload = add(store)
    first = upload.parse(days=DAYS)

    def read_again(*args, **kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(pending, "read_participant_file", read_again)
    again = store.get(upload.token, 1).parse(days=DAYS)
    assert [(r.row, r.full_name, r.sex) for r in again.rows] == [(2, "Rahma", "P")]
    assert again.rows == first.rows


def test_saved_options_come_back_with_the_upload(store):
    upload = add(store)
    upload.options = ImportOptions(
        blank_sex_is_not_recorded=True, agency_choices={"dp3a": 3}, rejected_rows={4}
    )
    store.save_options(upload)
    assert store.get(upload.token, 1).options == upload.options


def test_discard_deletes_the_file_and_its_parsed_rows(store, upload_dir):
    upload = add(store)
    upload.parse(days=DAYS)
    assert len(list(upload_dir.iterdir())) == 2
    store.discard(upload)
    assert list(upload_dir.iterdir()) == []
    assert store.get(upload.token, 1) is None
