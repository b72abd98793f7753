import pytest
from django.core.exceptions import ValidationError

from participants.models import Agency, Participant
from participants.services import (
    agency_create,
    participant_create,
    participant_delete,
    participant_matches,
    participant_update,
)
from tests.factories import AgencyFactory, EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


class TestParticipantMatches:
    def test_same_nik_matches(self):
        person = ParticipantFactory(nik="7309012345670001")
        [match] = participant_matches(full_name="Orang Lain", nik="7309012345670001")
        assert (match.participant, match.reasons) == (person, ["nik"])

    def test_phone_is_compared_once_normalised(self):
        person = ParticipantFactory(phone="+6281234567890")
        [match] = participant_matches(full_name="X", phone="0812-3456-7890")
        assert (match.participant, match.reasons) == (person, ["phone"])
        [match] = participant_matches(full_name="X", phone="81234567890")
        assert match.participant == person

    def test_name_ignoring_titles_matches_in_the_same_agency_else_suggests(self):
        agency = AgencyFactory()
        person = ParticipantFactory(
            full_name="Hj. Nurhaeda  Rahman, S.Sos", agency=agency
        )
        [match] = participant_matches(full_name="nurhaeda rahman", agency=agency)
        assert (match.participant, match.reasons) == (person, ["name"])
        assert not match.is_suggestion
        # Another agency, or none: only a suggestion the user confirms.
        for other in (AgencyFactory(), None):
            [match] = participant_matches(full_name="Nurhaeda Rahman", agency=other)
            assert (match.participant, match.reasons) == (person, ["name_elsewhere"])
            assert match.is_suggestion

    def test_several_reasons_strongest_first_and_one_query(
        self, django_assert_num_queries
    ):
        agency = AgencyFactory()
        both = ParticipantFactory(
            full_name="Andi Baso", agency=agency, phone="+6281111111111"
        )
        by_nik = ParticipantFactory(full_name="Zaenab", nik="7309012345670002")
        with django_assert_num_queries(1):
            matches = participant_matches(
                full_name="Andi Baso",
                phone="081111111111",
                nik="7309012345670002",
                agency=agency,
            )
        assert [m.participant for m in matches] == [by_nik, both]
        assert matches[1].reasons == ["phone", "name"]

    def test_nothing_to_compare_gives_no_matches_without_a_query(
        self, django_assert_num_queries
    ):
        ParticipantFactory()
        with django_assert_num_queries(0):
            assert participant_matches(full_name="", phone="bukan nomor") == []

    def test_the_person_being_edited_is_not_their_own_match(self):
        person = ParticipantFactory(nik="7309012345670001")
        assert participant_matches(nik=person.nik, exclude_pk=person.pk) == []


class TestWrites:
    def test_participant_create_normalises_the_phone(self):
        person = participant_create(
            full_name=" Andi  Baso ", sex="L", phone="0812 3456 7890"
        )
        assert (person.full_name, person.phone) == ("Andi Baso", "+6281234567890")

    def test_participant_create_refuses_a_taken_nik(self):
        ParticipantFactory(nik="7309012345670001")
        with pytest.raises(ValidationError):
            participant_create(full_name="Lain", sex="P", nik="7309012345670001")
        assert Participant.objects.count() == 1

    def test_agency_create_refuses_the_same_name_in_the_same_region(self):
        agency = AgencyFactory(name="DP3A Kabupaten Maros")
        with pytest.raises(ValidationError):
            agency_create(name="dp3a kabupaten maros", region=agency.region)
        assert Agency.objects.count() == 1

    def test_participant_update_creates_the_new_agency(self):
        person = ParticipantFactory()
        participant_update(
            participant=person,
            new_agency_name="PATBM Bontoa",
            new_agency_type="community",
        )
        person.refresh_from_db()
        assert (person.agency.name, person.agency.type) == ("PATBM Bontoa", "community")

    def test_participant_update_with_bad_phone_writes_nothing(self):
        person = ParticipantFactory()
        person.phone = "123"
        with pytest.raises(ValidationError):
            participant_update(participant=person, new_agency_name="Agency Baru")
        assert not Agency.objects.filter(name="Agency Baru").exists()

    def test_enrolled_participant_cannot_be_deleted(self):
        enrolment = EnrolmentFactory()
        with pytest.raises(ValidationError):
            participant_delete(participant=enrolment.participant)
        assert Participant.objects.filter(pk=enrolment.participant.pk).exists()

    def test_participant_in_no_training_is_deleted(self):
        person = ParticipantFactory()
        participant_delete(participant=person)
        assert not Participant.objects.exists()
