"""Who is probably the same person: the one identity rule of the registry.

Every door that adds people (the enrol form, the sign-in sheet import, the command
line) asks ``ParticipantQuerySet.probable_matches`` with the keys of the people
being entered, and gets the registry people who are probably them, strongest
reason first; an import also compares the rows of one file with each other
(``same_person_in_file``), by the same rule. Nothing here writes; the caller lets
a human choose.

The rule, strongest first (``MATCH_REASONS``):

1. the same NIK (two different NIKs are two people, whatever else is the same);
2. the same phone number (normalised, ``+62...``);
3. the same name (``normalise_name``: titles, case, spacing and punctuation
   removed) in the same agency;
4. suggestions only, for a human to confirm: the same name where either side has
   no agency or the agencies differ, and a close spelling of the name in the same
   agency (``name_similarity`` at least ``NAME_SIMILARITY_THRESHOLD``).

``match_strength`` turns the reasons into what a door does with them: a NIK or
phone match is proposed; a match on the name alone is never taken without a
human's decision; a suggestion defaults to "a new person".

Close spellings are scored in Python with rapidfuzz (an edit-distance ratio over
the name's words in sorted order) rather than PostgreSQL's ``pg_trgm``: the same
scores on the SQLite demo and on PostgreSQL, no database extension to create, and
abbreviations such as "Muh." are written out first, which trigrams cannot do. The
database narrows the candidates first (the same NIK, phone or exact name, or the
same agency), so Python compares a row only with the people of its agency.
"""

import functools
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz, process

#: Why a registry entry (or another row of the file) is offered as the same person,
#: strongest first; the values are shown to users.
MATCH_REASONS = {
    "nik": _("same NIK"),
    "phone": _("same phone number"),
    "name": _("same name in the same agency"),
    "name_elsewhere": _("same name, another agency or none"),
    "similar_name": _("similar name in the same agency"),
}

#: The reasons that only suggest the same person ("possibly the same person:
#: confirm"); a door never takes them without a human's confirmation.
SUGGESTION_REASONS = frozenset({"name_elsewhere", "similar_name"})

#: ``match_strength`` values: a match by NIK or phone, proposed to the user (a NIK
#: match cannot be refused); a match on the name alone in the same agency, which
#: needs the user's decision; a suggestion, "a new person" unless confirmed.
PROPOSED = "proposed"
NAME_ONLY = "name_only"
SUGGESTED = "suggested"

#: How alike two normalised names must be (``name_similarity``, 0-100) to be offered
#: as "possibly the same person" when they are in the same agency. 90 takes one
#: letter changed in a name of about twenty letters ("nurhaeda rahman" /
#: "nurhayda rahman": 93) and leaves out different given names ("andi baso" /
#: "andi basri": 84).
NAME_SIMILARITY_THRESHOLD = 90.0

#: Name abbreviations written out before names are compared: "Muh. Rusdi" and
#: "Muhammad Rusdi" are the same name. Only unambiguous ones; a lone initial
#: ("M.") is left as it is.
_NAME_ABBREVIATIONS = {
    "muh": "muhammad",
    "moh": "muhammad",
    "muhd": "muhammad",
    "mohd": "muhammad",
    "mhd": "muhammad",
    "muhamad": "muhammad",
    "mohammad": "muhammad",
    "mohamad": "muhammad",
    "muhammed": "muhammad",
    "abd": "abdul",
    "st": "sitti",
}


@functools.lru_cache(maxsize=20_000)
def comparable_name(name: str) -> str:
    """A normalised name with the abbreviations of ``_NAME_ABBREVIATIONS`` written
    out and its words sorted, as ``name_similarity`` compares it."""
    return " ".join(sorted(_NAME_ABBREVIATIONS.get(t, t) for t in name.split()))


def name_similarity(a: str, b: str) -> float:
    """How alike two names already normalised (``normalise_name``) are, from 0
    (nothing in common) to 100 (the same name).

    Abbreviations such as "muh" are written out first and word order is ignored
    (rapidfuzz's ``token_sort_ratio``, an edit-distance ratio), so "muh rusdi" /
    "muhammad rusdi" gives 100 and "nurhaeda rahman" / "nurhayda rahman" 93. An
    empty name is like nothing (0). Compare with ``NAME_SIMILARITY_THRESHOLD``.
    """
    if not a or not b:
        return 0.0
    return float(fuzz.ratio(comparable_name(a), comparable_name(b)))


