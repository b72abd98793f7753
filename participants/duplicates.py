"""Records of the registry that are probably one person: the read side of merging.

``duplicate_pairs`` finds the pairs with the one identity rule
(``participants.matching``): the same NIK, the same phone number, the same name in
the same agency, and, as a suggestion, a close spelling of the name in the same
agency (``name_similarity`` at or above ``NAME_SIMILARITY_THRESHOLD``). Two people
with different NIKs are never a pair, and erased people are left out (erasure
clears what they would be found by). The database narrows the candidates (shared
NIKs and phones by a grouped query, names only within one agency), so the whole
list costs one query; ``pair_page`` loads one page of it in one more. Within an
agency, names are scored in bulk with rapidfuzz (the scorer of
``name_similarity``), so only pairs that may match reach the rule: 4,000 people
in one agency take well under a second (``bench/duplicates_bench.py``).

Merging itself (``setara.merging``) moves enrolments and attendance, which belong
to ``trainings``, so it lives above the apps.
"""

import math
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations, product

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from rapidfuzz import fuzz, process

from .matching import (
    MATCH_REASONS,
    NAME_SIMILARITY_THRESHOLD,
    comparable_name,
    keys_of,
    match_reasons,
    name_similarity,
    reason_labels,
)
from .models import Participant

#: Pairs per page of the duplicates list.
PAIRS_PER_PAGE = 25

#: The bulk scoring of names keeps pairs a point below the rule's threshold;
#: ``pair_reasons`` then scores each kept pair exactly as the rule does, so a
#: rounding difference between the two cannot lose a pair.
_CANDIDATE_SIMILARITY = NAME_SIMILARITY_THRESHOLD - 1


@dataclass
class DuplicatePair:
    """Two records that are probably one person: ids ``first_id`` < ``second_id``,
    ``reasons`` (keys of ``MATCH_REASONS``, strongest first) and the
    ``similarity`` of their names (0-100). ``first`` and ``second`` are the
    Participants once a page is loaded (``pair_page``), each with
    ``enrolment_count``."""

    first_id: int
    second_id: int
    reasons: list[str]
    similarity: float
    first: Participant | None = None
    second: Participant | None = None

    @property
    def reason_labels(self) -> list[str]:
        return [str(label) for label in reason_labels(self.reasons)]


def _shared(field: str):
    """The values of ``field`` that two or more living people have (a subquery)."""
    return (
        Participant.objects.filter(erased_at__isnull=True)
        .exclude(**{field: ""})
        .values(field)
        .annotate(people=Count("id"))
        .filter(people__gt=1)
        .values(field)
    )


def _candidates() -> list[Participant]:
    """Living people who share a NIK or a phone with someone, or whose agency has
    other living people; one query."""
    crowded = (
        Participant.objects.filter(erased_at__isnull=True, agency__isnull=False)
        .values("agency")
        .annotate(people=Count("id"))
        .filter(people__gt=1)
        .values("agency")
    )
    return list(
        Participant.objects.filter(erased_at__isnull=True)
        .filter(
            Q(nik__in=_shared("nik"))
            | Q(phone__in=_shared("phone"))
            | Q(agency__in=crowded)
        )
        .only("id", "nik", "phone", "normalised_name", "agency_id", "erased_at")
        .order_by("id")
    )


def pair_reasons(first: Participant, second: Participant) -> tuple[list[str], float]:
    """Why ``first`` and ``second`` are probably one person (``match_reasons``,
    strongest first), and the similarity of their names; ``([], similarity)``
    when they are not."""
    reasons = match_reasons(keys_of(first), second)
    return reasons, name_similarity(first.normalised_name, second.normalised_name)


def duplicate_pairs() -> list[DuplicatePair]:
    """Every pair of living records that are probably one person, strongest reason
    first, then by name similarity and ids; one query.

    Only candidate pairs are judged (``pair_reasons``, the one rule): people who
    share a NIK or a phone, and people of one agency whose names are the same or
    close (``_close_names``); every other pair of one agency has no reason to be
    one person, so a crowded agency costs about one comparison in C per pair of
    names, not a Python call.
    """
    people = _candidates()
    groups = defaultdict(list)
    by_agency = defaultdict(list)
    for person in people:
        if person.nik:
            groups[("nik", person.nik)].append(person)
        if person.phone:
            groups[("phone", person.phone)].append(person)
        if person.agency_id is not None and person.normalised_name:
            by_agency[person.agency_id].append(person)
    candidates = {}
    for members in groups.values():
        for first, second in combinations(members, 2):
            candidates[(first.pk, second.pk)] = (first, second)
    for members in by_agency.values():
        for first, second in _close_names(members):
            candidates[(first.pk, second.pk)] = (first, second)
    pairs = []
    for key, (first, second) in candidates.items():
        reasons, similarity = pair_reasons(first, second)
        if reasons:
            pairs.append(DuplicatePair(*key, reasons, similarity))
    strength = {reason: rank for rank, reason in enumerate(MATCH_REASONS)}
    return sorted(
        pairs,
        key=lambda p: (strength[p.reasons[0]], -p.similarity, p.first_id, p.second_id),
    )


def _close_names(members: list[Participant]):
    """Pairs ``(first, second)``, ``first.pk < second.pk``, of ``members`` (people
    of one agency with a name, in id order) whose names compare at least
    ``_CANDIDATE_SIMILARITY`` alike, the same name included: a superset of the
    pairs with the reason "name" or "similar_name".

    Names are prepared as ``name_similarity`` prepares them (``comparable_name``),
    once per distinct name, and scored with the same scorer in bulk
    (``rapidfuzz.process.extract``) against the names no longer than themselves
    that their length allows (see ``_shortest_close_length``).
    """
    people_of = defaultdict(list)
    for person in members:
        people_of[comparable_name(person.normalised_name)].append(person)
    names = sorted(people_of, key=lambda name: (len(name), name))
    lengths = [len(name) for name in names]
    close = [(name, name) for name in names]  # the same comparable name: 100
    for position, name in enumerate(names):
        start = bisect_left(lengths, _shortest_close_length(len(name)), hi=position)
        found = process.extract(
            name,
            names[start:position],
            scorer=fuzz.ratio,
            score_cutoff=_CANDIDATE_SIMILARITY,
            limit=None,
        )
        close.extend((other, name) for other, _score, _index in found)
    for one, other in close:
        if one == other:
            found_pairs = combinations(people_of[one], 2)
        else:
            found_pairs = product(people_of[one], people_of[other])
        for first, second in found_pairs:
            yield (first, second) if first.pk < second.pk else (second, first)


def _shortest_close_length(length: int) -> int:
    """The shortest name that can score ``_CANDIDATE_SIMILARITY`` against a name of
    ``length`` characters: ``fuzz.ratio`` is at most ``200 * short / (short +
    long)``, as the edit distance is at least the difference in length."""
    return math.floor(length * _CANDIDATE_SIMILARITY / (200 - _CANDIDATE_SIMILARITY))


def pair_page(pairs: list[DuplicatePair], number) -> Page:
    """Page ``number`` (any input; the last page when out of range) of ``pairs``,
    with ``first`` and ``second`` loaded with their agency and
    ``enrolment_count``; one query."""
    page = Paginator(pairs, PAIRS_PER_PAGE).get_page(number)
    ids = {pk for pair in page for pk in (pair.first_id, pair.second_id)}
    people = Participant.objects.select_related("agency").annotate(
        enrolment_count=Count("enrolments")
    )
    found = people.in_bulk(ids) if ids else {}
    for pair in page:
        pair.first = found.get(pair.first_id)
        pair.second = found.get(pair.second_id)
    return page
