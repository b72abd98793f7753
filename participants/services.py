"""Writes to the participant registry, and the duplicate check that guards them.

A person is never merged silently: ``participant_matches`` lists the people who are
probably the same, and the caller (a page, an import) lets a human choose.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from regions.models import Region

from .models import Agency, ExportLog, Participant
from .normalisation import (
    InvalidPhoneNumber,
    collapse_whitespace,
    normalise_name,
    normalise_phone,
)

#: Why a registry entry is offered as the same person; values are shown to users.
MATCH_REASONS = {
    "nik": _("same NIK"),
    "phone": _("same phone number"),
    "name": _("same name in the same agency"),
}


@dataclass
class ParticipantMatch:
    """An existing participant who is probably the person being entered.

    ``reasons`` holds keys of ``MATCH_REASONS`` ("nik", "phone", "name"), strongest
    first.
    """

    participant: Participant
    reasons: list[str] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [MATCH_REASONS[reason] for reason in self.reasons]


def participant_matches(
    *,
    full_name: str = "",
    phone: str = "",
    nik: str = "",
    agency: Agency | None = None,
    exclude_pk: int | None = None,
) -> list[ParticipantMatch]:
    """Existing participants who are probably the same person, in one query.

    A match is the same NIK; or the same phone number once normalised (+62...); or
    the same name ignoring case, spacing and titles (Hj., Dra., S.Pd) within the same
    agency. A phone that cannot be normalised is compared as typed. Returns at most
    20 matches, strongest reason first; ``exclude_pk`` leaves out the person being
    edited.
    """
    nik = (nik or "").strip()
    try:
        phone = normalise_phone(phone)
    except InvalidPhoneNumber:
        phone = ""
    key = normalise_name(full_name)
    conditions = Q()
    if nik:
        conditions |= Q(nik=nik)
    if phone:
        conditions |= Q(phone=phone)
    if key and agency is not None:
        conditions |= Q(normalised_name=key, agency=agency)
    if not conditions:
        return []
    candidates = Participant.objects.filter(conditions).select_related("agency")
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    matches = []
    for candidate in candidates[:20]:
        reasons = []
        if nik and candidate.nik == nik:
            reasons.append("nik")
        if phone and candidate.phone == phone:
            reasons.append("phone")
        same_agency = agency is not None and candidate.agency_id == agency.pk
        if same_agency and candidate.normalised_name == key:
            reasons.append("name")
        matches.append(ParticipantMatch(participant=candidate, reasons=reasons))
    strength = {"nik": 0, "phone": 1, "name": 2}
    matches.sort(key=lambda m: (strength[m.reasons[0]], m.participant.full_name))
    return matches


@transaction.atomic
def agency_create(
    *,
    name: str,
    type: str = Agency.Type.OTHER,
    region: Region | None = None,
) -> Agency:
    """Create an agency; raises ValidationError if the name is taken in the region
    (ignoring case) or a field is invalid."""
    agency = Agency(name=collapse_whitespace(name), type=type, region=region)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def participant_create(*, agency: Agency | None = None, **fields) -> Participant:
    """Create a participant from model field values (``full_name``, ``sex``,
    ``phone``...); the phone is stored as +62..., and ValidationError is raised for
    invalid values or a NIK another participant already has."""
    participant = Participant(agency=agency, **fields)
    participant.full_clean()
    participant.save()
    return participant


@transaction.atomic
def participant_delete(*, participant: Participant) -> None:
    """Delete a participant who has no enrolments.

    Raises ValidationError when the person is enrolled in any training: their
    attendance is part of the programme's reports, so the enrolments must be removed
    first, one by one, on the training pages.
    """
    if participant.enrolments.exists():
        raise ValidationError(
            _(
                "%(name)s is enrolled in trainings and cannot be deleted. Remove "
                "the enrolments first."
            )
            % {"name": participant.full_name}
        )
    participant.delete()


@transaction.atomic
def participant_update(
    *,
    participant: Participant,
    new_agency_name: str = "",
    new_agency_type: str = Agency.Type.OTHER,
    region: Region | None = None,
) -> Participant:
    """Save changes to a participant, first creating the agency ``new_agency_name``
    (in ``region``) when given; raises ValidationError for invalid values, and then
    nothing is written."""
    if new_agency_name:
        participant.agency = agency_create(
            name=new_agency_name, type=new_agency_type, region=region
        )
    participant.full_clean()
    participant.save()
    return participant


@dataclass
class ParticipantsImportResult:
    """What a confirmed import wrote: people created, existing people enrolled,
    rows skipped as already enrolled, agencies created, attendance rows."""

    created: int = 0
    matched: int = 0
    already_enrolled: int = 0
    agencies_created: int = 0
    attendance: int = 0


def _bulk_create(model, objs: list, *, user=None) -> list:
    """``bulk_create``, plus one history row per object (in bulk too) when the
    model keeps a django-simple-history history, so imported people, enrolments
    and attendance have a "created" entry like those entered by hand."""
    from simple_history.exceptions import NotHistoricalModelError
    from simple_history.utils import (
        bulk_create_with_history,
        get_history_manager_for_model,
    )

    try:
        get_history_manager_for_model(model)
    except NotHistoricalModelError:
        return model.objects.bulk_create(objs)
    return bulk_create_with_history(objs, model, default_user=user)


@transaction.atomic
def participants_import(*, training, plan, user=None) -> ParticipantsImportResult:
    """Write an import plan (``participants.importing.plan_import``) in one
    transaction: the new agencies, aliases for agencies the user mapped, the new
    people, their enrolments in ``training`` and their attendance per day.

    People already enrolled are skipped and existing people are not changed.
    ``user`` (who imports) is recorded in the history rows, if the models keep
    one. Raises ValidationError, writing nothing, when the plan has any problem. Rows
    are written with ``bulk_create`` (a few queries per thousand rows) after
    ``clean_fields``; the constraints ``full_clean`` would check one query per row
    (unique NIK, unique enrolment) are checked by the plan in bulk and enforced by
    the database.
    """
    from trainings.models import Attendance, Enrolment

    from .models import AgencyAlias

    if plan.problems:
        raise ValidationError([str(problem) for problem in plan.problems])
    if plan.training.pk != training.pk:
        raise ValidationError(_("This import was prepared for another training."))
    result = ParticipantsImportResult(already_enrolled=len(plan.already_enrolled))

    new_agencies = {}
    aliases = {}  # unknown agency key -> (agency id, name)
    for unknown in plan.unknown_agencies:
        if unknown.choice is None and not unknown.same_as:
            new_agencies[unknown.key] = agency_create(
                name=unknown.name, type=unknown.type, region=training.region
            )
    result.agencies_created = len(new_agencies)
    for unknown in plan.unknown_agencies:
        if unknown.same_as:
            new_agencies[unknown.key] = new_agencies[unknown.same_as]
            aliases[unknown.key] = (new_agencies[unknown.key].pk, unknown.name)
        elif unknown.choice is not None:
            aliases[unknown.key] = (unknown.choice, unknown.name)
    taken = set(
        AgencyAlias.objects.filter(normalised_name__in=list(aliases)).values_list(
            "normalised_name", flat=True
        )
    )
    for key, (agency_id, name) in aliases.items():
        if key not in taken:
            AgencyAlias(agency_id=agency_id, name=name).save()

    people = []
    for row_plan in plan.to_create:
        row = row_plan.row
        person = Participant(
            full_name=row.full_name,
            normalised_name=normalise_name(row.full_name),
            sex=row.sex,
            agency=row_plan.agency or new_agencies.get(row.agency_key),
            position=row.position,
            phone=row.phone,
            nik=row.nik,
            village=row.village,
            email=row.email,
            birth_date=row.birth_date,
            birth_year=row.birth_date.year if row.birth_date else None,
        )
        # The agency comes from the plan; validating it would cost a query a row.
        person.clean_fields(exclude=["agency"])
        people.append(person)
    _bulk_create(Participant, people, user=user)
    result.created = len(people)

    enrol = plan.to_enrol
    created_people = iter(people)
    enrolments = []
    for row_plan in enrol:
        if row_plan.action == "create":
            participant = next(created_people)
        else:
            participant = row_plan.match
            result.matched += 1
        enrolments.append(Enrolment(training=training, participant=participant))
    _bulk_create(Enrolment, enrolments, user=user)
    attendance = [
        Attendance(enrolment=enrolment, date=date, present=present)
        for enrolment, row_plan in zip(enrolments, enrol, strict=True)
        for date, present in sorted(row_plan.row.attendance.items())
    ]
    _bulk_create(Attendance, attendance, user=user)
    result.attendance = len(attendance)
    return result


# Export log (issue 7)
# ------------------------------------------------------------------------------
def export_log_filters(query, url_kwargs: dict | None = None) -> dict:
    """The filters of an export request as a JSON-ready dict: ``url_kwargs`` (the
    URL's arguments, such as the training's ``pk`` and the ``fmt``) as strings, then
    ``query`` (a ``QueryDict``, ``request.GET``): a key with one value maps to that
    string, a repeated key to the list of its values; empty values are left out."""
    filters = {key: str(value) for key, value in (url_kwargs or {}).items()}
    for key, values in query.lists():
        values = [value for value in values if value != ""]
        if values:
            filters[key] = values[0] if len(values) == 1 else values
    return filters


@transaction.atomic
def export_log_record(*, user, export: str, filters: dict, row_count: int):
    """Record that ``user`` exported ``row_count`` rows of personal data through
    ``export`` (a URL name such as ``trainings:report_participants``, or an admin
    action) with ``filters`` (see ``export_log_filters``).

    Every export that holds names, phone numbers, NIK or birth dates calls this in
    the request that builds the file, so the row and the file stand or fall
    together. Returns the saved ``ExportLog``; raises ``ValidationError`` for an
    empty ``export`` or a negative ``row_count``.
    """
    entry = ExportLog(user=user, export=export, filters=filters, row_count=row_count)
    entry.full_clean()
    entry.save()
    return entry
