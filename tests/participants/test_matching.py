"""The one identity rule: who is probably the same person (participants.matching)."""

import datetime

import pytest

from participants.matching import MatchKeys, match_reasons
from participants.models import Participant
from tests.factories import AgencyFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


class TestProbableMatches:
    """The one rule of "probably the same person"
    (``ParticipantQuerySet.probable_matches``)."""

    def test_nik_then_phone_then_name_ties_by_id_in_one_query(
        self, django_assert_num_queries
    ):
        agency = AgencyFactory()
        by_name = ParticipantFactory(full_name="Andi Baso", agency=agency)
        by_phone = ParticipantFactory(phone="+6281111111111")
        by_nik = ParticipantFactory(nik="7309012345670002")
        second_by_phone = ParticipantFactory(phone="+6281111111111")
        keys = MatchKeys(
            nik="7309012345670002",
            phone="+6281111111111",
            name="andi baso",
            agency_id=agency.pk,
        )
        with django_assert_num_queries(1):
            [matches] = Participant.objects.probable_matches([keys])
        assert [(m.participant, m.reasons) for m in matches] == [
            (by_nik, ["nik"]),
            (by_phone, ["phone"]),
            (second_by_phone, ["phone"]),
            (by_name, ["name"]),
        ]

    def test_another_nik_is_another_person_whatever_else_is_the_same(self):
        agency = AgencyFactory()
        person = ParticipantFactory(
            full_name="Andi Baso",
            agency=agency,
            phone="+6281111111111",
            nik="7309012345670001",
        )
        other_nik = MatchKeys(
            nik="7309012345670002",
            phone="+6281111111111",
            name="andi baso",
            agency_id=agency.pk,
        )
        no_nik = MatchKeys(
            phone="+6281111111111", name="andi baso", agency_id=agency.pk
        )
        assert match_reasons(other_nik, person) == []
        assert match_reasons(no_nik, person) == ["phone", "name"]

    def test_an_erased_person_is_never_matched_by_phone_or_name(self):
        agency = AgencyFactory()
        ParticipantFactory(
            full_name="Andi Baso",
            agency=agency,
            phone="+6281111111111",
            erased_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        )
        keys = MatchKeys(phone="+6281111111111", name="andi baso", agency_id=agency.pk)
        assert Participant.objects.probable_matches([keys]) == [[]]

    def test_many_inputs_in_chunks_give_the_same_matches(
        self, monkeypatch, django_assert_num_queries
    ):
        people = [ParticipantFactory(phone=f"+62812000000{i:02d}") for i in range(12)]
        keys = [MatchKeys(phone=p.phone) for p in people] + [MatchKeys()]
        with django_assert_num_queries(1):
            together = Participant.objects.probable_matches(keys)
        monkeypatch.setattr("participants.matching.lookup_chunk", lambda: 5)
        with django_assert_num_queries(3):
            chunked = Participant.objects.probable_matches(keys)
        assert together == chunked
        assert [[m.participant for m in row] for row in together] == [
            *([person] for person in people),
            [],
        ]

    def test_nothing_to_compare_runs_no_query(self, django_assert_num_queries):
        ParticipantFactory()
        with django_assert_num_queries(0):
            assert Participant.objects.probable_matches([MatchKeys(name="x")]) == [[]]
