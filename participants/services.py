"""Writes to the participant registry, and the duplicate check that guards them.

A person is never merged silently: ``participant_matches`` lists the people who are
probably the same, and the caller (a page, an import) lets a human choose.
"""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext_lazy as _

from regions.models import Region
from setara.history import deleted_row, reinsert

from .matching import MatchKeys, ParticipantMatch
from .models import Agency, Participant, ParticipantMerge
from .normalisation import (
    NIK_RE,
    InvalidPhoneNumber,
    collapse_whitespace,
    normalise_name,
    normalise_phone,
)

#: The most matches a form shows for one person.
MAX_SHOWN_MATCHES = 20


#: The PostgreSQL advisory lock taken by every door that adds people (any 64-bit
#: number no other code uses; this one spells the Maros regency code 73.09).
REGISTRY_LOCK_KEY = 7309_0000_0001


def registry_lock() -> None:
    """Wait for, then hold until the current transaction ends, the lock that lets
    one door at a time decide who is already in the registry and add people.

    Every door that adds people (the enrol page's new person, an import confirm,
    the command line import) takes it before it looks for probable matches, so
    two of them adding the same person at the same moment cannot both miss each
    other: the second sees the first's person. PostgreSQL: a transaction-level
    advisory lock (``pg_advisory_xact_lock``), which needs an open transaction
    (``ATOMIC_REQUESTS`` or ``transaction.atomic``). SQLite runs one writing
    transaction at a time anyway; nothing is done there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REGISTRY_LOCK_KEY])


def participant_matches(
    *,
    full_name: str = "",
    phone: str = "",
    nik: str = "",
    agency: Agency | None = None,
    exclude_pk: int | None = None,
) -> list[ParticipantMatch]:
    """Existing participants who are probably the person typed into a form, in one
    query (none when there is nothing to compare).

    The rule is ``ParticipantQuerySet.probable_matches``: the same NIK; or the same
    phone number once normalised (+62...); or the same name ignoring case, spacing
    and titles (Hj., Dra., S.Pd) within the same agency; then, as suggestions
    (``ParticipantMatch.is_suggestion``), the same name with another agency or
    none, and a close spelling in the same agency; never a person with another
    NIK, nor an erased person by phone or name. A phone that cannot be
    normalised and a NIK that is not 16 digits are ignored. Returns at most
    ``MAX_SHOWN_MATCHES``, strongest reason first; ``exclude_pk`` leaves out the
    person being edited.
    """
    nik = (nik or "").strip()
    try:
        phone = normalise_phone(phone)
    except InvalidPhoneNumber:
        phone = ""
    keys = MatchKeys(
        nik=nik if re.fullmatch(NIK_RE, nik) else "",
        phone=phone,
        name=normalise_name(full_name),
        agency_id=agency.pk if agency is not None else None,
    )
    people = Participant.objects.all()
    if exclude_pk is not None:
        people = people.exclude(pk=exclude_pk)
    [matches] = people.probable_matches([keys])
    return matches[:MAX_SHOWN_MATCHES]


def agency_create(
    *,
    name: str,
    type: str = Agency.Type.OTHER,
    region: Region | None = None,
) -> Agency:
    """Create an agency; raises ValidationError, on ``name`` and naming the
    existing agency, when another agency of ``region`` (or, without a region,
    another agency without one) has the name once normalised (``normalise_key``:
    case, spacing, punctuation, invisible characters), also when a concurrent
    request created it first; or when a field is invalid. Its one write runs in
    its own transaction (a savepoint inside the caller's), so a name taken
    meanwhile leaves the caller's transaction usable."""
    agency = Agency(name=collapse_whitespace(name), type=type, region=region)
    agency.full_clean()
    try:
        with transaction.atomic():
            agency.save()
    except IntegrityError:
        existing = agency.same_name_agency()
        if existing is None:
            raise
        message = Agency.duplicate_message(existing)
        raise ValidationError(
            {"name": ValidationError(message, code="duplicate_name")}
        ) from None
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


@transaction.atomic
def participant_restore(*, history_id: int, user) -> Participant:
    """Bring back the participant deleted in history row ``history_id`` with the
    original id; ValidationError when it exists again, another person has taken
    its NIK meanwhile, or it was merged into another record (its trainings are
    there: only undoing the merge brings it back whole)."""
    row = deleted_row(Participant, history_id)
    merge = ParticipantMerge.objects.standing().filter(duplicate_id=row.id).first()
    if merge is not None:
        raise ValidationError(
            _(
                "This record was merged into #%(id)s. To bring it back with its "
                "trainings, undo that merge under “Merges made”."
            )
            % {"id": merge.survivor_number}
        )
    row.instance.full_clean()
    [participant] = reinsert(Participant, [row], user)
    return participant
