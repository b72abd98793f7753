"""Writes that create trainings, people and enrolments, sent twice.

First the same form or confirm sent again after the first finished (Back then
Save, a second click on a slow page): on SQLite and PostgreSQL. Then the same
request twice at the same moment, from two threads with their own test client
sharing one browser session (a double click), released together by a barrier:
only on PostgreSQL, whose row locks and unique indexes decide the race; SQLite
serialises writers, so there is no race to test.

In the parallel tests each request may also wait, just before it writes, until
the other one got there (``meet_before_write``): then both have checked that
nothing was written yet, and only the database can stop the copy. Without it the
two requests run as they come.
"""

import datetime
import threading
from contextlib import contextmanager
from http import HTTPStatus

import pytest
from django.conf import settings
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from participants.models import Agency, Participant
from tests.factories import ParticipantFactory, RegencyFactory, TrainingFactory
from tests.trainings.imports.files import xlsx
from tests.trainings.test_import_views import confirm_data
from trainings import services
from trainings.models import Enrolment, ImportUpload, Training
from trainings.views import imports, records

ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent transactions (PostgreSQL); SQLite serialises writers",
)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _messages(response) -> list[tuple[int, str]]:
    """The messages waiting after the request, as (level, text): those not shown
    yet, then those it added."""
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


def _last_message(response) -> tuple[int, str]:
    """The message the request added last, as (level, text)."""
    return _messages(response)[-1]


def _training_form(client) -> dict:
    """The new-training form as a browser would send it, with its token."""
    form = client.get(reverse("trainings:create")).context["form"]
    return {
        "submission_token": str(form.initial["submission_token"]),
        "title": "Pelatihan KBGO bagi PATBM",
        "start_date": "2024-03-05",
        "end_date": "2024-03-06",
        "region": RegencyFactory().pk,
        "organiser": "Yayasan BaKTI",
    }


def _person_form(client, training, **fields) -> dict:
    """The enrol page's new-person form, filled in, with its token."""
    page = client.get(reverse("trainings:enrol", args=[training.pk]))
    form = page.context["new_form"]
    return {
        "submission_token": str(form.initial["submission_token"]),
        "role": "participant",
        "full_name": "Nurhaeda Rahman",
        "sex": "P",
        "agency_type": "other",
        "disability": "not_asked",
        **fields,
    }


def _confirm_form(client, training) -> tuple[str, dict]:
    """Upload a two-person sheet; the preview URL and its Import button's data."""
    rows = [["Nama", "L/P", "NIK"], ["Rahma", "P", "7309014101900001"], ["Budi", "L"]]
    response = client.post(
        reverse("trainings:import", args=[training.pk]),
        {"file": SimpleUploadedFile("daftar.xlsx", xlsx(rows))},
    )
    assert response.status_code == HTTPStatus.FOUND, response.content[:500]
    return response.url, confirm_data(client.get(response.url))


