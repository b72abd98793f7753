"""Agency names are unique per region once normalised (``Agency.normalised_name``):
refused with a message naming the existing agency, in the admin and in
``agency_create``, and by the database as the last word."""

from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from participants.models import Agency, AgencyAlias
from participants.services import agency_create
from tests.factories import AgencyFactory, RegencyFactory

pytestmark = pytest.mark.django_db

SPELLINGS = ["Dinas Sosial  Maros", "dinas sosial maros", "Dinas\u00a0Sosial Maros"]


@pytest.fixture
def maros():
    return RegencyFactory(code="73.09", name="Kabupaten Maros")


class TestAgencyCreate:
    @pytest.mark.parametrize("spelling", SPELLINGS)
    def test_refuses_every_spelling_naming_the_existing_agency(self, maros, spelling):
        AgencyFactory(name="Dinas Sosial Maros", region=maros)
        with pytest.raises(ValidationError) as error:
            agency_create(name=spelling, region=maros)
        [message] = error.value.message_dict["name"]
        assert "Dinas Sosial Maros" in message
        assert Agency.objects.count() == 1

    def test_the_three_spellings_make_one_agency(self, maros):
        first, *others = SPELLINGS
        agency_create(name=first, region=maros)
        for spelling in others:
            with pytest.raises(ValidationError):
                agency_create(name=spelling, region=maros)
        assert list(Agency.objects.values_list("name", flat=True)) == [
            "Dinas Sosial Maros"
        ]

    @pytest.mark.parametrize("taken", ["Dinsos Maros", "dinsos  maros", "DINSOS"])
    def test_refuses_a_short_name_or_alias_of_another_agency(self, maros, taken):
        agency = AgencyFactory(
            name="Dinas Sosial Kabupaten Maros", short_name="Dinsos", region=maros
        )
        AgencyAlias.objects.create(agency=agency, name="Dinsos Maros")
        with pytest.raises(ValidationError) as error:
            agency_create(name=taken, region=maros)
        assert "Dinas Sosial Kabupaten Maros" in error.value.message_dict["name"][0]
        assert Agency.objects.count() == 1

    def test_same_name_in_another_region_is_allowed(self, maros):
        AgencyFactory(name="Dinas Sosial", region=maros)
        other = agency_create(name="dinas  sosial", region=RegencyFactory())
        assert other.normalised_name == "dinas sosial"

    def test_agencies_without_region_are_unique_too(self):
        agency_create(name="Yayasan BaKTI")
        with pytest.raises(ValidationError) as error:
            agency_create(name="YAYASAN\u00a0BAKTI")
        assert "Yayasan BaKTI" in error.value.message_dict["name"][0]

    def test_a_name_taken_meanwhile_is_a_validation_error(self, maros, monkeypatch):
        # Another request inserts the same name between the check and the insert.
        AgencyFactory(name="Dinas Sosial Maros", region=maros)
        monkeypatch.setattr(Agency, "clean", lambda self: None)
        with transaction.atomic():
            with pytest.raises(ValidationError) as error:
                agency_create(name="dinas sosial maros", region=maros)
            assert "Dinas Sosial Maros" in error.value.message_dict["name"][0]
            assert Agency.objects.count() == 1  # the transaction is still usable


class TestDatabaseConstraint:
    def test_refuses_a_duplicate_in_one_region(self, maros):
        AgencyFactory(name="Dinas Sosial Maros", region=maros)
        with pytest.raises(IntegrityError), transaction.atomic():
            Agency.objects.bulk_create(
                [Agency(name="DINAS  SOSIAL\u200b MAROS", region=maros)]
            )

    def test_refuses_a_duplicate_without_region(self):
        AgencyFactory(name="Yayasan BaKTI", region=None)
        with pytest.raises(IntegrityError), transaction.atomic():
            Agency(name="yayasan bakti", region=None).save()


class TestMatching:
    @pytest.mark.parametrize("spelling", [*SPELLINGS, "Dinas-Sosial Maros"])
    def test_every_spelling_finds_the_agency(self, maros, spelling):
        agency = AgencyFactory(name="Dinas Sosial Maros", region=maros)
        assert Agency.objects.resolve(spelling, maros) == (agency, [agency])


class TestAdmin:
    def post_add(self, client, name, region):
        return client.post(
            reverse("admin:participants_agency_add"),
            {
                "name": name,
                "short_name": "",
                "type": Agency.Type.GOVERNMENT,
                "region": region.pk,
                "aliases-TOTAL_FORMS": "0",
                "aliases-INITIAL_FORMS": "0",
                "aliases-MIN_NUM_FORMS": "0",
                "aliases-MAX_NUM_FORMS": "1000",
            },
        )

    @pytest.mark.parametrize("spelling", SPELLINGS)
    def test_add_form_shows_the_error_on_the_name(self, admin_client, maros, spelling):
        AgencyFactory(name="Dinas Sosial Maros", region=maros)
        response = self.post_add(admin_client, spelling, maros)
        assert response.status_code == HTTPStatus.OK  # the form again, not a 500
        form = response.context["adminform"].form
        assert "Dinas Sosial Maros" in form.errors["name"][0]
        assert Agency.objects.count() == 1

    def test_a_new_name_is_added(self, admin_client, maros):
        response = self.post_add(admin_client, "Dinas\u00a0Pendidikan\u200b", maros)
        assert response.status_code == HTTPStatus.FOUND
        assert Agency.objects.get().name == "Dinas Pendidikan"

    def test_a_duplicate_alias_is_an_error_on_its_name(self, admin_client, maros):
        agency = AgencyFactory(name="Dinas Sosial Maros", region=maros)
        AgencyAlias.objects.create(agency=agency, name="Dinsos Maros")
        response = admin_client.post(
            reverse("admin:participants_agencyalias_add"),
            {"agency": agency.pk, "name": "DINSOS\u00a0maros"},
        )
        assert response.status_code == HTTPStatus.OK
        assert "Dinsos Maros" in response.context["adminform"].form.errors["name"][0]
