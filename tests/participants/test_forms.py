"""``ParticipantForm``: NIK and phone boxes read placeholders as empty and
full-width digits as digits, as the import does."""

import pytest
from django.utils import translation

from participants.forms import ParticipantForm
from participants.models import Participant
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def form(**data):
    base = {"full_name": "Andi Rusdi", "sex": "L", "disability": "not_asked"}
    return ParticipantForm(data={**base, **data})


@pytest.mark.parametrize("placeholder", ["belum ada", "-", "0", "tidak ada", "N/A"])
def test_placeholder_nik_and_phone_are_empty(placeholder):
    entered = form(nik=placeholder, phone=placeholder)
    assert entered.is_valid(), entered.errors
    person = entered.save()
    person.refresh_from_db()
    assert (person.nik, person.phone) == ("", "")


def test_full_width_digits_are_stored_as_digits():
    entered = form(
        nik="７３０９０１２３４５６７０００１", phone="０８１２４４２３１７７１"
    )
    assert entered.is_valid(), entered.errors
    person = entered.save()
    person.refresh_from_db()
    assert (person.nik, person.phone) == ("7309012345670001", "+6281244231771")


def test_other_scripts_digits_are_refused_on_the_nik_box():
    entered = form(nik="٧٣٠٩٠١٢٣٤٥٦٧٠٠٠١")
    assert not entered.is_valid()
    assert "nik" in entered.errors


def test_a_placeholder_on_edit_keeps_the_stored_nik():
    person = ParticipantFactory(nik="7309012345670001")
    entered = ParticipantForm(
        data={
            "full_name": person.full_name,
            "sex": person.sex,
            "disability": "not_asked",
            "nik": "-",
        },
        instance=person,
    )
    assert entered.is_valid(), entered.errors
    entered.save()
    assert Participant.objects.get(pk=person.pk).nik == "7309012345670001"


def test_a_nik_typed_in_groups_is_read():
    entered = form(nik="7309 0155 0190 0099")
    assert entered.is_valid(), entered.errors
    assert entered.save().nik == "7309015501900099"


def test_a_full_width_nik_shows_who_has_it():
    owner = ParticipantFactory(nik="7309015501900099")
    entered = form(nik="７３０９０１５５０１９０００９９")
    assert [m.participant for m in entered.probable_matches()] == [owner]
    assert "nik" in entered.errors  # and the box says it is taken


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("\u3164\u3164", "This field is required."),  # nothing left once cleaned
        ("\u0301", "This field is required."),
        ("...", "Write the name with letters."),
        ("- -", "Write the name with letters."),
    ],
)
def test_a_name_without_letters_is_refused(name, error):
    with translation.override("en"):
        entered = form(full_name=name)
        assert not entered.is_valid()
        assert entered.errors["full_name"] == [error]