class TestSentAgain:
    """The same POST after the first one finished: both databases."""

    pytestmark = pytest.mark.django_db

    def test_a_training_form_sent_again_shows_the_training_saved(self, staff_client):
        data = _training_form(staff_client)
        first = staff_client.post(reverse("trainings:create"), data)
        training = Training.objects.get()
        assert first.url == reverse("trainings:enrol", args=[training.pk])
        assert training.submission_token is not None

        again = staff_client.post(reverse("trainings:create"), {**data, "title": "X"})
        assert Training.objects.count() == 1
        assert again.url == training.get_absolute_url()
        assert _last_message(again) == (
            constants.INFO,
            "This training was already saved.",
        )

    def test_each_new_form_creates_its_own_training(self, staff_client):
        for _ in range(2):
            staff_client.post(reverse("trainings:create"), _training_form(staff_client))
        assert Training.objects.count() == 2

    def test_a_form_shown_again_with_errors_keeps_its_token(self, staff_client):
        data = _training_form(staff_client)
        shown = staff_client.post(
            reverse("trainings:create"), {**data, "end_date": "2024-03-01"}
        )
        assert shown.status_code == HTTPStatus.OK
        assert data["submission_token"] in shown.content.decode()
        staff_client.post(reverse("trainings:create"), data)
        staff_client.post(reverse("trainings:create"), data)
        assert Training.objects.count() == 1

    def test_a_form_without_a_token_still_saves(self, staff_client):
        data = _training_form(staff_client)
        del data["submission_token"]  # a page opened before tokens existed
        response = staff_client.post(reverse("trainings:create"), data)
        assert response.status_code == HTTPStatus.FOUND
        assert Training.objects.get().submission_token is None

    def test_the_edit_form_has_no_token(self, staff_client):
        training = TrainingFactory()
        page = staff_client.get(reverse("trainings:update", args=[training.pk]))
        assert "submission_token" not in page.content.decode()

    def test_a_new_person_form_sent_again_adds_one_person(self, staff_client):
        training = TrainingFactory()
        data = _person_form(
            staff_client,
            training,
            nik="7309014101900001",
            agency_name="Dinas Baru Maros",
            create_agency="on",
        )
        url = reverse("trainings:enrol", args=[training.pk])
        first = staff_client.post(url, data)
        assert first.status_code == HTTPStatus.FOUND
        # Sent again, the NIK is taken and the name matches: neither is shown,
        # the person already saved is.
        again = staff_client.post(url, data)
        assert again.url == url
        assert _last_message(again) == (
            constants.INFO,
            "Nurhaeda Rahman was already saved.",
        )
        person = Participant.objects.get()
        assert person.submission_token is not None
        assert Enrolment.objects.get().participant == person
        assert Agency.objects.filter(name="Dinas Baru Maros").count() == 1

    def test_a_new_person_confirmed_despite_a_match_is_added_once(self, staff_client):
        training = TrainingFactory()
        ParticipantFactory(full_name="Nurhaeda Rahman", agency=None)
        data = _person_form(staff_client, training, confirm_new="1")
        url = reverse("trainings:enrol", args=[training.pk])
        staff_client.post(url, data)
        staff_client.post(url, data)
        assert Participant.objects.filter(full_name="Nurhaeda Rahman").count() == 2
        assert Enrolment.objects.count() == 1

    def test_enrolling_someone_twice_is_an_info_message(self, staff_client):
        training = TrainingFactory()
        person = ParticipantFactory(full_name="Andi Baso")
        url = reverse("trainings:enrol", args=[training.pk])
        data = {"participant": person.pk, "role": "participant"}
        staff_client.post(url, data)
        again = staff_client.post(url, data)
        assert Enrolment.objects.count() == 1
        assert _last_message(again) == (
            constants.INFO,
            "Andi Baso is already enrolled.",
        )

    def test_an_import_confirmed_again_imports_nothing(self, staff_client):
        training = TrainingFactory(
            start_date=datetime.date(2023, 10, 18), end_date=datetime.date(2023, 10, 18)
        )
        url, data = _confirm_form(staff_client, training)
        staff_client.post(url, data)
        again = staff_client.post(url, data)
        assert again.url == training.get_absolute_url()
        assert _last_message(again) == (
            constants.INFO,
            "This file was already imported.",
        )
        assert Participant.objects.count() == 2
        assert Enrolment.objects.count() == 2


@contextmanager
def _meeting(monkeypatch, module, name, meet, *, run_first=False):
    """With ``meet``, make ``module.name`` wait (up to 10 s) until both requests
    called it: a read runs first (``run_first``: both have seen that nothing was
    written), a write after (both are about to write). Yields the list of
    requests that met."""
    met = []
    if not meet:
        yield met
        return
    real = getattr(module, name)
    barrier = threading.Barrier(2, timeout=10)

    def meet_then_return(*args, **kwargs):
        result = real(*args, **kwargs) if run_first else None
        barrier.wait()
        met.append(1)
        return result if run_first else real(*args, **kwargs)

    monkeypatch.setattr(module, name, meet_then_return)
    yield met
    monkeypatch.undo()


def _together(client, send) -> list:
    """``send(c)`` from two threads at once, each with its own Client sharing
    ``client``'s cookies (one browser, a double click); the responses, or the
    exceptions raised, in finishing order. Each thread closes its connections."""
    start = threading.Barrier(2, timeout=10)
    outcomes = []

    def request():
        own = Client()
        own.cookies.load({key: morsel.value for key, morsel in client.cookies.items()})
        try:
            start.wait()
            outcomes.append(send(own))
        except Exception as error:  # the outcome is what the test checks
            outcomes.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def _without_registry_lock(monkeypatch, module, meet: bool) -> None:
    """When the two requests are to meet before writing, ``module`` does not take
    the registry lock (with it they could never both get there: the second waits
    for the first), so the test shows what stops a copy without the lock."""
    if meet:
        monkeypatch.setattr(module, "registry_lock", lambda: None)


