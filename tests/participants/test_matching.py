"""The one identity rule: who is probably the same person (participants.matching)."""

import datetime
import random
import string

import pytest

from participants.matching import (
    NAME_ONLY,
    NAME_SIMILARITY_THRESHOLD,
    PROPOSED,
    SUGGESTED,
    MatchKeys,
    match_reasons,
    name_similarity,
    same_person_in_file,
)
from participants.models import Participant
from participants.normalisation import normalise_name
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
            assert Participant.objects.probable_matches([MatchKeys()]) == [[]]


class TestNameSimilarity:
    """``name_similarity`` and its threshold: close spellings only."""

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("nurhaeda rahman", "nurhayda rahman"),  # one letter
            ("muh rusdi", "muhammad rusdi"),  # an abbreviation written out
            ("rahman nurhaeda", "nurhaeda rahman"),  # word order
            ("st aminah", "sitti aminah"),
        ],
    )
    def test_close_spellings_reach_the_threshold(self, a, b):
        assert name_similarity(a, b) >= NAME_SIMILARITY_THRESHOLD

    @pytest.mark.parametrize(
        ("a", "b"),
        [("andi baso", "andi basri"), ("nurul", "nurul hidayah"), ("ani", "ana")],
    )
    def test_other_names_stay_below_it(self, a, b):
        assert name_similarity(a, b) < NAME_SIMILARITY_THRESHOLD

    def test_the_same_name_is_100_and_an_empty_name_0(self):
        assert name_similarity("andi baso", "andi baso") == 100
        assert name_similarity("", "andi baso") == name_similarity("", "") == 0


class TestSuggestions:
    """The same name elsewhere and close spellings: suggestions, after the
    matches, never when the NIKs differ or the person was erased."""

    def test_the_same_name_without_an_agency_is_a_suggestion(self):
        # The enrol page's case: a name only, no agency, no phone.
        person = ParticipantFactory(full_name="Hasnah Daeng Caya", phone="")
        [[match]] = Participant.objects.probable_matches(
            [MatchKeys(name="hasnah daeng caya")]
        )
        assert (match.participant, match.reasons) == (person, ["name_elsewhere"])
        assert (match.strength, match.is_suggestion) == (SUGGESTED, True)

    def test_a_close_spelling_is_suggested_only_in_the_same_agency(self):
        agency = AgencyFactory()
        person = ParticipantFactory(full_name="Nurhaeda Rahman", agency=agency)
        ParticipantFactory(full_name="Nurhayati Rahmat", agency=agency)  # too far
        ParticipantFactory(full_name="Nurhaeda Rahman")  # close, another agency
        keys = MatchKeys(name="nurhayda rahman", agency_id=agency.pk)
        [[match]] = Participant.objects.probable_matches([keys])
        assert (match.participant, match.reasons) == (person, ["similar_name"])
        assert match.similarity == pytest.approx(93.3, abs=0.1)

    def test_strength_levels(self):
        agency = AgencyFactory()
        person = ParticipantFactory(
            full_name="Andi Baso", agency=agency, phone="+6281111111111"
        )
        assert match_reasons(MatchKeys(phone="+6281111111111"), person) == ["phone"]
        keys = MatchKeys(name="andi baso", agency_id=agency.pk)
        assert match_reasons(keys, person) == ["name"]
        from participants.matching import match_strength

        assert match_strength(["phone", "name"]) == PROPOSED
        assert match_strength(["name"]) == NAME_ONLY
        assert match_strength(["name_elsewhere"]) == SUGGESTED

    def test_suggestions_come_after_matches_and_respect_nik_and_erasure(self):
        agency = AgencyFactory()
        by_phone = ParticipantFactory(phone="+6281111111111")
        elsewhere = ParticipantFactory(full_name="Andi Baso")
        similar = ParticipantFactory(full_name="Andi Basso", agency=agency)
        ParticipantFactory(full_name="Andi Baso", nik="7309012345670009")
        ParticipantFactory(
            full_name="Andi Baso",
            erased_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        )
        keys = MatchKeys(
            nik="7309012345670001",
            phone="+6281111111111",
            name="andi baso",
            agency_id=agency.pk,
        )
        [matches] = Participant.objects.probable_matches([keys])
        assert [(m.participant, m.reasons) for m in matches] == [
            (by_phone, ["phone"]),
            (elsewhere, ["name_elsewhere"]),
            (similar, ["similar_name"]),
        ]

    def test_one_query_per_chunk_whatever_the_number_of_rows(
        self, django_assert_num_queries
    ):
        agencies = [AgencyFactory() for _ in range(3)]
        for i in range(30):
            ParticipantFactory(full_name=f"Orang Nomor {i}", agency=agencies[i % 3])

        def keys(count):
            return [
                MatchKeys(
                    phone=f"+62812000{i:05d}",
                    name=f"orang nomer {i}",
                    agency_id=agencies[i % 3].pk,
                )
                for i in range(count)
            ]

        with django_assert_num_queries(1):
            few = Participant.objects.probable_matches(keys(3))
        with django_assert_num_queries(1):
            many = Participant.objects.probable_matches(keys(200))
        assert [m.reasons for m in few[0]] == [["similar_name"]]
        assert many[:3] == few


