"""The directory's search finds institutions by the short names, abbreviations
and aliases the field writes ("dinsos maros", "UPTD PPA Maros"), in one query."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.models import AgencyAlias
from referrals.demo import load_demo_directory
from referrals.models import ReferralInstitution, ServiceType
from regions.models import Region
from setara.data_version import data_changed
from tests.factories import (
    AgencyFactory,
    NationalInstitutionFactory,
    ProvincialInstitutionFactory,
    ReferralInstitutionFactory,
    RegencyFactory,
)

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("referrals:directory")


@pytest.fixture
def maros():
    return Region.objects.get(code="73.09")


def found(text):
    return set(ReferralInstitution.objects.search(text).values_list("name", flat=True))


def page_names(response):
    return [i.name for i in response.context["page_obj"].object_list]


class TestTheDemoDirectory:
    """The acceptance examples of issue 16, on the directory page itself."""

    @pytest.fixture(autouse=True)
    def directory(self):
        load_demo_directory()

    def test_dinsos_maros_finds_dinas_sosial_kabupaten_maros(self, staff_client):
        response = staff_client.get(DIRECTORY, {"q": "dinsos maros"})
        assert response.status_code == HTTPStatus.OK
        assert page_names(response) == ["Dinas Sosial Kabupaten Maros"]

    def test_uptd_ppa_maros_finds_the_district_unit_only(self, staff_client):
        response = staff_client.get(DIRECTORY, {"q": "UPTD PPA Maros"})
        assert page_names(response) == ["UPTD PPA Kabupaten Maros"]

    def test_a_search_offers_the_pathway_of_what_it_finds(self, staff_client):
        RegencyFactory(code="73.04", name="Kabupaten Jeneponto")
        ReferralInstitutionFactory(
            name="Dinas Sosial Kabupaten Jeneponto",
            region=Region.objects.get(code="73.04"),
        )
        everything = staff_client.get(DIRECTORY)
        assert [r.code for r in everything.context["pathway_regions"]] == [
            "73.04",
            "73.09",
        ]
        response = staff_client.get(DIRECTORY, {"q": "dinsos maros"})
        assert [r.code for r in response.context["pathway_regions"]] == ["73.09"]
        pathway = reverse("referrals:pathway", args=["73.09"])
        assert f'href="{pathway}"' in response.content.decode()

    def test_the_search_adds_no_query_to_the_page(self, staff_client):
        staff_client.get(DIRECTORY)  # warm up: content types, session
        data_changed()  # each page counted afresh, not read from the cache
        with CaptureQueriesContext(connection) as plain:
            staff_client.get(DIRECTORY)
        data_changed()
        with CaptureQueriesContext(connection) as searched:
            staff_client.get(DIRECTORY, {"q": "dinsos kab maros"})
        assert len(searched) == len(plain)


class TestAbbreviations:
    def test_short_forms_find_the_full_name_and_the_other_way_round(self, maros):
        ReferralInstitutionFactory(name="Dinas Sosial Kabupaten Maros", region=maros)
        ReferralInstitutionFactory(name="Dinkes Maros", region=maros)
        ReferralInstitutionFactory(name="Dinas Sosial Kabupaten Uji")
        assert found("dinsos maros") == {"Dinas Sosial Kabupaten Maros"}
        assert found("Dinsos Kab. Maros") == {"Dinas Sosial Kabupaten Maros"}
        assert found("DINSOS  maros") == {"Dinas Sosial Kabupaten Maros"}
        assert found("dinas kesehatan maros") == {"Dinkes Maros"}
        assert found("dinkes") == {"Dinkes Maros"}
        assert found("dinsos") == {
            "Dinas Sosial Kabupaten Maros",
            "Dinas Sosial Kabupaten Uji",
        }

    @pytest.mark.parametrize(
        "text", ["dp3a maros", "DPPPA Maros", "DP3AP2KB Kab. Maros", "pppa maros"]
    )
    def test_the_womens_empowerment_office_by_any_of_its_names(self, maros, text):
        ReferralInstitutionFactory(
            name="Dinas Pemberdayaan Perempuan dan Perlindungan Anak Kabupaten Maros",
            region=maros,
        )
        ReferralInstitutionFactory(
            name=(
                "Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian "
                "Penduduk dan Keluarga Berencana Kabupaten Uji"
            )
        )
        ReferralInstitutionFactory(name="Dinas Sosial Kabupaten Maros", region=maros)
        assert found(text) == {
            "Dinas Pemberdayaan Perempuan dan Perlindungan Anak Kabupaten Maros"
        }

    def test_an_abbreviated_name_is_found_by_the_full_one(self, maros):
        ReferralInstitutionFactory(name="DP3A Maros", region=maros)
        assert found(
            "Dinas Pemberdayaan Perempuan dan Perlindungan Anak Kabupaten Maros"
        ) == {"DP3A Maros"}

    def test_level_words_and_province_short_names(self, maros):
        ProvincialInstitutionFactory(name="UPTD PPA Sulawesi Selatan")
        ReferralInstitutionFactory(name="UPTD PPA Kabupaten Maros", region=maros)
        NationalInstitutionFactory(name="SAPA 129 Kementerian PPPA")
        assert found("uptd ppa provinsi") == {"UPTD PPA Sulawesi Selatan"}
        assert found("uptd ppa prov sulsel") == {"UPTD PPA Sulawesi Selatan"}
        assert found("uptd ppa sulsel") == {
            "UPTD PPA Sulawesi Selatan",
            "UPTD PPA Kabupaten Maros",
        }
        assert found("sapa nasional") == {"SAPA 129 Kementerian PPPA"}

    def test_every_word_must_match_somewhere(self, maros):
        ReferralInstitutionFactory(name="UPTD PPA Kabupaten Maros", region=maros)
        ReferralInstitutionFactory(
            name="Unit PPA Satreskrim Polres Maros", region=maros
        )
        assert found("uptd ppa maros") == {"UPTD PPA Kabupaten Maros"}
        assert found("ppa maros") == {
            "UPTD PPA Kabupaten Maros",
            "Unit PPA Satreskrim Polres Maros",
        }
        assert found("uptd ppa jeneponto") == set()


class TestAgencyNames:
    """An institution linked to an agency is found by the agency's short name and
    aliases, as the participant search and the report's agency filter find it."""

    @pytest.fixture
    def shelter(self, maros):
        agency = AgencyFactory(
            name="Rumah Aman Anak Maros", short_name="RAA Maros", region=maros
        )
        AgencyAlias.objects.create(agency=agency, name="Shelter Tompobulu")
        return ReferralInstitutionFactory(
            name="Rumah Perlindungan Sosial Anak", region=maros, agency=agency
        )

    def test_by_alias_short_name_and_agency_name(self, shelter):
        ReferralInstitutionFactory(name="Lain")
        name = {"Rumah Perlindungan Sosial Anak"}
        assert found("Shelter Tompobulu") == name  # the alias, exactly
        assert found("shelter  TOMPOBULU!") == name  # ignoring case, punctuation
        assert found("tompobulu") == name  # part of an alias
        assert found("raa maros") == name  # the short name
        assert found("rumah aman anak") == name  # the agency's name

    def test_an_alias_of_another_agency_finds_nothing(self, shelter):
        other = AgencyFactory(name="Lembaga Lain")
        AgencyAlias.objects.create(agency=other, name="Shelter Bantimurung")
        assert found("shelter bantimurung") == set()