def match_strength(reasons: Sequence[str]) -> str:
    """What a door does with a match for these ``MATCH_REASONS`` keys: ``PROPOSED``
    (NIK or phone), ``NAME_ONLY`` (the same name in the same agency, nothing else)
    or ``SUGGESTED`` (only suggestions)."""
    if "nik" in reasons or "phone" in reasons:
        return PROPOSED
    if "name" in reasons:
        return NAME_ONLY
    return SUGGESTED


def reason_labels(reasons: Sequence[str]) -> list[str]:
    """The user-facing labels of ``MATCH_REASONS`` keys, in the same order."""
    return [MATCH_REASONS[reason] for reason in reasons]


@dataclass(frozen=True)
class MatchKeys:
    """Who is being entered, as the registry compares people: a NIK of 16 digits,
    the phone already normalised (``+62...``), the name already normalised
    (``normalise_name``) and the agency's id; any of them may be empty.

    When rows of one file are compared with each other (``same_person_in_file``),
    ``agency_id`` may be any value equal for rows of the same agency (an import
    gives a new agency's key); against the registry only an int is used.
    """

    nik: str = ""
    phone: str = ""
    name: str = ""
    agency_id: int | Hashable | None = None


@dataclass
class ParticipantMatch:
    """An existing participant who is probably the person being entered.

    ``reasons`` holds keys of ``MATCH_REASONS``, strongest first; ``similarity`` is
    ``name_similarity`` of the two names.
    """

    participant: Any  # a Participant
    reasons: list[str] = field(default_factory=list)
    similarity: float = 0.0

    @property
    def reason_labels(self) -> list[str]:
        return reason_labels(self.reasons)

    @property
    def strength(self) -> str:
        """``match_strength`` of the reasons."""
        return match_strength(self.reasons)

    @property
    def is_suggestion(self) -> bool:
        """Whether this is only "possibly the same person: confirm"."""
        return self.strength == SUGGESTED


@dataclass
class FileMatch:
    """Two rows of one file that are probably the same person: indexes ``first`` <
    ``second`` of the keys given to ``same_person_in_file``, and ``reasons``, keys
    of ``MATCH_REASONS``, strongest first."""

    first: int
    second: int
    reasons: list[str]

    @property
    def reason_labels(self) -> list[str]:
        return reason_labels(self.reasons)

    @property
    def strength(self) -> str:
        """``match_strength`` of the reasons."""
        return match_strength(self.reasons)


def _pair_reasons(
    a: MatchKeys, b: MatchKeys, *, erased: bool = False, score: float | None = None
) -> list[str]:
    """The rule for two people's keys (see the module docstring); ``erased``: ``b``
    was erased on request and is found again only by NIK. ``score`` is their
    ``name_similarity`` when already known."""
    reasons = ["nik"] if a.nik and a.nik == b.nik else []
    if (a.nik and b.nik and a.nik != b.nik) or erased:
        return reasons
    if a.phone and a.phone == b.phone:
        reasons.append("phone")
    if not a.name or not b.name:
        return reasons
    same_agency = a.agency_id is not None and a.agency_id == b.agency_id
    if a.name == b.name:
        reasons.append("name" if same_agency else "name_elsewhere")
    elif same_agency:
        if score is None:
            score = name_similarity(a.name, b.name)
        if score >= NAME_SIMILARITY_THRESHOLD:
            reasons.append("similar_name")
    return reasons


def keys_of(person) -> MatchKeys:
    """The ``MatchKeys`` of a Participant already in the registry."""
    return MatchKeys(
        nik=person.nik,
        phone=person.phone,
        name=person.normalised_name,
        agency_id=person.agency_id,
    )


