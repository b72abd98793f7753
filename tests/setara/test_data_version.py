"""The data version (setara/data_version.py): every write to the programme's data
makes a new version, whatever door it comes through; other writes do not."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import caches
from django.db import connection, transaction

from participants.models import Participant
from setara.data_version import (
    VERSION_KEY,
    _writes_data,
    cached,
    data_changed,
    data_version,
)
from tests.factories import ParticipantFactory, TrainingFactory
from trainings.models import Training


@pytest.mark.django_db
class TestWritesMakeANewVersion:
    def test_save(self):
        before = data_version()
        TrainingFactory()
        assert data_version() > before

    def test_bulk_update_and_delete(self):
        training = TrainingFactory()
        before = data_version()
        Training.objects.filter(pk=training.pk).update(title="Baru")
        after_update = data_version()
        assert after_update > before
        Training.objects.filter(pk=training.pk).delete()
        assert data_version() > after_update

    def test_bulk_create(self):
        before = data_version()
        Participant.objects.bulk_create(
            [Participant(full_name="Ani", normalised_name="ani")]
        )
        assert data_version() > before

    def test_bulk_create_ignoring_conflicts(self):
        """SQLite writes it ``INSERT OR IGNORE INTO``."""
        before = data_version()
        Participant.objects.bulk_create(
            [Participant(full_name="Ani", normalised_name="ani")],
            ignore_conflicts=True,
        )
        assert data_version() > before

    def test_raw_sql_through_django(self):
        training = TrainingFactory()
        before = data_version()
        with connection.cursor() as cursor:
            cursor.execute(
                'UPDATE "trainings_training" SET "title" = %s WHERE "id" = %s',
                ["Raw", training.pk],
            )
        assert data_version() > before

    def test_again_after_commit(self, django_capture_on_commit_callbacks):
        with (
            django_capture_on_commit_callbacks(execute=False) as callbacks,
            transaction.atomic(),
        ):
            ParticipantFactory()
        assert data_changed in callbacks

    def test_sqlite_insert_or_ignore_schema_names_and_truncate(self):
        """Statements Django or an operator may send besides the plain ones."""
        for sql in (
            'INSERT OR IGNORE INTO "trainings_topic" ("code") VALUES (%s)',
            "insert into trainings_topic (code) values (%s)",
            'UPDATE "public"."trainings_training" SET "title" = %s',
            'TRUNCATE "accounts_user", "trainings_training" RESTART IDENTITY',
        ):
            assert _writes_data(sql), sql

    def test_logs_and_uploads_do_not(self):
        """An export's log entry or an import's upload changes no count."""
        for sql in (
            'INSERT INTO "participants_exportlog" ("export") VALUES (%s)',
            'UPDATE "trainings_importupload" SET "rows" = %s',
            'UPDATE "django_session" SET "session_data" = %s',
            'SELECT 1 FROM "trainings_training"',
        ):
            assert not _writes_data(sql), sql

    def test_reads_and_sessions_do_not(self):
        TrainingFactory()
        before = data_version()
        list(Training.objects.all())
        session = SessionStore()
        session["x"] = 1
        session.save()
        assert data_version() == before


@pytest.mark.django_db
class TestCached:
    def test_computed_once_per_version(self):
        calls = []

        def compute():
            calls.append(1)
            return {"count": len(calls)}

        assert cached("t", ("a",), compute) == {"count": 1}
        assert cached("t", ("a",), compute) == {"count": 1}
        assert cached("t", ("b",), compute) == {"count": 2}  # other parts
        ParticipantFactory()
        assert cached("t", ("a",), compute) == {"count": 3}  # new data

    def test_a_lost_version_starts_above_every_old_one(self):
        old = data_version()
        caches["data"].delete(VERSION_KEY)
        assert data_version() > old
        caches["data"].delete(VERSION_KEY)
        data_changed()
        assert data_version() > old


@pytest.mark.django_db
def test_nothing_kept_without_a_shared_cache(settings):
    """Without Redis the "data" cache keeps nothing: every call computes."""
    settings.CACHES = {
        **settings.CACHES,
        "data": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    calls = []
    cached("t", (), lambda: calls.append(1) or len(calls))
    cached("t", (), lambda: calls.append(1) or len(calls))
    assert len(calls) == 2


@pytest.mark.django_db
def test_one_bump_after_commit_a_transaction(django_capture_on_commit_callbacks):
    """Each write bumps at once; the bump after the commit is registered once
    however many rows the transaction writes."""
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        transaction.atomic(),
    ):
        ParticipantFactory.create_batch(3)
    assert callbacks.count(data_changed) == 1


@pytest.mark.django_db
def test_a_cache_that_cannot_be_reached_does_not_fail_a_write(monkeypatch, caplog):
    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(caches["data"], "incr", unreachable)
    TrainingFactory()  # no error
    assert "could not be changed" in caplog.text


@pytest.mark.django_db
def test_migrate_makes_a_new_version():
    from django.core.management import call_command

    before = data_version()
    call_command("migrate", "trainings", verbosity=0)
    assert data_version() > before
