"""``ParticipantForm``: NIK and phone boxes read placeholders as empty and
full-width digits as digits, as the import does."""

import pytest

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