class TestSamePersonInFile:
    """``same_person_in_file``: rows of one file compared by the same rule."""

    def test_the_same_phone_with_the_agency_spelled_two_ways(self):
        rows = [
            MatchKeys(phone="+6281355501234", name="rahmawati", agency_id=("new", "a")),
            MatchKeys(phone="+6281355501234", name="rahmawati", agency_id=("new", "b")),
        ]
        [pair] = same_person_in_file(rows)
        assert (pair.first, pair.second) == (0, 1)
        assert pair.reasons == ["phone", "name_elsewhere"]
        assert pair.strength == PROPOSED

    def test_a_name_spelled_two_ways_with_one_phone(self):
        rows = [
            MatchKeys(phone="+6281355501234", name="nurhaeda rahman", agency_id=1),
            MatchKeys(phone="+6281355501234", name="nurhayda rahman", agency_id=1),
        ]
        [pair] = same_person_in_file(rows)
        assert pair.reasons == ["phone", "similar_name"]

    def test_nik_and_name_give_one_pair_and_other_niks_none(self):
        nik, other = "7309012345670001", "7309012345670002"
        rows = [
            MatchKeys(nik=nik, name="andi baso", agency_id=1),
            MatchKeys(nik=nik, name="andi baso", agency_id=1),
            MatchKeys(nik=other, name="andi baso", agency_id=1),
        ]
        pairs = same_person_in_file(rows)
        assert [(p.first, p.second, p.reasons) for p in pairs] == [
            (0, 1, ["nik", "name"]),
        ]

    def test_suggestions_between_rows(self):
        rows = [
            MatchKeys(name="hasnah"),
            MatchKeys(name="hasnah", agency_id=1),
            MatchKeys(name="muh rusdi", agency_id=1),
            MatchKeys(name="muhammad rusdi", agency_id=1),
            MatchKeys(name="muhammad rusdi", agency_id=2),
        ]
        pairs = same_person_in_file(rows)
        assert [(p.first, p.second, p.reasons, p.strength) for p in pairs] == [
            (0, 1, ["name_elsewhere"], SUGGESTED),
            (2, 3, ["similar_name"], SUGGESTED),
            (3, 4, ["name_elsewhere"], SUGGESTED),
        ]

    def test_thousands_of_rows_in_one_agency_find_the_one_close_pair(self):
        letters = random.Random(11)
        names = {
            " ".join(
                "".join(letters.choices(string.ascii_lowercase, k=7)) for _ in "ab"
            )
            for _ in range(3000)
        }
        rows = [MatchKeys(name=name, agency_id=1) for name in sorted(names)]
        rows.append(MatchKeys(name=rows[0].name[:-1] + "q", agency_id=1))
        pairs = same_person_in_file(rows)
        assert [(p.first, p.second, p.reasons) for p in pairs] == [
            (0, len(rows) - 1, ["similar_name"])
        ]


def test_the_bulk_comparison_in_an_agency_finds_exactly_what_the_rule_finds():
    """``probable_matches`` scores the people of a row's agency in bulk; the result
    is what ``match_reasons`` gives person by person."""
    rng = random.Random(5)
    spellings = [
        "Muh. Rusdi",
        "Muhammad Rusdi",
        "Moh Rusdy",
        "St. Aminah",
        "Sitti Aminah",
        "Siti Aminah",
        "Abd. Rahman",
        "Rahman Abdul",
        "Nurhaeda Rahman",
        "Nurhayda Rahman",
        "Andi Baso",
        "Andi Basri",
    ]
    agencies = [AgencyFactory(), AgencyFactory()]
    for _ in range(60):
        ParticipantFactory(
            full_name=rng.choice(spellings), agency=rng.choice(agencies), phone=""
        )
    entered = [
        MatchKeys(name=normalise_name(name), agency_id=agency.pk)
        for name in spellings
        for agency in agencies
    ]
    people = list(Participant.objects.all())
    expected = [
        sorted(p.pk for p in people if match_reasons(keys, p)) for keys in entered
    ]
    found = Participant.objects.probable_matches(entered)
    assert [sorted(m.participant.pk for m in matches) for matches in found] == (
        expected
    )
    assert any("similar_name" in m.reasons for matches in found for m in matches)
