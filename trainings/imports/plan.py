"""The plan of an import: what confirming would do with each clean row, compared
with the registry (agencies, people already there) and the training (people already
enrolled), with the user's choices applied. Nothing here writes to the database."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

from participants.disaggregation import count_by_sex
from participants.matching import (
    NAME_ONLY,
    PROPOSED,
    SUGGESTED,
    FileMatch,
    MatchKeys,
    match_strength,
    reason_labels,
    same_person_in_file,
)
from participants.models import Agency, Participant
from participants.nik_access import nik_for_matching
from participants.normalisation import display_phone, guess_agency_type, mask_nik
from participants.sheets import Problem

from ..models import Enrolment
from ..scores import import_score_problems
from .nik_conflicts import nik_conflicts
from .rows import ImportRow, ParsedFile
from .villages import VillageMatch, match_villages, village_key

#: The ``agency_choices`` value meaning "create a new agency" for a name that
#: matches several existing agencies (never the default for such a name).
CREATE_AGENCY = "+create"
#: Rows of the file that are possibly the same person (suggestions, never
#: blocking): at most this many per row are kept, and this many in all shown.
FILE_SUGGESTIONS_PER_ROW = 3
FILE_SUGGESTIONS_SHOWN = 50


@dataclass
class ImportOptions:
    """The user's choices in the preview.

    ``agency_choices`` maps an unknown agency's key (``normalise_key`` of its name)
    to an existing agency's id; to the key of another unknown agency of the file
    that is created, meaning the same new agency ("DP3A Kab. Maros" and "Dinas
    Pemberdayaan Perempuan ... Kab. Maros"); to ``CREATE_AGENCY`` to create it
    although existing agencies have that name; or to None to create it (the
    default for a name no agency has).
    ``rejected_rows`` are row numbers whose proposed match the user rejected: a new
    person is created instead. A match by NIK cannot be rejected (NIK is unique).
    ``confirmed_rows`` are row numbers whose match on the name alone, or
    suggestion, the user confirmed as the same person. ``accept_name_matches``
    (the command line's ``--accept-name-matches``) confirms every match on the
    name in the same agency that is not rejected; suggestions are never accepted
    in bulk.
    ``village_choices`` maps a village key (``villages.village_key``) that
    matches several villages to the code of the one the user picked; a key not
    there keeps the village as text only.
    """

    blank_sex_is_not_recorded: bool = False
    agency_choices: dict[str, int | str | None] = field(default_factory=dict)
    rejected_rows: set[int] = field(default_factory=set)
    confirmed_rows: set[int] = field(default_factory=set)
    accept_name_matches: bool = False
    village_choices: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The options as JSON-ready data (for the session)."""
        return {
            "blank_sex_is_not_recorded": self.blank_sex_is_not_recorded,
            "agency_choices": self.agency_choices,
            "rejected_rows": sorted(self.rejected_rows),
            "confirmed_rows": sorted(self.confirmed_rows),
            "accept_name_matches": self.accept_name_matches,
            "village_choices": self.village_choices,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ImportOptions:
        """The inverse of ``to_dict``; missing keys take their defaults."""
        return cls(
            blank_sex_is_not_recorded=bool(data.get("blank_sex_is_not_recorded")),
            agency_choices=dict(data.get("agency_choices") or {}),
            rejected_rows=set(data.get("rejected_rows") or ()),
            confirmed_rows=set(data.get("confirmed_rows") or ()),
            accept_name_matches=bool(data.get("accept_name_matches")),
            village_choices=dict(data.get("village_choices") or {}),
        )


@dataclass
class UnknownAgency:
    """An agency name in the file that matches no agency or alias.

    ``choice`` is the id of the existing agency it means, or None to create it;
    ``same_as`` the key of another unknown agency it means (created once for
    both). ``candidates`` are agencies it matches ambiguously (several at once);
    such a name is created only when the user chose so (``create_chosen``).
    """

    key: str
    name: str
    rows: list[int]
    choice: int | None = None
    same_as: str = ""
    candidates: list = field(default_factory=list)
    type: str = "other"
    create_chosen: bool = False

    @property
    def type_label(self) -> str:
        """The guessed ``type`` as ``Agency.Type`` shows it."""
        return Agency.type_label(self.type)

    @property
    def needs_choice(self) -> bool:
        """Whether the name matches several agencies and the user has not yet
        picked one, nor chosen to create a new one."""
        return bool(self.candidates) and not (
            self.choice is not None or self.same_as or self.create_chosen
        )


@dataclass(frozen=True)
class AgencyChoiceProblem(Problem):
    """An agency name of the file that matches several existing agencies; the
    user must pick one or choose to create a new one. ``candidates`` are
    ``(id, name, region)`` triples."""

    candidates: tuple = ()


@dataclass(frozen=True)
class NameMatchProblem(Problem):
    """A row that matches participant ``participant_id`` on the name in the same
    agency alone: the user must say whether it is the same person. ``reasons``
    are the labels of what matched, joined."""

    participant_id: int = 0
    reasons: str = ""


@dataclass(frozen=True)
class DuplicateRowProblem(Problem):
    """A row that is the same person as the earlier row ``first_row`` of the
    file (or enrols the same registry person)."""

    first_row: int = 0


@dataclass
class FileSuggestion:
    """Two rows of the file that are possibly the same person (a suggestion of
    ``same_person_in_file``): shown for the user to check, not blocking."""

    first_row: int
    second_row: int
    reasons: list[str]

    @property
    def reason_labels(self) -> list[str]:
        return reason_labels(self.reasons)


@dataclass
class RowPlan:
    """What confirming does with one row.

    ``action`` is "create" (new person, enrolled), "match" (an existing person,
    enrolled), "enrolled" (already enrolled: skipped) or "conflict" (neither).
    ``match_reasons`` are keys of ``participants.matching.MATCH_REASONS``, strongest
    first, and ``match_reason`` the first. A match by NIK or phone is taken unless
    ``rejected``; a match on the name alone or a suggestion only when
    ``confirmed``; a name-only match neither confirmed nor rejected is
    ``undecided`` (a problem).
    """

    row: ImportRow
    action: str
    agency: Any = None  # an existing Agency, or None (new agency or no agency)
    match: Any = None  # the matched Participant
    match_reason: str = ""
    rejected: bool = False
    match_reasons: list[str] = field(default_factory=list)
    confirmed: bool = False
    village: Any = None  # the village Region of a new person, or None (text only)

    @property
    def strength(self) -> str:
        """``participants.matching.match_strength`` of the match ("" for none)."""
        return match_strength(self.match_reasons) if self.match is not None else ""

    @property
    def reason_labels(self) -> list[str]:
        return reason_labels(self.match_reasons)

    @property
    def can_reject(self) -> bool:
        """Whether the user may refuse a proposed match (by phone, not by NIK)."""
        return self.strength == PROPOSED and self.match_reason != "nik"

    @property
    def needs_decision(self) -> bool:
        """Whether the user says "same person" or "different person" (a match on
        the name alone, or a suggestion)."""
        return self.strength in (NAME_ONLY, SUGGESTED)

    @property
    def undecided(self) -> bool:
        """A match on the name alone that the user has not decided yet."""
        return self.strength == NAME_ONLY and not (self.confirmed or self.rejected)


@dataclass
class ImportPlan:
    """Everything the preview shows and the confirm step writes."""

    training: Any
    rows: list[RowPlan]
    unknown_agencies: list[UnknownAgency]
    problems: list[Problem]
    options: ImportOptions
    skipped_rows: list[int] = field(default_factory=list)
    file_suggestions: list[FileSuggestion] = field(default_factory=list)
    #: The file's warnings (``ParsedFile.warnings``): shown, never blocking.
    warnings: list[Problem] = field(default_factory=list)
    #: The file's distinct villages and the regions they match (never blocking).
    villages: list[VillageMatch] = field(default_factory=list)

    @property
    def file_suggestions_shown(self) -> list[FileSuggestion]:
        """The first ``FILE_SUGGESTIONS_SHOWN`` suggestions, as the preview lists
        them."""
        return self.file_suggestions[:FILE_SUGGESTIONS_SHOWN]

    @property
    def file_suggestions_more(self) -> int:
        """How many suggestions the preview does not list."""
        return max(len(self.file_suggestions) - FILE_SUGGESTIONS_SHOWN, 0)

    @property
    def to_create(self) -> list[RowPlan]:
        """Rows that create a new person (including rejected matches)."""
        return [p for p in self.rows if p.action == "create"]

    @property
    def to_match(self) -> list[RowPlan]:
        """Rows with a match or suggestion, accepted or not: the preview's list."""
        return [p for p in self.rows if p.match is not None or p.rejected]

    @property
    def undecided(self) -> list[RowPlan]:
        """Rows with a match on the name alone that the user has not decided."""
        return [p for p in self.rows if p.undecided]

    @property
    def already_enrolled(self) -> list[RowPlan]:
        """Rows whose person is already enrolled: skipped."""
        return [p for p in self.rows if p.action == "enrolled"]

    @property
    def to_enrol(self) -> list[RowPlan]:
        """Rows that enrol someone, new or already in the registry."""
        return [p for p in self.rows if p.action in ("create", "match")]

    def summary(self) -> dict:
        """What the training gains: enrolments by sex, present per day, scored rows."""
        enrol = self.to_enrol
        days = defaultdict(int)
        for plan in enrol:
            for date, present in plan.row.attendance.items():
                days[date] += present
        sex = [plan.match.sex if plan.action == "match" else plan.row.sex
               for plan in enrol]  # fmt: skip
        scored = sum(bool(p.row.pre_score or p.row.post_score) for p in self.rows)
        return {**count_by_sex(sex), "days": sorted(days.items()), "scored": scored}

    def fingerprint(self) -> str:
        """A digest of what confirming would do; the confirm step compares it with
        the one the user saw, so a changed file or database asks for a new look."""
        parts = [
            f"{p.row.row}:{p.action}:{getattr(p.match, 'pk', '')}:"
            f"{getattr(p.agency, 'pk', '')}:{p.row.agency_key}"
            for p in self.rows
        ]
        parts += [f"{a.key}={a.choice}:{a.same_as}" for a in self.unknown_agencies]
        parts += [f"village {v.key}={v.code}" for v in self.villages]
        parts += [str(p) for p in self.problems]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def plan_import(
    *, training, parsed: ParsedFile, options: ImportOptions, nik_visible: bool = True
) -> ImportPlan:
    """Compare clean rows with the registry and the training, applying ``options``.

    Agencies are resolved once per distinct name (``AgencyQuerySet.resolve``:
    names, short names and aliases, preferring the training's region); a name that
    matches several agencies is a problem until the user picks one or chooses to
    create it. People are matched in bulk by
    ``ParticipantQuerySet.probable_matches``, the rule the enrol form uses too,
    taking the strongest match; a match on the name alone is a problem until the
    user decides, and a suggestion creates a new person unless confirmed. Rows of
    the file that are one person by the same rule (``same_person_in_file``)
    become one problem per row; suggestions between rows are listed, not
    blocking. Each row's village is matched with the villages of the training's
    regency (``villages.match_villages``, one query), never blocking: a village
    not found or not chosen is kept as text. A few queries per thousand rows.
    ``nik_visible`` False (a user who may not see full NIKs): rows are matched
    with the registry without their NIKs (``participants.nik_access``), and a row
    that would add a person with a NIK already taken is a problem naming no one
    (``nik_conflicts``, one more query).
    """
    rows = parsed.rows
    agencies, unknown = _resolve_agencies(training, rows, options)
    villages = match_villages(training, rows, options.village_choices)
    keys = [
        MatchKeys(
            nik=nik_for_matching(row.nik, nik_visible=nik_visible),
            phone=row.phone,
            name=row.name_key,
            agency_id=getattr(agencies.get(row.agency_key), "pk", None),
        )
        for row in rows
    ]
    matches = Participant.objects.probable_matches(keys)
    in_file = same_person_in_file(
        [
            MatchKeys(
                nik=row.nik,  # the file's own NIKs: the user typed them all
                phone=k.phone,
                name=k.name,
                agency_id=_file_agency(row.agency_key, agencies, unknown),
            )
            for row, k in zip(rows, keys, strict=True)
        ]
    )
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
    for plan in plans:
        village = villages.get(village_key(plan.row))
        plan.village = village.region if village is not None else None
    conflicts = [] if nik_visible else nik_conflicts(plans)
    problems = parsed.problems + conflicts + _duplicates(plans, in_file)
    problems += [_name_match_problem(plan) for plan in plans if plan.undecided]
    problems += import_score_problems(training, parsed)
    problems += [_agency_problem(a) for a in unknown.values() if a.needs_choice]
    return ImportPlan(
        training=training,
        rows=plans,
        unknown_agencies=list(unknown.values()),
        problems=sorted(problems, key=lambda p: (p.row or 0, p.column)),
        options=options,
        skipped_rows=parsed.skipped_rows,
        warnings=parsed.warnings,
        villages=list(villages.values()),
        file_suggestions=_file_suggestions(rows, in_file),
    )


def _file_suggestions(rows, in_file: list[FileMatch]) -> list[FileSuggestion]:
    """The suggestions among ``in_file`` (pairs of rows, ordered by the second
    row): at most ``FILE_SUGGESTIONS_PER_ROW`` for each row, the earliest. A file
    of look-alike names ("Peserta 1".."Peserta 2000") then lists a few per row,
    not every pair; ``same_person_in_file`` already bounds the pairs per row."""
    per_row: dict[int, int] = defaultdict(int)
    suggestions = []
    for m in in_file:
        if m.strength != SUGGESTED or per_row[m.second] >= FILE_SUGGESTIONS_PER_ROW:
            continue
        per_row[m.second] += 1
        suggestions.append(
            FileSuggestion(
                first_row=rows[m.first].row,
                second_row=rows[m.second].row,
                reasons=m.reasons,
            )
        )
    return suggestions


def _file_agency(key: str, agencies: dict, unknown: dict) -> Any:
    """The agency of a row as rows of one file are compared: the existing agency's
    id, else the key of the new agency it will be (following "same as"), else
    None."""
    if key in agencies:
        return agencies[key].pk
    if key in unknown:
        return ("new", unknown[key].same_as or key)
    return None


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
        create_chosen = choice == CREATE_AGENCY
        if not isinstance(choice, int) or choice not in mapped:
            choice = None
        unknown[key] = UnknownAgency(
            key=key,
            name=row.agency,
            rows=[row.row],
            choice=choice,
            candidates=candidates,
            type=guess_agency_type(row.agency),
            create_chosen=create_chosen,
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
    """The plan of one row, given its strongest ParticipantMatch (or None): a
    match by NIK or phone is taken unless rejected (not by NIK); a match on the
    name alone or a suggestion only when confirmed (a name-only match also when
    ``accept_name_matches``)."""
    if match is None:
        return RowPlan(row=row, action="create", agency=agency)
    person = match.participant
    strength = match.strength
    number = row.row
    if strength == PROPOSED:
        rejected = match.reasons[0] != "nik" and number in options.rejected_rows
        confirmed = not rejected
    else:
        confirmed = number in options.confirmed_rows or (
            strength == NAME_ONLY
            and options.accept_name_matches
            and number not in options.rejected_rows
        )
        rejected = not confirmed and number in options.rejected_rows
    action = "enrolled" if person.pk in enrolled else "match"
    return RowPlan(
        row=row,
        action=action if confirmed else "create",
        agency=agency,
        match=person,
        match_reason=match.reasons[0],
        match_reasons=list(match.reasons),
        rejected=rejected,
        confirmed=confirmed and strength != PROPOSED,
    )


def _shown_value(reason: str, row: ImportRow) -> str:
    """The value of ``row`` that a reason compares, as a message shows it (the
    NIK masked: problems are shown to every role)."""
    if reason == "nik":
        return mask_nik(row.nik)
    if reason == "phone":
        return display_phone(row.phone)
    return row.full_name


def _duplicates(plans: list[RowPlan], in_file: list[FileMatch]) -> list[Problem]:
    """One problem for each row that is the same person as an earlier row, naming
    the earliest such row and every field that matched: by the identity rule
    within the file (same NIK, same phone, same name in the same agency), or
    because both rows enrol the same registry person. Importing both would enrol
    one person twice, or create two people for one."""
    problems = {}
    for match in in_file:
        second = plans[match.second].row
        if match.strength == SUGGESTED or second.row in problems:
            continue
        fields = "; ".join(
            f"{label}: {_shown_value(reason, second)}"
            for reason, label in zip(match.reasons, match.reason_labels, strict=True)
        )
        problems[second.row] = _duplicate(second, plans[match.first].row.row, fields)
    seen_people: dict[int, RowPlan] = {}
    for plan in plans:
        if plan.action not in ("match", "enrolled"):
            continue
        first = seen_people.setdefault(plan.match.pk, plan)
        if first is not plan and plan.row.row not in problems:
            fields = gettext(
                "both are %(name)s (#%(id)s) in the registry, by %(reasons)s"
            ) % {
                "name": plan.match.full_name,
                "id": plan.match.pk,
                "reasons": ", ".join(
                    dict.fromkeys(map(str, first.reason_labels + plan.reason_labels))
                ),
            }
            problems[plan.row.row] = _duplicate(plan.row, first.row.row, fields)
    return list(problems.values())


def _duplicate(row: ImportRow, first_row: int, fields: str) -> Problem:
    return DuplicateRowProblem(
        message=gettext(
            "This is the same person as row %(row)s (%(fields)s). Remove one of the "
            "two rows, or correct the one that is wrong."
        )
        % {"row": first_row, "fields": fields},
        row=row.row,
        value=row.full_name,
        first_row=first_row,
    )


def _name_match_problem(plan: RowPlan) -> NameMatchProblem:
    """The problem of a match on the name alone that the user has not decided."""
    return NameMatchProblem(
        message=gettext(
            "Possibly the same person as %(name)s (#%(id)s) in the registry: "
            "%(reasons)s. Choose “Same person” or “Different person” for this row "
            "under the matches."
        )
        % {
            "name": plan.match.full_name,
            "id": plan.match.pk,
            "reasons": ", ".join(str(label) for label in plan.reason_labels),
        },
        row=plan.row.row,
        value=plan.row.full_name,
        participant_id=plan.match.pk,
        reasons=", ".join(str(label) for label in plan.reason_labels),
    )


def _agency_problem(unknown: UnknownAgency) -> AgencyChoiceProblem:
    """The problem of an agency name that matches several agencies."""
    candidates = tuple(
        (agency.pk, agency.name, str(agency.region or "—"))
        for agency in unknown.candidates
    )
    return AgencyChoiceProblem(
        message=gettext(
            "The agency “%(name)s” (rows %(rows)s) matches several agencies: "
            "%(list)s. Choose the one it means under “Agencies not in the list”, "
            "or choose to create a new agency."
        )
        % {
            "name": unknown.name,
            "rows": ", ".join(str(row) for row in unknown.rows),
            "list": "; ".join(
                f"{name} ({region}, #{pk})" for pk, name, region in candidates
            ),
        },
        row=unknown.rows[0],
        value=unknown.name,
        candidates=candidates,
    )
