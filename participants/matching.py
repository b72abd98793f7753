"""Who is probably the same person: the one identity rule of the registry.

Every door that adds people (the enrol form, the sign-in sheet import, the command
line) asks ``ParticipantQuerySet.probable_matches`` with the keys of the people
being entered, and gets the registry people who are probably them, strongest
reason first. Nothing here writes; the caller lets a human choose.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

#: Why a registry entry is offered as the same person, strongest first; the values
#: are shown to users.
MATCH_REASONS = {
    "nik": _("same NIK"),
    "phone": _("same phone number"),
    "name": _("same name in the same agency"),
}


@dataclass(frozen=True)
class MatchKeys:
    """Who is being entered, as the registry compares people: a NIK of 16 digits,
    the phone already normalised (``+62...``), the name already normalised
    (``normalise_name``) and the agency's id; any of them may be empty."""

    nik: str = ""
    phone: str = ""
    name: str = ""
    agency_id: int | None = None


@dataclass
class ParticipantMatch:
    """An existing participant who is probably the person being entered.

    ``reasons`` holds keys of ``MATCH_REASONS`` ("nik", "phone", "name"), strongest
    first.
    """

    participant: Any  # a Participant
    reasons: list[str] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [MATCH_REASONS[reason] for reason in self.reasons]


def match_reasons(keys: MatchKeys, person) -> list[str]:
    """Why ``person`` is probably the one entered as ``keys``, strongest first;
    ``[]`` when they are not.

    The same NIK; otherwise, unless both have a NIK and the NIKs differ (then they
    are two people) or the person's data was erased on request (erased people are
    found again only by NIK, which erasure clears): the same phone number, or the
    same name in the same agency.
    """
    reasons = ["nik"] if keys.nik and person.nik == keys.nik else []
    other_nik = bool(keys.nik and person.nik and person.nik != keys.nik)
    if other_nik or person.erased_at is not None:
        return reasons
    if keys.phone and person.phone == keys.phone:
        reasons.append("phone")
    same_agency = keys.agency_id is not None and person.agency_id == keys.agency_id
    if keys.name and same_agency and person.normalised_name == keys.name:
        reasons.append("name")
    return reasons


def _lookups_of(who) -> list[tuple[str, str]]:
    """The ``(kind, value)`` look-ups of a Participant or MatchKeys, without empty
    values."""
    if isinstance(who, MatchKeys):
        pairs = [("nik", who.nik), ("phone", who.phone), ("name", who.name)]
    else:
        pairs = [("nik", who.nik), ("phone", who.phone), ("name", who.normalised_name)]
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
    who are probably that person (see ``match_reasons``), strongest reason first,
    then by id.

    The one definition of "probably the same person": the enrol form asks
    for one person, the sign-in sheet import for every row. One query per
    ``lookup_chunk()`` NIKs, phones and names (a query for up to a few hundred
    rows), none when there is nothing to compare.
    """
    lookups = sorted(
        {("nik", k.nik) for k in entered if k.nik}
        | {("phone", k.phone) for k in entered if k.phone}
        | {("name", k.name) for k in entered if k.name and k.agency_id}
    )
    found: dict[tuple[str, str], dict[int, Any]] = {}
    size = lookup_chunk()
    for start in range(0, len(lookups), size):
        for person in _candidates(people, lookups[start : start + size]):
            for lookup in _lookups_of(person):
                found.setdefault(lookup, {})[person.pk] = person
    strength = {reason: rank for rank, reason in enumerate(MATCH_REASONS)}
    results = []
    for keys in entered:
        candidates = {}
        for lookup in _lookups_of(keys):
            candidates.update(found.get(lookup, {}))
        matches = [
            ParticipantMatch(participant=person, reasons=reasons)
            for person in candidates.values()
            if (reasons := match_reasons(keys, person))
        ]
        matches.sort(key=lambda m: (strength[m.reasons[0]], m.participant.pk))
        results.append(matches)
    return results


def _candidates(people: QuerySet, lookups: list[tuple[str, str]]):
    """The people who share a NIK, or (not erased) a phone or a name with an
    agency, with one of ``lookups`` (``(kind, value)`` pairs); a superset that
    ``match_reasons`` narrows down."""
    values = {"nik": [], "phone": [], "name": []}
    for kind, value in lookups:
        values[kind].append(value)
    # An empty ``__in`` matches nothing; Django leaves it out of the SQL.
    living = Q(phone__in=values["phone"]) | Q(
        normalised_name__in=values["name"], agency__isnull=False
    )
    condition = Q(nik__in=values["nik"]) | (Q(erased_at__isnull=True) & living)
    return people.filter(condition).select_related("agency")
