"""The plan of an import: what confirming would do with each clean row, compared
with the registry (agencies, people already there) and the training (people already
enrolled), with the user's choices applied. Nothing here writes to the database."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from participants.matching import MatchKeys
from participants.models import Agency, Participant
from participants.normalisation import guess_agency_type
from participants.sheets import Problem

from ..models import Enrolment
from .rows import ImportRow, ParsedFile


@dataclass
class ImportOptions:
    """The user's choices in the preview.

    ``agency_choices`` maps an unknown agency's key (``normalise_key`` of its name)
    to an existing agency's id; to the key of another unknown agency of the file
    that is created, meaning the same new agency ("DP3A Kab. Maros" and "Dinas
    Pemberdayaan Perempuan ... Kab. Maros"); or to None to create it (the
    default).
    ``rejected_rows`` are row numbers whose proposed match the user rejected: a new
    person is created instead. A match by NIK cannot be rejected (NIK is unique).
    """

    blank_sex_is_not_recorded: bool = False
    agency_choices: dict[str, int | str | None] = field(default_factory=dict)
    rejected_rows: set[int] = field(default_factory=set)

    def to_dict(self) -> dict:
        """The options as JSON-ready data (for the session)."""
        return {
            "blank_sex_is_not_recorded": self.blank_sex_is_not_recorded,
            "agency_choices": self.agency_choices,
            "rejected_rows": sorted(self.rejected_rows),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ImportOptions:
        """The inverse of ``to_dict``; missing keys take their defaults."""
        return cls(
            blank_sex_is_not_recorded=bool(data.get("blank_sex_is_not_recorded")),
            agency_choices=dict(data.get("agency_choices") or {}),
            rejected_rows=set(data.get("rejected_rows") or ()),
        )


@dataclass
class UnknownAgency:
    """An agency name in the file that matches no agency or alias.

    ``choice`` is the id of the existing agency it means, or None to create it;
    ``same_as`` the key of another unknown agency it means (created once for
    both). ``candidates`` are agencies it matches ambiguously (several at once).
    """

    key: str
    name: str
    rows: list[int]
    choice: int | None = None
    same_as: str = ""
    candidates: list = field(default_factory=list)
    type: str = "other"

    @property
    def type_label(self) -> str:
        """The guessed ``type`` as ``Agency.Type`` shows it."""
        return Agency.Type(self.type).label


@dataclass
class RowPlan:
    """What confirming does with one row.

    ``action`` is "create" (new person, enrolled), "match" (an existing person,
    enrolled), or "enrolled" (the person is already enrolled: skipped).
    ``match_reason`` is a key of ``participants.matching.MATCH_REASONS``.
    """

    row: ImportRow
    action: str
    agency: Any = None  # an existing Agency, or None (new agency or no agency)
    match: Any = None  # the matched Participant
    match_reason: str = ""
    rejected: bool = False

    @property
    def can_reject(self) -> bool:
        """Whether the user may refuse the match (not a match by NIK)."""
        return self.match is not None and self.match_reason != "nik"


@dataclass
class ImportPlan:
    """Everything the preview shows and the confirm step writes."""

    training: Any
    rows: list[RowPlan]
    unknown_agencies: list[UnknownAgency]
    problems: list[Problem]
    options: ImportOptions
    skipped_rows: list[int] = field(default_factory=list)

    @property
    def to_create(self) -> list[RowPlan]:
        """Rows that create a new person (including rejected matches)."""
        return [p for p in self.rows if p.action == "create"]

    @property
    def to_match(self) -> list[RowPlan]:
        """Rows with a proposed match, accepted or rejected: the preview's list."""
        return [p for p in self.rows if p.match is not None or p.rejected]

    @property
    def already_enrolled(self) -> list[RowPlan]:
        """Rows whose person is already enrolled: skipped."""
        return [p for p in self.rows if p.action == "enrolled"]

    @property
    def to_enrol(self) -> list[RowPlan]:
        """Rows that enrol someone, new or already in the registry."""
        return [p for p in self.rows if p.action in ("create", "match")]

    def summary(self) -> dict:
        """What the training gains: enrolments by sex, and present per day."""
        enrol = self.to_enrol
        days = defaultdict(int)
        for plan in enrol:
            for date, present in plan.row.attendance.items():
                days[date] += present
        sex = [plan.match.sex if plan.action == "match" else plan.row.sex
               for plan in enrol]  # fmt: skip
        return {
            "total": len(enrol),
            "male": sex.count("L"),
            "female": sex.count("P"),
            "not_recorded": sex.count(""),
            "days": sorted(days.items()),
        }

    def fingerprint(self) -> str:
        """A digest of what confirming would do; the confirm step compares it with
        the one the user saw, so a changed file or database asks for a new look."""
        parts = [
            f"{p.row.row}:{p.action}:{getattr(p.match, 'pk', '')}:"
            f"{getattr(p.agency, 'pk', '')}:{p.row.agency_key}"
            for p in self.rows
        ]
        parts += [f"{a.key}={a.choice}:{a.same_as}" for a in self.unknown_agencies]
        parts += [str(p) for p in self.problems]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def plan_import(*, training, parsed: ParsedFile, options: ImportOptions) -> ImportPlan:
    """Compare clean rows with the registry and the training, applying ``options``.

    Agencies are resolved once per distinct name (``AgencyQuerySet.resolve``:
    names, short names and aliases, preferring the training's region); people are
    matched in bulk by ``ParticipantQuerySet.probable_matches``, the rule the
    enrol form uses too, taking the strongest match. Rows that would enrol one
    person twice, or two new people with one NIK, become problems. A few queries
    per thousand rows.
    """
    rows = parsed.rows
    agencies, unknown = _resolve_agencies(training, rows, options)
    keys = [
        MatchKeys(
            nik=row.nik,
            phone=row.phone,
            name=row.name_key,
            agency_id=getattr(agencies.get(row.agency_key), "pk", None),
        )
        for row in rows
    ]
    matches = Participant.objects.probable_matches(keys)
    enrolled = set(
        Enrolment.objects.filter(training=training).values_list(
            "participant_id", flat=True
        )
    )
    plans = [
        _row_plan(
            row,
            agencies.get(row.agency_key),
            row_matches[0] if row_matches else None,
            enrolled=enrolled,
            options=options,
        )
        for row, row_matches in zip(rows, matches, strict=True)
    ]
    problems = parsed.problems + _duplicates(plans)
    return ImportPlan(
        training=training,
        rows=plans,
        unknown_agencies=list(unknown.values()),
        problems=sorted(problems, key=lambda p: (p.row or 0, p.column)),
        options=options,
        skipped_rows=parsed.skipped_rows,
    )


