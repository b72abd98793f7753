"""Probable duplicates in the registry (participants/duplicates.py)."""

import datetime
import random
from itertools import combinations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from participants.duplicates import duplicate_pairs, pair_page
from participants.matching import MatchKeys, match_reasons, name_similarity
from participants.models import Participant
from tests.factories import AgencyFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def person(**fields):
    return ParticipantFactory(phone=fields.pop("phone", ""), **fields)


def reasons(first, second):
    found = {(p.first_id, p.second_id): p.reasons for p in duplicate_pairs()}
    return found.get((first.pk, second.pk))


class TestDuplicatePairs:
    def test_same_phone_in_any_agency(self):
        first = person(full_name="Andi Baso", phone="+6281234567890")
        second = person(full_name="A. Baso", phone="+6281234567890")
        assert reasons(first, second) == ["phone"]

    def test_same_name_in_the_same_agency(self):
        agency = AgencyFactory()
        first = person(full_name="Hj. Nurhaeda, S.Sos", agency=agency)
        second = person(full_name="nurhaeda", agency=agency)
        assert reasons(first, second) == ["name"]

    def test_similar_name_in_the_same_agency_is_a_suggestion(self):
        agency = AgencyFactory()
        first = person(full_name="Nurhaeda Rahman", agency=agency)
        second = person(full_name="Nurhayda Rahman", agency=agency)
        [pair] = duplicate_pairs()
        assert pair.reasons == ["similar_name"]
        assert pair.similarity >= 90
        assert (pair.first_id, pair.second_id) == (first.pk, second.pk)

    def test_similar_names_in_two_agencies_are_not_a_pair(self):
        person(full_name="Nurhaeda Rahman")
        person(full_name="Nurhayda Rahman")
        assert duplicate_pairs() == []

    def test_different_names_in_one_agency_are_not_a_pair(self):
        agency = AgencyFactory()
        person(full_name="Andi Baso", agency=agency)
        person(full_name="Andi Basri", agency=agency)
        assert duplicate_pairs() == []

    def test_different_niks_are_never_a_pair(self):
        agency = AgencyFactory()
        person(
            full_name="Andi Baso",
            agency=agency,
            nik="7309015505900012",
            phone="+6281234567890",
        )
        person(
            full_name="Andi Baso",
            agency=agency,
            nik="7309015505900013",
            phone="+6281234567890",
        )
        assert duplicate_pairs() == []

    def test_erased_people_are_left_out(self):
        agency = AgencyFactory()
        person(full_name="Andi Baso", agency=agency)
        person(
            full_name="Andi Baso",
            agency=agency,
            erased_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        )
        assert duplicate_pairs() == []

    def test_strongest_reason_first(self):
        agency = AgencyFactory()
        similar = [
            person(full_name="Nurhaeda Rahman", agency=agency),
            person(full_name="Nurhayda Rahman", agency=agency),
        ]
        phone = [
            person(full_name="Rina", phone="+6281111111111"),
            person(full_name="Rini", phone="+6281111111111"),
        ]
        pairs = duplicate_pairs()
        assert [(p.first_id, p.second_id) for p in pairs] == [
            (phone[0].pk, phone[1].pk),
            (similar[0].pk, similar[1].pk),
        ]


def _page_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        page = pair_page(duplicate_pairs(), 1)
        for pair in page:
            assert pair.first.agency is not None
            assert pair.second.enrolment_count == 0
    return len(queries)


def test_a_fixed_number_of_queries_whatever_the_registry():
    for n in range(2):
        agency = AgencyFactory()
        person(full_name=f"Nurhaeda Rahman {n}", agency=agency)
        person(full_name=f"Nurhayda Rahman {n}", agency=agency)
    few = _page_queries()
    for n in range(30):
        agency = AgencyFactory()
        person(full_name="Nurhaeda Rahman", agency=agency, phone=f"+62812000000{n:02d}")
        person(full_name="Nurhaeda Rahman", agency=agency, phone=f"+62812000000{n:02d}")
    assert _page_queries() == few == 2


#: Spellings of a few people: abbreviations written out or not, titles, word
#: order, one letter changed, and names close to but under the threshold.
SPELLINGS = [
    "Muh. Rusdi",
    "Muhammad Rusdi",
    "Moh Rusdi",
    "Mohammad Rusdy",
    "St. Aminah",
    "Sitti Aminah",
    "Siti Aminah",
    "Abd. Rahman",
    "Abdul Rahman",
    "Rahman Abdul",
    "Hj. Nurhaeda Rahman, S.Sos",
    "Nurhayda Rahman",
    "Nurhaeda Rahmah",
    "Andi Baso",
    "Andi Basri",
    "Andi Basso",
    "Dra. Hasnah",
    "Hasna",
    "Rina",
    "Rini",
]


def _brute_force_pairs() -> dict:
    """What the list must hold: every pair of living people who share a NIK, a
    phone or an agency, judged one by one by the rule itself."""
    people = list(Participant.objects.filter(erased_at__isnull=True).order_by("pk"))
    expected = {}
    for first, second in combinations(people, 2):
        shared = any(
            getattr(first, field) and getattr(first, field) == getattr(second, field)
            for field in ("nik", "phone", "agency_id")
        )
        keys = MatchKeys(
            nik=first.nik,
            phone=first.phone,
            name=first.normalised_name,
            agency_id=first.agency_id,
        )
        if shared and (found := match_reasons(keys, second)):
            similarity = name_similarity(first.normalised_name, second.normalised_name)
            expected[(first.pk, second.pk)] = (found, similarity)
    return expected


def test_the_bulk_comparison_finds_exactly_the_pairs_of_the_rule():
    rng = random.Random(11)
    agencies = [AgencyFactory(), AgencyFactory(), None]
    for index in range(60):
        name = rng.choice(SPELLINGS)
        if rng.random() < 0.2:  # one letter changed
            position = rng.randrange(len(name))
            name = name[:position] + rng.choice("aeiy") + name[position + 1 :]
        person(
            full_name=name,
            agency=rng.choice(agencies),
            phone=f"+6281200000{rng.randrange(40):03d}" if index % 4 == 0 else "",
            nik=f"730901550590{index:04d}" if index % 5 == 0 else "",
        )
    muh = person(full_name="Muh. Rusdi", agency=agencies[0])
    muhammad = person(full_name="Muhammad Rusdi", agency=agencies[0])
    for agency in agencies[1:]:  # the same name and phone, another agency or none
        person(full_name="Rina Rahman", agency=agency, phone="+6281299999999")
    expected = _brute_force_pairs()
    found = {
        (pair.first_id, pair.second_id): (pair.reasons, pair.similarity)
        for pair in duplicate_pairs()
    }
    assert found == expected
    kinds = {reason for reasons, _similarity in expected.values() for reason in reasons}
    assert {"phone", "name", "name_elsewhere", "similar_name"} <= kinds
    assert found[(muh.pk, muhammad.pk)] == (["similar_name"], 100.0)
