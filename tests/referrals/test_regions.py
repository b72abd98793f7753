"""The directory and the referral pathway for any region of Indonesia: a city's
pathway, the levels below a regency, provinces and unknown codes."""

import re
from http import HTTPStatus

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from referrals.models import ReferralInstitution, ServiceType
from regions.models import Region
from setara import roles
from tests.auth import login
from tests.factories import (
    NationalInstitutionFactory,
    ProvincialInstitutionFactory,
    ReferralInstitutionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("referrals:directory")


def region(code):
    return Region.objects.get(code=code)


def pathway(code, name="referrals:pathway"):
    return reverse(name, args=[code])


@pytest.fixture
def makassar_directory(regions_sample):
    """Legal aid in Kota Makassar, Kabupaten Maros, Sulawesi Selatan, Nusa
    Tenggara Timur, Kota Kupang and nationally."""
    legal_aid = ServiceType.objects.get(code="legal-aid")
    made = {
        "makassar": ReferralInstitutionFactory(
            name="LBH Makassar", region=region("73.71")
        ),
        "maros": ReferralInstitutionFactory(name="LBH Maros", region=region("73.09")),
        "sulsel": ProvincialInstitutionFactory(
            name="UPTD PPA Sulsel", region=region("73")
        ),
        "ntt": ProvincialInstitutionFactory(name="UPTD PPA NTT", region=region("53")),
        "kupang": ReferralInstitutionFactory(name="LBH Kupang", region=region("53.71")),
        "national": NationalInstitutionFactory(name="LPSK"),
    }
    for institution in made.values():
        institution.services.add(legal_aid)
    return made


def names(response):
    return [i.name for i in response.context["page_obj"].object_list]


class TestPathway:
    def test_city_shows_its_own_then_its_province_then_national(
        self, makassar_directory, staff_client
    ):
        response = staff_client.get(pathway("73.71"))
        assert response.status_code == HTTPStatus.OK
        legal_aid = next(
            s for s in response.context["services"] if s.code == "legal-aid"
        )
        assert [i.name for i in legal_aid.pathway_institutions] == [
            "LBH Makassar",
            "UPTD PPA Sulsel",
            "LPSK",
        ]
        assert "Kota Makassar" in response.content.decode()

    def test_kupang_has_its_own_pathway(self, makassar_directory, staff_client):
        response = staff_client.get(pathway("53.71"))
        served = {
            i.name for s in response.context["services"] for i in s.pathway_institutions
        }
        assert served == {"LBH Kupang", "UPTD PPA NTT", "LPSK"}

    @pytest.mark.parametrize("code", ["73.71.01", "73.71.01.1001"])
    @pytest.mark.parametrize("name", ["referrals:pathway", "referrals:pathway_xlsx"])
    def test_district_or_village_redirects_to_its_city(
        self, regions_sample, staff_client, code, name
    ):
        if not Region.objects.filter(code=code).exists():
            pytest.skip(f"{code} not in the sample")
        response = staff_client.get(pathway(code, name))
        assert response.status_code == HTTPStatus.FOUND
        assert response.url == pathway("73.71", name)

    def test_province_is_a_404_page_that_says_so(self, regions_sample, client):
        login(client, UserFactory(role=roles.PROGRAMME_STAFF))
        client.cookies["django_language"] = "en"
        response = client.get(pathway("53"))
        assert response.status_code == HTTPStatus.NOT_FOUND
        content = response.content.decode()
        assert "Nusa Tenggara Timur (53) is a province" in content
        assert "?region=53" in content

    def test_unknown_code_is_a_404_page_that_says_so(self, regions_sample, client):
        login(client, UserFactory(role=roles.PROGRAMME_STAFF))
        client.cookies["django_language"] = "en"
        response = client.get(pathway("99.99"))
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert "No region has the code 99.99" in response.content.decode()

    def test_bps_style_code_is_not_a_pathway_address(self, staff_client):
        assert staff_client.get("/referrals/pathway/7371/").status_code == 404

    def test_an_inactive_region_still_has_its_pathway(
        self, makassar_directory, staff_client
    ):
        Region.objects.filter(code="73.71").update(is_active=False)
        assert staff_client.get(pathway("73.71")).status_code == HTTPStatus.OK


class TestDirectory:
    def test_province_includes_its_regencies_and_cities(
        self, makassar_directory, staff_client
    ):
        response = staff_client.get(DIRECTORY, {"region": "73"})
        assert set(names(response)) == {
            "LBH Makassar",
            "LBH Maros",
            "UPTD PPA Sulsel",
            "LPSK",
        }
        assert response.context["pathway_region"] is None

    def test_a_village_gets_its_city_province_and_national_and_the_pathway(
        self, makassar_directory, staff_client
    ):
        village = Region.objects.filter(code__startswith="73.71.").last()
        response = staff_client.get(DIRECTORY, {"region": village.code})
        assert names(response) == ["LBH Makassar", "UPTD PPA Sulsel", "LPSK"]
        assert response.context["pathway_region"] == region("73.71")
        assert pathway("73.71") in response.content.decode()

    def test_before_filtering_offers_the_regencies_with_institutions(
        self, makassar_directory, staff_client
    ):
        ReferralInstitution.objects.filter(name="LBH Kupang").update(is_active=False)
        response = staff_client.get(DIRECTORY)
        codes = [r.code for r in response.context["pathway_regions"]]
        assert codes == ["73.09", "73.71"]

    def test_region_picker_renders_only_the_chosen_region(
        self, makassar_directory, staff_client
    ):
        chosen = region("73.71")
        content = staff_client.get(DIRECTORY, {"region": chosen.code}).content.decode()
        [select] = re.findall(r'<select name="region".*?</select>', content, re.S)
        assert select.count("<option") <= 2
        assert f'value="{chosen.code}" selected' in select


class TestInstitutionForm:
    @pytest.mark.parametrize(
        ("level", "code", "ok"),
        [
            ("kabupaten", "73.71", True),
            ("kabupaten", "73.09", True),
            ("kabupaten", "73", False),
            ("kabupaten", "73.09.11", False),
            ("provinsi", "53", True),
            ("provinsi", "53.71", False),
        ],
    )
    def test_model_clean_names_the_level(self, regions_sample, level, code, ok):
        institution = ReferralInstitution(name="X", level=level, region=region(code))
        with translation.override("en"):
            if ok:
                institution.full_clean()
            else:
                with pytest.raises(ValidationError, match="needs a region of that"):
                    institution.full_clean()


class TestAdminPickers:
    def test_institution_admin_picks_a_province_or_regency_by_typing(
        self, makassar_directory, admin_client
    ):
        institution = makassar_directory["makassar"]
        url = reverse(
            "admin:referrals_referralinstitution_change", args=[institution.pk]
        )
        content = admin_client.get(url).content.decode()
        [select] = re.findall(r'<select name="region".*?</select>', content, re.S)
        assert select.count("<option") <= 2
        assert "levels=province,regency,city" in select
        add = reverse("admin:referrals_referralinstitution_add")
        data = {
            "name": "Dinas Kecamatan",
            "level": "kabupaten",
            "region": "73.71.01",
            "is_active": "on",
        }
        response = admin_client.post(add, data)
        assert response.status_code == HTTPStatus.OK
        assert "region" in response.context["adminform"].form.errors

    def test_agency_admin_autocomplete_finds_kab_maros(
        self, regions_sample, admin_client
    ):
        response = admin_client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "participants",
                "model_name": "agency",
                "field_name": "region",
                "term": "kab maros",
            },
        )
        assert response.status_code == HTTPStatus.OK
        found = [result["text"] for result in response.json()["results"]]
        assert "Kabupaten Maros" in found

    def test_changelist_filters_offer_only_the_regions_in_use(
        self, makassar_directory, admin_client
    ):
        response = admin_client.get(
            reverse("admin:referrals_referralinstitution_changelist")
        )
        content = response.content.decode()
        assert "Kota Makassar" in content
        assert "Rumbia" not in content  # a district with no institution
