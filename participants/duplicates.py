"""Records of the registry that are probably one person: the read side of merging.

``duplicate_pairs`` finds the pairs with the one identity rule
(``participants.matching``): the same NIK, the same phone number, the same name in
the same agency, and, as a suggestion, a close spelling of the name in the same
agency (``name_similarity`` at or above ``NAME_SIMILARITY_THRESHOLD``). Two people
with different NIKs are never a pair, and erased people are left out (erasure
clears what they would be found by). The database narrows the candidates (shared
NIKs and phones by a grouped query, names only within one agency), so the whole
list costs one query; ``pair_page`` loads one page of it in one more.

Merging itself (``setara.merging``) moves enrolments and attendance, which belong
to ``trainings``, so it lives above the apps.
"""

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q

from .matching import (
    MATCH_REASONS,
    MatchKeys,
    match_reasons,
    name_similarity,
    reason_labels,
)
from .models import Participant

#: Pairs per page of the duplicates list.
PAIRS_PER_PAGE = 25


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


def _keys(person: Participant) -> MatchKeys:
    return MatchKeys(
        nik=person.nik,
        phone=person.phone,
        name=person.normalised_name,
        agency_id=person.agency_id,
    )


def pair_reasons(first: Participant, second: Participant) -> tuple[list[str], float]:
    """Why ``first`` and ``second`` are probably one person (``match_reasons``,
    strongest first), and the similarity of their names; ``([], similarity)``
    when they are not."""
    reasons = match_reasons(_keys(first), second)
    return reasons, name_similarity(first.normalised_name, second.normalised_name)


def duplicate_pairs() -> list[DuplicatePair]:
    """Every pair of living records that are probably one person, strongest reason
    first, then by name similarity and ids; one query (names are compared in
    Python, only within one agency)."""
    people = _candidates()
    groups = defaultdict(list)
    for person in people:
        if person.nik:
            groups[("nik", person.nik)].append(person)
        if person.phone:
            groups[("phone", person.phone)].append(person)
        if person.agency_id is not None:
            groups[("agency", person.agency_id)].append(person)
    pairs = {}
    for members in groups.values():
        for first, second in combinations(members, 2):
            key = (first.pk, second.pk)
            if key in pairs:
                continue
            reasons, similarity = pair_reasons(first, second)
            if reasons:
                pairs[key] = DuplicatePair(*key, reasons, similarity)
    strength = {reason: rank for rank, reason in enumerate(MATCH_REASONS)}
    return sorted(
        pairs.values(),
        key=lambda p: (strength[p.reasons[0]], -p.similarity, p.first_id, p.second_id),
    )


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