def match_reasons(keys: MatchKeys, person) -> list[str]:
    """Why ``person`` (a Participant) is probably the one entered as ``keys``,
    strongest first; ``[]`` when they are not.

    The same NIK; otherwise, unless both have a NIK and the NIKs differ (then they
    are two people) or the person's data was erased on request (erased people are
    found again only by NIK, which erasure clears): the same phone number, the
    same name in the same agency, and the suggestions (the same name elsewhere, a
    similar name in the same agency).
    """
    return _pair_reasons(keys, keys_of(person), erased=person.erased_at is not None)


def _lookups_of(who) -> list[tuple[str, Any]]:
    """The ``(kind, value)`` look-ups of a Participant or MatchKeys, without empty
    values: NIK, phone, name, and the agency of a named person (close spellings
    are looked for among the people of the same agency)."""
    keys = who if isinstance(who, MatchKeys) else keys_of(who)
    pairs = [("nik", keys.nik), ("phone", keys.phone), ("name", keys.name)]
    if keys.name and isinstance(keys.agency_id, int):
        pairs.append(("agency", keys.agency_id))
    return [(kind, value) for kind, value in pairs if value]


def lookup_chunk() -> int:
    """Values per query of ``__in`` look-ups: just under the database's parameter
    limit (SQLite: 999), else 5,000."""
    limit = connection.features.max_query_params
    return max(limit - 99, 100) if limit else 5000


def probable_matches(
    people: QuerySet, entered: Sequence[MatchKeys]
) -> list[list[ParticipantMatch]]:
    """For each of ``entered``, the people of ``people`` (a Participant queryset)
    who are probably that person (see ``match_reasons``), suggestions included:
    strongest reason first, then (close spellings) the closest name, then by id.

    The one definition of "probably the same person": the enrol form asks
    for one person, the sign-in sheet import for every row. One query per
    ``lookup_chunk()`` NIKs, phones, names and agencies (one query for up to a few
    hundred rows), none when there is nothing to compare. The people of a row's
    agency are compared with it in bulk (``_close_names``), so a row costs about
    one C comparison per person of its agency, not a Python call.
    """
    lookups = sorted(
        {lookup for keys in entered for lookup in _lookups_of(keys)},
        key=lambda lookup: (lookup[0], str(lookup[1])),
    )
    found: dict[tuple[str, Any], dict[int, Any]] = {}
    size = lookup_chunk()
    for start in range(0, len(lookups), size):
        for person in _candidates(people, lookups[start : start + size]):
            for lookup in _lookups_of(person):
                found.setdefault(lookup, {})[person.pk] = person
    strength = {reason: rank for rank, reason in enumerate(MATCH_REASONS)}
    agencies: dict[Any, tuple[list, list[str]]] = {}
    results = []
    for keys in entered:
        candidates = {}
        for lookup in _lookups_of(keys):
            if lookup[0] == "agency":
                members = found.get(lookup, {})
                candidates.update(_close_names(keys.name, lookup, members, agencies))
            else:
                candidates.update(found.get(lookup, {}))
        matches = [
            ParticipantMatch(
                participant=person,
                reasons=reasons,
                similarity=name_similarity(keys.name, person.normalised_name),
            )
            for person in candidates.values()
            if (reasons := match_reasons(keys, person))
        ]
        matches.sort(
            key=lambda m: (
                strength[m.reasons[0]],
                -m.similarity if m.reasons[0] == "similar_name" else 0,
                m.participant.pk,
            )
        )
        results.append(matches)
    return results


def _close_names(name: str, agency, members: dict, prepared: dict) -> dict:
    """``{pk: person}`` of ``members`` (the people of one agency) whose names
    ``name_similarity`` scores close to ``name``: scored in bulk by rapidfuzz
    (in C) with the same scorer, a point under the threshold so no pair the rule
    keeps is lost; ``match_reasons`` then decides. ``prepared`` caches each
    agency's prepared names across the rows of one call."""
    if agency not in prepared:
        people = list(members.values())
        prepared[agency] = (
            people,
            [comparable_name(person.normalised_name) for person in people],
        )
    people, names = prepared[agency]
    found = process.extract(
        comparable_name(name),
        names,
        scorer=fuzz.ratio,
        score_cutoff=NAME_SIMILARITY_THRESHOLD - 1,
        limit=None,
    )
    return {people[index].pk: people[index] for _name, _score, index in found}


