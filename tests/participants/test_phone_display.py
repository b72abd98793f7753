"""Phones are shown in the national form people read ("0812-4231-7710") wherever
a page shows one; the stored value stays +62... (links dial it)."""

from http import HTTPStatus

import pytest
from django.template import Context, Template
from django.urls import reverse

from participants.normalisation import display_phone, normalise_phone
from referrals.models import ReferralInstitution
from regions.models import Region
from tests.factories import (
    EnrolmentFactory,
    ParticipantFactory,
    ReferralInstitutionFactory,
    RegistrationFactory,
    TrainingFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "stored, shown",
    [
        # Mobiles: 08xx, then groups of four, never a group under three.
        ("+6281242317710", "0812-4231-7710"),  # 12 digits
        ("+628124231771", "0812-4231-771"),  # 11
        ("+62812423177101", "0812-4231-77101"),  # 13
        ("+62812423177", "0812-423-177"),  # 10: 3-3
        ("+6281242317", "0812-42317"),  # 9: one group of five
        ("+628124231", "+628124231"),  # too short to be stored: unchanged
        ("+628124231771012", "0812-4231-771-012"),  # 15, the longest stored
        # Landlines: the area code, then the number.
        ("+62411371234", "0411-371234"),  # Makassar, three-digit area code
        ("+622155512345", "021-55512345"),  # Jakarta, two digits
        ("+62315551234", "031-5551234"),  # Surabaya
        ("+62274512345", "0274-512345"),  # Yogyakarta, three digits
        # Not a stored +62 number: unchanged.
        ("129", "129"),  # SAPA, a short service number
        ("1500771", "1500771"),
        ("0812-4231-7710", "0812-4231-7710"),
        ("+6512345678", "+6512345678"),
        ("", ""),
        (None, ""),
    ],
)
def test_display_phone(stored, shown):
    assert display_phone(stored) == shown


@pytest.mark.parametrize(
    "typed",
    ["0812-4231-7710", "+62 812 4231 7710", "6281242317710", "81242317710"],
)
def test_what_is_shown_reads_back_as_the_same_number(typed):
    stored = normalise_phone(typed)
    assert normalise_phone(display_phone(stored)) == stored


def test_the_filter_is_the_one_way_templates_show_a_phone():
    template = Template("{% load phones %}{{ phone|phone }}|{{ none|phone }}")
    rendered = template.render(Context({"phone": "+6281242317710", "none": None}))
    assert rendered == "0812-4231-7710|"


class TestPages:
    def test_participant_page(self, staff_client):
        person = ParticipantFactory(phone="+6281242317710")
        html = staff_client.get(person.get_absolute_url()).content.decode()
        assert ">0812-4231-7710</a>" in html
        assert 'href="tel:+6281242317710"' in html
        person.refresh_from_db()
        assert person.phone == "+6281242317710"  # stored as it was

    def test_directory_and_pathway(self, staff_client):
        maros = Region.objects.get(code="73.09")
        ReferralInstitutionFactory(
            name="UPTD PPA Kabupaten Maros",
            region=maros,
            phone="+62411371234",
            phone_alt="129",
            whatsapp="+6281242317710",
        )
        institution = ReferralInstitution.objects.get()
        institution.services.add(*institution.services.model.objects.all()[:1])
        for url in (
            reverse("referrals:directory"),
            reverse("referrals:pathway", args=["73.09"]),
        ):
            html = staff_client.get(url).content.decode()
            assert '<a href="tel:+62411371234">0411-371234</a>' in html, url
            assert '<a href="tel:129">129</a>' in html, url
            assert ">0812-4231-7710</a>" in html, url
            assert 'href="https://wa.me/6281242317710"' in html, url

    def test_enrol_page_match_by_phone(self, staff_client):
        training = TrainingFactory()
        ParticipantFactory(full_name="Siti Aminah", phone="+6281242317710")
        response = staff_client.post(
            reverse("trainings:enrol", args=[training.pk]),
            {
                "full_name": "Sitti Aminah",
                "sex": "P",
                "phone": "0812 4231 7710",
                "role": "participant",
            },
        )
        html = response.content.decode()
        assert "· 0812-4231-7710" in html
        assert "+6281242317710" not in html.replace('"tel:+6281242317710"', "")

    def test_registration_review(self, coordinator_client):
        registration = RegistrationFactory(phone="+6281242317710")
        url = reverse("registrations:review", args=[registration.training_id])
        response = coordinator_client.get(url)
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert '<td class="text-nowrap">0812-4231-7710</td>' in html


class TestParticipantForm:
    def test_a_stored_number_is_offered_as_people_write_it(self, staff_client):
        person = ParticipantFactory(phone="+6281242317710")
        enrolment = EnrolmentFactory(participant=person)
        url = reverse("participants:update", args=[person.pk])
        response = staff_client.get(url)
        assert response.status_code == HTTPStatus.OK
        assert 'value="0812-4231-7710"' in response.content.decode()
        assert enrolment.participant.phone == "+6281242317710"

    @pytest.mark.parametrize(
        "typed", ["+62 812 4231 7710", "0812-4231-7710", "(0812) 4231-7710"]
    )
    def test_a_number_typed_with_spaces_is_stored_as_plus_62(self, typed):
        from participants.forms import ParticipantForm

        form = ParticipantForm(
            data={"full_name": "Andi Baso", "sex": "L", "phone": typed},
        )
        form.is_valid()
        assert "phone" not in form.errors, form.errors
        assert form.cleaned_data["phone"] == "+6281242317710"

    def test_a_number_that_is_not_indonesian_is_refused_on_the_field(self):
        from participants.forms import ParticipantForm

        form = ParticipantForm(data={"full_name": "A", "sex": "L", "phone": "12"})
        assert not form.is_valid()
        [message] = form.errors["phone"]
        assert "0812-3456-7890" in message
