import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from participants.models import Agency, AgencyAlias, Participant
from tests.factories import AgencyFactory, ParticipantFactory, RegencyFactory

pytestmark = pytest.mark.django_db


def _raises_integrity(**changes):
    """The database refuses ``changes`` (PostgreSQL says DataError when too long)."""
    participant = ParticipantFactory()
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Participant.objects.filter(pk=participant.pk).update(**changes)


class TestParticipantConstraints:
    @pytest.mark.parametrize(
        "nik", ["123", "73090157089000120", "730901570890001A", "7.30901570890001e15"]
    )
    def test_nik_must_be_16_digits(self, nik):
        _raises_integrity(nik=nik)

    def test_nik_unique_when_present(self):
        ParticipantFactory(nik="7309015708900012")
        with pytest.raises(IntegrityError), transaction.atomic():
            ParticipantFactory(nik="7309015708900012")

    def test_many_people_without_nik(self):
        ParticipantFactory.create_batch(3, nik="")
        assert Participant.objects.filter(nik="").count() == 3

    @pytest.mark.parametrize("phone", ["081234567890", "+62 812", "+1202555010"])
    def test_phone_stored_normalised_only(self, phone):
        _raises_integrity(phone=phone)

    @pytest.mark.parametrize("sex", ["M", "F", "l", "X"])
    def test_sex_is_l_p_or_not_recorded(self, sex):
        _raises_integrity(sex=sex)

    def test_disability_choices(self):
        _raises_integrity(disability="maybe")

    def test_birth_year_plausible(self):
        _raises_integrity(birth_year=1850)


class TestParticipantCleaning:
    def test_full_clean_normalises_the_phone(self):
        participant = ParticipantFactory(phone="")
        participant.phone = "0812-4231-7710"
        participant.full_clean()
        assert participant.phone == "+6281242317710"

    def test_bad_phone_is_a_field_error(self):
        participant = ParticipantFactory(phone="")
        participant.phone = "12"
        with pytest.raises(ValidationError) as error:
            participant.full_clean()
        assert "phone" in error.value.message_dict

    def test_save_keeps_the_name_as_written_and_fills_keys(self):
        participant = ParticipantFactory(full_name="  Hj.  Suriani ")
        assert participant.full_name == "Hj. Suriani"
        assert participant.normalised_name == "suriani"

    def test_birth_year_follows_birth_date(self):
        participant = ParticipantFactory(birth_date=datetime.date(1990, 5, 17))
        assert participant.birth_year == 1990

    def test_nik_shown_masked(self):
        assert ParticipantFactory(nik="7309015708900012").nik_masked == "*" * 16
        assert ParticipantFactory(nik="").nik_masked == ""


class TestAgency:
    def test_same_name_in_same_region_refused_ignoring_case(self):
        agency = AgencyFactory(name="Dinas Sosial Kabupaten Maros")
        with pytest.raises(IntegrityError), transaction.atomic():
            Agency.objects.create(
                name="dinas sosial kabupaten maros", region=agency.region
            )

    def test_matching_by_alias_name_or_short_name(self):
        agency = AgencyFactory(name="Dinas Sosial Kabupaten Maros", short_name="Dinsos")
        AgencyAlias.objects.create(agency=agency, name="Dinsos  Maros")
        assert list(Agency.objects.matching("dinsos maros")) == [agency]
        assert list(Agency.objects.matching("DINAS SOSIAL KABUPATEN MAROS")) == [agency]
        assert list(Agency.objects.matching("Dinsos")) == [agency]
        assert list(Agency.objects.matching("Disdik")) == []
        assert list(Agency.objects.matching("  ")) == []

    def test_one_alias_names_one_agency(self):
        first, second = AgencyFactory(), AgencyFactory()
        AgencyAlias.objects.create(agency=first, name="Dinsos Maros")
        with pytest.raises(IntegrityError), transaction.atomic():
            AgencyAlias.objects.create(agency=second, name="DINSOS maros")


class TestSearch:
    def test_search_by_name_phone_nik_and_agency(self):
        agency = AgencyFactory(name="Dinas Pendidikan Kabupaten Maros")
        AgencyAlias.objects.create(agency=agency, name="Disdik Maros")
        person = ParticipantFactory(
            full_name="Hasnah, S.Pd",
            phone="+6285242220000",
            nik="7309015708900012",
            agency=agency,
        )
        ParticipantFactory(full_name="Someone Else", phone="+6281111111111")
        for text in ["hasnah", "0852-4222-0000", "7309015708900012", "Disdik"]:
            assert list(Participant.objects.search(text, by_nik=True)) == [person]
        # Without by_nik (a user who may not see NIKs) a NIK finds nobody.
        assert list(Participant.objects.search("7309015708900012")) == []
        assert list(Participant.objects.search("Disdik")) == [person]
        # Zeros only are not "any phone number".
        assert list(Participant.objects.search("0000")) == []


class TestResolveAgency:
    def test_one_agency_by_any_of_its_names(self):
        agency = AgencyFactory(name="Dinas Sosial Kabupaten Maros")
        AgencyAlias.objects.create(agency=agency, name="Dinsos Maros")
        assert Agency.objects.resolve("dinsos  maros") == (agency, [agency])

    def test_a_name_in_several_regions_means_the_one_in_the_region(self):
        AgencyFactory(name="Dinas Sosial")
        local = AgencyFactory(name="Dinas Sosial")
        assert Agency.objects.resolve("Dinas Sosial", local.region) == (local, [local])

    def test_several_candidates_and_none_in_the_region_leave_the_choice(self):
        both = [AgencyFactory(name="Dinas Sosial") for _ in range(2)]
        agency, candidates = Agency.objects.resolve("Dinas Sosial", RegencyFactory())
        assert agency is None
        assert set(candidates) == set(both)
        assert Agency.objects.resolve("Dinas Sosial") == (None, candidates)

    def test_a_spelling_mapped_before_wins_over_name_matches(self):
        """Someone chose which agency "Dinas Sosial" means (an alias was kept):
        the next import is not asked again."""
        chosen, other = (AgencyFactory(name="Dinas Sosial") for _ in range(2))
        AgencyAlias.objects.create(agency=chosen, name="Dinas  sosial.")
        assert Agency.objects.resolve("Dinas Sosial", RegencyFactory()) == (
            chosen,
            [chosen],
        )
        assert other.pk != chosen.pk

    def test_unknown_name_has_no_candidates(self):
        assert Agency.objects.resolve("Tidak Ada") == (None, [])