def _candidates(people: QuerySet, lookups: list[tuple[str, Any]]):
    """The people who share a NIK, or (not erased) a phone, a name or a named
    person's agency with one of ``lookups`` (``(kind, value)`` pairs); a superset
    that ``match_reasons`` narrows down."""
    values = {"nik": [], "phone": [], "name": [], "agency": []}
    for kind, value in lookups:
        values[kind].append(value)
    # An empty ``__in`` matches nothing; Django leaves it out of the SQL.
    living = (
        Q(phone__in=values["phone"])
        | Q(normalised_name__in=values["name"])
        | Q(agency_id__in=values["agency"])
    )
    condition = Q(nik__in=values["nik"]) | (Q(erased_at__isnull=True) & living)
    return people.filter(condition).select_related("agency")


#: ``same_person_in_file`` pairs a row with at most this many earlier rows of each
#: group sharing a value (the earliest ones) and with its this many closest
#: spellings: a file whose rows all share the office's phone, or are all
#: "Peserta 1".."Peserta 2000" of one agency, stays linear instead of giving
#: millions of pairs.
FILE_PAIRS_PER_ROW = 5


def same_person_in_file(entered: Sequence[MatchKeys]) -> list[FileMatch]:
    """The pairs of ``entered`` (the rows of one file) that are probably one person
    by the rule of ``match_reasons``, suggestions included, in the order of the
    second row then the first; each pair once, with every reason that holds.

    Pairs are looked for among rows sharing a NIK, a phone, a name, or a name in
    one agency, and close spellings among the rows of each agency (rapidfuzz, in
    C). Each row is paired with at most the ``FILE_PAIRS_PER_ROW`` earliest rows
    of each such group and its ``FILE_PAIRS_PER_ROW`` closest spellings, so every
    row that repeats an earlier one is found with the earliest row it repeats,
    and a file of thousands of rows takes well under a second. No query.
    """
    buckets: dict[tuple[str, Any], list[int]] = defaultdict(list)
    for index, keys in enumerate(entered):
        for kind, value in (("nik", keys.nik), ("phone", keys.phone)):
            if value:
                buckets[(kind, value)].append(index)
        if keys.name:
            buckets[("name", keys.name)].append(index)
            if keys.agency_id is not None:
                # The same name in the same agency, however many elsewhere.
                buckets[("name", keys.name, keys.agency_id)].append(index)
    pairs: dict[tuple[int, int], float | None] = {}
    for indexes in buckets.values():
        for position, second in enumerate(indexes):
            for first in indexes[: min(position, FILE_PAIRS_PER_ROW)]:
                pairs[(first, second)] = None
    pairs.update(_similar_pairs(entered))
    matches = []
    for (first, second), score in sorted(pairs.items(), key=lambda p: p[0][::-1]):
        reasons = _pair_reasons(entered[second], entered[first], score=score)
        if reasons:
            matches.append(FileMatch(first=first, second=second, reasons=reasons))
    return matches


def _similar_pairs(entered: Sequence[MatchKeys]) -> dict[tuple[int, int], float]:
    """``(first, second) -> name_similarity`` for the rows of one agency whose
    names differ but are at least ``NAME_SIMILARITY_THRESHOLD`` alike."""
    by_agency: dict[Any, list[int]] = defaultdict(list)
    for index, keys in enumerate(entered):
        if keys.name and keys.agency_id is not None:
            by_agency[keys.agency_id].append(index)
    pairs = {}
    for indexes in by_agency.values():
        names = [comparable_name(entered[i].name) for i in indexes]
        for position, second in enumerate(indexes):
            found = process.extract(
                names[position],
                names[:position],
                scorer=fuzz.ratio,
                score_cutoff=NAME_SIMILARITY_THRESHOLD,
                # Same names (scored 100) are paired by their group already.
                limit=FILE_PAIRS_PER_ROW + 1,
            )
            for _choice, score, other in found:
                first = indexes[other]
                if entered[first].name != entered[second].name:
                    pairs[(first, second)] = float(score)
    return pairs
