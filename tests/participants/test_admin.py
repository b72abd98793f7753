"""The participant admin (participants/admin.py): the one identity rule on add."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from participants import admin as admin_module
from participants.admin import ParticipantAdminForm
from participants.models import Participant
from participants.services import registry_lock
from tests.factories import AgencyFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:participants_participant_add")
NIK = "7309015505900012"


def _typed(person, **changes):
    """The admin form's fields for a copy of ``person``, with ``changes``."""
    return {
        "full_name": person.full_name,
        "sex": person.sex,
        "agency": person.agency_id or "",
        "position": person.position,
        "village": "",
        "birth_date": "",
        "birth_year": "",
        "disability": Participant.Disability.NOT_ASKED,
        "phone": person.phone,
        "email": "",
        "nik": "",
        **changes,
    }


@pytest.fixture
def english_admin(admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client


@pytest.fixture
def existing():
    return ParticipantFactory(
        full_name="Hj. Nurhaeda Rahman", phone="+6281234567890", position="Staf"
    )


def _errors(response) -> list[str]:
    return [
        str(error) for error in response.context["adminform"].form.non_field_errors()
    ]


class TestAdding:
    def test_a_copy_of_an_existing_person_is_refused_with_the_match_listed(
        self, english_admin, existing
    ):
        response = english_admin.post(ADD_URL, _typed(existing))
        assert response.status_code == HTTPStatus.OK
        header, *lines = _errors(response)
        assert "probably already in the registry" in header
        assert "This is a different person: save anyway" in header
        assert lines == [
            f"#{existing.pk} Hj. Nurhaeda Rahman ({existing.agency}): same phone "
            "number, same name in the same agency"
        ]
        assert Participant.objects.count() == 1

    def test_the_same_person_in_another_spelling_is_refused(
        self, english_admin, existing
    ):
        typed = _typed(existing, full_name="nurhaeda rahman", phone="0812-3456-7890")
        response = english_admin.post(ADD_URL, typed)
        assert response.status_code == HTTPStatus.OK
        assert f"#{existing.pk} " in _errors(response)[1]
        assert Participant.objects.count() == 1

    def test_each_match_is_listed_once(self, english_admin, existing):
        other = ParticipantFactory(
            full_name="Nurhaeda Rahman", agency=existing.agency, phone=""
        )
        response = english_admin.post(ADD_URL, _typed(existing))
        lines = _errors(response)[1:]
        assert [line.split()[0] for line in lines] == [
            f"#{existing.pk}",
            f"#{other.pk}",
        ]

    def test_ticking_the_box_saves(self, english_admin, existing):
        response = english_admin.post(ADD_URL, _typed(existing, save_anyway="on"))
        assert response.status_code == HTTPStatus.FOUND
        assert Participant.objects.filter(full_name="Hj. Nurhaeda Rahman").count() == 2

    def test_a_new_person_saves_without_the_box(self, english_admin, existing):
        typed = _typed(existing, full_name="Andi Baso", phone="0813 1111 2222")
        response = english_admin.post(ADD_URL, typed)
        assert response.status_code == HTTPStatus.FOUND
        assert Participant.objects.get(full_name="Andi Baso").phone == "+6281311112222"

    def test_a_same_nik_match_shows_the_nik_to_those_who_may_see_it(
        self, english_admin
    ):
        existing = ParticipantFactory(full_name="Andi Baso", nik=NIK, phone="")
        other_agency = AgencyFactory()
        typed = _typed(existing, full_name="Rina", agency=other_agency.pk, nik=NIK)
        # The database's unique NIK adds its own message after the list.
        lines = _errors(english_admin.post(ADD_URL, typed))[1:]
        assert lines[0] == (
            f"#{existing.pk} Andi Baso ({existing.agency}): same NIK; NIK {NIK}"
        )

    def test_the_nik_is_masked_for_those_who_may_not_see_it(self):
        existing = ParticipantFactory(full_name="Andi Baso", nik=NIK, phone="")
        with translation.override("en"):
            form = ParticipantAdminForm(
                data=_typed(existing, full_name="Rina", nik=NIK)
            )
            assert not form.is_valid()
            lines = [str(error) for error in form.non_field_errors()][1:]
        assert lines[0] == (
            f"#{existing.pk} Andi Baso ({existing.agency}): same NIK; "
            "NIK ****************"
        )
        assert NIK not in " ".join(lines)

    def test_a_match_without_agency_says_so(self, english_admin):
        existing = ParticipantFactory(full_name="Andi Baso", agency=None, phone="")
        response = english_admin.post(ADD_URL, _typed(existing))
        assert _errors(response)[1:] == [
            f"#{existing.pk} Andi Baso (No agency): same name, another agency or none"
        ]

    def test_the_box_is_shown_on_add(self, english_admin):
        response = english_admin.get(ADD_URL)
        assert "save_anyway" in response.context["adminform"].form.fields
        assert b'name="save_anyway"' in response.content
        assert b"This is a different person: save anyway" in response.content


class TestSentTwice:
    """The add form carries a one-time token: sent again (a double click, Back
    then Save), it says the person was saved instead of adding a copy, even with
    "save anyway" ticked."""

    def test_the_same_form_sent_again_adds_one_person(self, english_admin, existing):
        form = english_admin.get(ADD_URL).context["adminform"].form
        token = str(form.initial["submission_token"])
        typed = _typed(existing, save_anyway="on", submission_token=token)
        assert english_admin.post(ADD_URL, typed).status_code == HTTPStatus.FOUND
        again = english_admin.post(ADD_URL, typed)
        assert again.status_code == HTTPStatus.OK
        copy = Participant.objects.exclude(pk=existing.pk).get()
        assert _errors(again) == [
            f"This person was saved already: #{copy.pk} Hj. Nurhaeda Rahman."
        ]
        assert copy.submission_token is not None

    def test_the_token_field_is_in_the_page(self, english_admin):
        content = english_admin.get(ADD_URL).content
        assert b'name="submission_token"' in content
        assert b'type="hidden"' in content


def _holds_the_registry_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
            "AND pid = pg_backend_pid() AND granted"
        )
        return cursor.fetchone()[0] > 0


def test_adding_takes_the_registry_lock_before_looking_for_matches(monkeypatch):
    calls = []
    monkeypatch.setattr(
        admin_module, "registry_lock", lambda: calls.append(registry_lock())
    )
    form = ParticipantAdminForm(data=_typed(ParticipantFactory.build(agency=None)))
    assert form.is_valid(), form.errors
    assert len(calls) == 1
    if connection.vendor == "postgresql":  # held until the transaction ends
        assert _holds_the_registry_lock()


class TestChanging:
    def test_editing_a_person_is_not_blocked_by_their_own_record(
        self, english_admin, existing
    ):
        url = reverse("admin:participants_participant_change", args=[existing.pk])
        typed = _typed(existing, position="Kepala Seksi")
        response = english_admin.post(url, typed)
        assert response.status_code == HTTPStatus.FOUND
        existing.refresh_from_db()
        assert existing.position == "Kepala Seksi"

    def test_editing_does_not_show_the_box(self, english_admin, existing):
        url = reverse("admin:participants_participant_change", args=[existing.pk])
        response = english_admin.get(url)
        assert "save_anyway" not in response.context["adminform"].form.fields
        assert b'name="save_anyway"' not in response.content