def _resolve_agencies(training, rows: list[ImportRow], options: ImportOptions):
    """``(agency key -> Agency, agency key -> UnknownAgency)`` for the agency names
    of ``rows``: one query per distinct name, plus one for the agencies the user
    mapped unknown names to."""
    mapped_ids = {v for v in options.agency_choices.values() if isinstance(v, int)}
    mapped = Agency.objects.in_bulk(mapped_ids) if mapped_ids else {}
    agencies: dict[str, Agency] = {}
    unknown: dict[str, UnknownAgency] = {}
    for row in rows:
        key = row.agency_key
        if key in unknown:
            unknown[key].rows.append(row.row)
        if not key or key in agencies or key in unknown:
            continue
        agency, candidates = Agency.objects.resolve(row.agency, training.region)
        if agency is not None:
            agencies[key] = agency
            continue
        choice = options.agency_choices.get(key)
        if not isinstance(choice, int) or choice not in mapped:
            choice = None
        unknown[key] = UnknownAgency(
            key=key,
            name=row.agency,
            rows=[row.row],
            choice=choice,
            candidates=candidates,
            type=guess_agency_type(row.agency),
        )
        if choice is not None:
            agencies[key] = mapped[choice]
    _link_same_as(unknown, options)
    return agencies, unknown


def _link_same_as(unknown: dict[str, UnknownAgency], options: ImportOptions) -> None:
    """Set ``same_as`` for an unknown agency the user said is another unknown
    agency of the file that is itself created: one new agency for both."""
    for key, agency in unknown.items():
        target = options.agency_choices.get(key)
        if (
            isinstance(target, str)
            and target != key
            and target in unknown
            and unknown[target].choice is None
            and not isinstance(options.agency_choices.get(target), str)
        ):
            agency.same_as = target


def _row_plan(row, agency, match, *, enrolled: set, options) -> RowPlan:
    """The plan of one row, given its strongest ParticipantMatch (or None)."""
    if match is None:
        return RowPlan(row=row, action="create", agency=agency)
    reason = match.reasons[0]
    person = match.participant
    rejected = reason != "nik" and row.row in options.rejected_rows
    action = "enrolled" if person.pk in enrolled else "match"
    return RowPlan(
        row=row,
        action="create" if rejected else action,
        agency=agency,
        match=person,
        match_reason=reason,
        rejected=rejected,
    )


def _duplicates(plans: list[RowPlan]) -> list[Problem]:
    """A problem for each row that is the same person as an earlier row: the same
    matched person, or (new people) the same NIK or the same name and agency;
    importing both would enrol one person twice."""
    problems = []
    seen_people: dict[int, int] = {}
    seen_niks: dict[str, int] = {}
    seen_names: dict[tuple[str, str], int] = {}
    for plan in plans:
        row = plan.row
        if plan.action in ("match", "enrolled"):
            if plan.match.pk in seen_people:
                problems.append(_duplicate(row, seen_people[plan.match.pk]))
            seen_people.setdefault(plan.match.pk, row.row)
            continue
        if row.nik:
            if row.nik in seen_niks:
                problems.append(_duplicate(row, seen_niks[row.nik]))
            seen_niks.setdefault(row.nik, row.row)
        name_key = (row.name_key, row.agency_key)
        if name_key in seen_names:
            problems.append(_duplicate(row, seen_names[name_key]))
        seen_names.setdefault(name_key, row.row)
    return problems


def _duplicate(row: ImportRow, first_row: int) -> Problem:
    return Problem(
        message=gettext(
            "This is the same person as row %(row)s. Remove one of the two rows."
        )
        % {"row": first_row},
        row=row.row,
        value=row.full_name,
    )