class TestQueries:
    def test_a_search_is_one_query(self, maros, django_assert_num_queries):
        institution = ReferralInstitutionFactory(
            name="Dinas Sosial Kabupaten Maros", region=maros
        )
        institution.services.add(ServiceType.objects.get(code="safe-house"))
        with django_assert_num_queries(1):
            rows = list(
                ReferralInstitution.objects.active()
                .search("dinsos kab maros rumah aman")
                .with_trained_staff()
            )
        assert rows == [institution]

    def test_a_long_text_reads_the_first_words_only(self, maros):
        ReferralInstitutionFactory(name="Dinas Sosial Kabupaten Maros", region=maros)
        text = "dinsos maros " + " ".join(f"kata{n}" for n in range(200))
        assert found(text) == set()  # kata0 ... kata5 are terms; no error
        assert found("dinsos maros " * 100) == {"Dinas Sosial Kabupaten Maros"}

    def test_odd_text_gives_a_page_not_an_error(self, staff_client):
        for text in ("%", "_", "' or 1=1 --", "....", "ｄｉｎｓｏｓ", "ا"):
            response = staff_client.get(DIRECTORY, {"q": text})
            assert response.status_code == HTTPStatus.OK, text
        # A NUL is refused before the search, as on every page.
        response = staff_client.get(DIRECTORY, {"q": "dinsos\x00"})
        assert response.status_code == HTTPStatus.BAD_REQUEST