def _one_saved_one_told(outcomes, told: str):
    """One response is the normal redirect, the other the info message ``told``;
    neither is an error."""
    assert all(getattr(o, "status_code", None) == HTTPStatus.FOUND for o in outcomes), (
        outcomes
    )
    told_ones = [o for o in outcomes if (constants.INFO, told) in _messages(o)]
    assert len(told_ones) == 1, [_messages(o) for o in outcomes]


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("meet_before_write", [True, False])
class TestSentTwiceAtOnce:
    """The same POST from two threads at once: PostgreSQL only."""

    def test_two_confirms_of_one_upload_import_once(
        self, staff_client, monkeypatch, meet_before_write
    ):
        training = TrainingFactory(
            start_date=datetime.date(2023, 10, 18), end_date=datetime.date(2023, 10, 18)
        )
        url, data = _confirm_form(staff_client, training)
        _without_registry_lock(monkeypatch, imports, meet_before_write)
        with _meeting(
            monkeypatch, services, "_import_upload_consume", meet_before_write
        ) as met:
            outcomes = _together(staff_client, lambda c: c.post(url, data))
        assert len(met) == (2 if meet_before_write else 0)
        _one_saved_one_told(outcomes, "This file was already imported.")
        assert sorted(Participant.objects.values_list("full_name", flat=True)) == [
            "Budi",
            "Rahma",
        ]
        assert Enrolment.objects.filter(training=training).count() == 2
        assert ImportUpload.objects.get().consumed_at is not None

    def test_two_new_training_forms_save_one_training(
        self, staff_client, monkeypatch, meet_before_write
    ):
        data = _training_form(staff_client)
        with _meeting(
            monkeypatch, records, "submitted_record", meet_before_write, run_first=True
        ) as met:
            outcomes = _together(
                staff_client, lambda c: c.post(reverse("trainings:create"), data)
            )
        assert len(met) == (2 if meet_before_write else 0)
        _one_saved_one_told(outcomes, "This training was already saved.")
        assert Training.objects.count() == 1

    def test_two_new_person_forms_add_one_person(
        self, staff_client, monkeypatch, meet_before_write
    ):
        training = TrainingFactory()
        data = _person_form(
            staff_client,
            training,
            nik="7309014101900001",
            agency_name="Dinas Baru Maros",
            create_agency="on",
        )
        url = reverse("trainings:enrol", args=[training.pk])
        _without_registry_lock(monkeypatch, records, meet_before_write)
        with _meeting(
            monkeypatch, records, "submitted_record", meet_before_write, run_first=True
        ) as met:
            outcomes = _together(staff_client, lambda c: c.post(url, data))
        assert len(met) == (2 if meet_before_write else 0)
        _one_saved_one_told(outcomes, "Nurhaeda Rahman was already saved.")
        assert Participant.objects.count() == 1
        assert Enrolment.objects.filter(training=training).count() == 1
        assert Agency.objects.filter(name="Dinas Baru Maros").count() == 1


@ON_POSTGRESQL
def _confirm_one_file_twice_at_once(client):
    """Upload one two-person sheet twice and confirm both previews at the same
    moment; check each person is added and enrolled once, one confirm redirects
    and the other answers 200; return that 200 response."""
    training = TrainingFactory(
        start_date=datetime.date(2023, 10, 18), end_date=datetime.date(2023, 10, 18)
    )
    forms = [_confirm_form(client, training) for _ in range(2)]
    sent = iter(forms)
    lock = threading.Lock()

    def confirm(each):
        with lock:
            url, data = next(sent)
        return each.post(url, data)

    outcomes = _together(client, confirm)
    assert sorted(Participant.objects.values_list("full_name", flat=True)) == [
        "Budi",
        "Rahma",
    ]
    assert Enrolment.objects.filter(training=training).count() == 2
    codes = sorted(o.status_code for o in outcomes)
    assert codes == [HTTPStatus.OK, HTTPStatus.FOUND], outcomes
    [again] = [o for o in outcomes if o.status_code == HTTPStatus.OK]
    return again


@pytest.mark.django_db(transaction=True)
class TestTwoDoorsAtOnce:
    """The same people added through two doors at the same moment (two uploads of
    one file, two tabs): the registry lock makes the second see the first's."""

    def test_two_uploads_of_one_file_confirmed_at_once_add_each_person_once(
        self, coordinator_client
    ):
        """A coordinator, who may match by NIK: the second confirm finds Rahma by
        her NIK and says the training changed. (For programme staff a NIK is not
        matched, so the second confirm lists the rows as problems instead; see
        tests/participants/test_nik_oracle.py.)"""
        again = _confirm_one_file_twice_at_once(coordinator_client)
        assert (
            constants.WARNING,
            "Someone changed this training meanwhile. Check and import again.",
        ) in _messages(again)

    def test_staff_confirming_one_file_twice_at_once_add_each_person_once(
        self, staff_client
    ):
        again = _confirm_one_file_twice_at_once(staff_client)
        assert [level for level, _text in _messages(again)] in (
            [constants.WARNING],
            [constants.ERROR],
        )

    def test_two_tabs_adding_one_person_at_once_add_one(self, staff_client):
        training = TrainingFactory()
        forms = [
            _person_form(staff_client, training, phone="081244556677") for _ in range(2)
        ]
        assert forms[0]["submission_token"] != forms[1]["submission_token"]
        sent = iter(forms)
        lock = threading.Lock()
        url = reverse("trainings:enrol", args=[training.pk])

        def post(client):
            with lock:
                data = next(sent)
            return client.post(url, data)

        outcomes = _together(staff_client, post)
        assert Participant.objects.count() == 1
        [shown] = [o for o in outcomes if o.status_code == HTTPStatus.OK]
        assert [m.participant for m in shown.context["matches"]] == [
            Participant.objects.get()
        ]
