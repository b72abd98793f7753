"""Writes of the registration desk and the public form.

``desk_open`` / ``desk_close`` / ``desk_auto_accept_set``: staff open and close a
training's public registration (idempotent: a double click changes nothing more).
``registration_submit``: what one POST of the public form stores. When a desk's
link accepts registrations: ``desk_accepting`` (open, and the training has not
ended in its own time zone: ``training_ends_at``).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.functioning import WG_FIELDS
from participants.matching import NAME_SIMILARITY_THRESHOLD, name_similarity
from participants.models import Agency
from participants.normalisation import normalise_name
from participants.services import participant_matches
from regions.timezones import timezone_of

from .consent import CONSENT_VERSION
from .forms import PERSON_FIELDS
from .models import Registration, RegistrationDesk
from .review import registration_accept

#: What a user needs to open, close and configure a training's registration desk
#: and to review its registrations: the permissions of enrolling people
#: (``trainings.views.records.TrainingEnrolView``).
DESK_PERMISSIONS = ("trainings.add_enrolment", "participants.add_participant")

#: The fields of ``Registration`` that ``registration_submit`` takes from ``data``.
SUBMITTED_FIELDS = (*PERSON_FIELDS, *WG_FIELDS)
_TEXT_FIELDS = (
    "full_name",
    "sex",
    "agency_name",
    "position",
    "phone",
    "village",
    "nik",
)


def training_ends_at(training) -> datetime.datetime:
    """The moment ``training`` ends: midnight after its last day, in the time zone
    of its region (``regions.timezones.timezone_of``), as an aware datetime."""
    zone = timezone_of(training.region)
    day_after = training.end_date + datetime.timedelta(days=1)
    return datetime.datetime.combine(day_after, datetime.time(0), tzinfo=zone)


def training_has_ended(training, *, now: datetime.datetime | None = None) -> bool:
    """Whether the last day of ``training`` is over in its own time zone."""
    return (now or timezone.now()) >= training_ends_at(training)


def desk_accepting(desk: RegistrationDesk | None, *, now=None) -> bool:
    """Whether the public link of ``desk`` takes registrations now: the desk is
    open and its training has not ended. Checked on every public request, so
    closing the desk stops the link at once."""
    return (
        desk is not None
        and desk.is_open
        and not training_has_ended(desk.training, now=now)
    )


@transaction.atomic
def desk_open(*, training, user, new_link: bool = False) -> RegistrationDesk:
    """Open the public registration of ``training`` (creating its desk the first
    time) and return the desk. Opening an open desk changes nothing (a double
    click is safe); the link keeps its token unless ``new_link``, which makes the
    old link and its printed posters stop working.

    Raises ValidationError when the training has already ended (its link would
    refuse every registration).
    """
    if training_has_ended(training):
        raise ValidationError(
            _("This training has ended, so its registration cannot be opened.")
        )
    desk, _created = RegistrationDesk.objects.get_or_create(training=training)
    desk = RegistrationDesk.objects.select_for_update().get(pk=desk.pk)
    changed = []
    if new_link:
        desk.token = RegistrationDesk._meta.get_field("token").default()
        changed.append("token")
    if not desk.is_open:
        desk.is_open = True
        desk.opened_at = timezone.now()
        changed += ["is_open", "opened_at"]
    if changed:
        desk.changed_by = user
        desk.save(update_fields=[*changed, "changed_by"])
    return desk


@transaction.atomic
def desk_close(*, training, user) -> RegistrationDesk | None:
    """Close the public registration of ``training``: its link answers "closed"
    from the next request. Closing a closed desk (or a training that never had
    one) changes nothing; returns the desk or None."""
    desk = RegistrationDesk.objects.select_for_update().filter(training=training)
    desk = desk.first()
    if desk is not None and desk.is_open:
        desk.is_open = False
        desk.closed_at = timezone.now()
        desk.changed_by = user
        desk.save(update_fields=["is_open", "closed_at", "changed_by"])
    return desk


@transaction.atomic
def desk_auto_accept_set(*, training, user, auto_accept: str) -> RegistrationDesk:
    """Set whether registrations of ``training`` are accepted without review
    (``RegistrationDesk.AutoAccept`` value), creating the desk (closed) if it
    does not exist yet. Raises ValidationError for an unknown value."""
    if auto_accept not in RegistrationDesk.AutoAccept.values:
        raise ValidationError({"auto_accept": _("Choose one of the options.")})
    desk, _created = RegistrationDesk.objects.get_or_create(training=training)
    if desk.auto_accept != auto_accept:
        desk.auto_accept = auto_accept
        desk.changed_by = user
        desk.save(update_fields=["auto_accept", "changed_by"])
    return desk


@transaction.atomic
def registration_submit(
    *,
    desk: RegistrationDesk,
    data: dict[str, Any],
    submission_token: uuid.UUID | None,
    now: datetime.datetime | None = None,
) -> Registration:
    """Store one submission of the public form of ``desk`` and return it.

    ``data`` is the form's cleaned data: the ``SUBMITTED_FIELDS`` (the phone
    already ``+62...``, the NIK 16 digits or empty, ``village_region`` a Region
    or None, WG-SS answers 1-4 or None), given consent being implied by calling.
    The typed agency is resolved to a known agency or alias when exactly one
    matches (``AgencyQuerySet.resolve``, the training's region first); no agency
    is ever created here. The identity rule's best probable match
    (``participant_matches``) is stored for staff with its strongest reason.

    Safe to submit twice: the same ``submission_token`` returns the registration
    it created; the same phone for the same training returns the registration
    already there, unchanged (the caller tells both "thank you" alike, so the
    page reveals nothing). Compare the returned ``submission_token`` with the
    one sent to know whether this submission created it.

    With ``desk.auto_accept`` "no_match_or_nik", a registration that matches
    nobody, or whose best match is by NIK with the same name
    (``_auto_accepts``), is accepted at once
    (``registrations.review.registration_accept``, linking without filling
    any field of the person); if accepting fails validation it stays waiting
    for review.
    """
    training = desk.training
    found = _submitted_before(training, submission_token, data["phone"])
    if found is not None:
        return found
    agency, _candidates = Agency.objects.resolve(data["agency_name"], training.region)
    matches = participant_matches(
        full_name=data["full_name"],
        phone=data["phone"],
        nik=data.get("nik", ""),
        agency=agency,
    )
    best = matches[0] if matches else None
    fields = {name: data.get(name) for name in SUBMITTED_FIELDS}
    for name in _TEXT_FIELDS:
        fields[name] = fields[name] or ""
    registration = Registration(
        training=training,
        agency=agency,
        consent_version=CONSENT_VERSION,
        consented_at=now or timezone.now(),
        match=best.participant if best else None,
        match_reason=best.reasons[0] if best else "",
        **fields,
    )
    if submission_token is not None:
        registration.submission_token = submission_token
    registration.full_clean(validate_unique=False, validate_constraints=False)
    stored = _store(registration, submission_token)
    if stored is not registration:
        return stored
    if _auto_accepts(desk, best, data["full_name"]):
        try:
            with transaction.atomic():
                registration_accept(
                    registration=registration,
                    user=None,
                    participant=best.participant if best else None,
                    fill_empty_fields=False,
                )
        except ValidationError:
            registration.refresh_from_db()
    return registration


def _store(registration: Registration, token) -> Registration:
    """Save the new ``registration`` (sent with submission ``token``) and return
    it, or the registration a concurrent POST with the same token or phone
    committed first. A token already used by another training (replayed to this
    desk) is replaced by a new one."""
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        found = _submitted_before(registration.training, token, registration.phone)
        if found is not None:
            return found
        if token is None:
            raise
        registration.submission_token = uuid.uuid4()
        with transaction.atomic():
            registration.save()
    return registration


def _submitted_before(training, token, phone) -> Registration | None:
    """The registration this POST already made (same token, in this training:
    a token replayed to another desk finds nothing), or the one already there
    for this phone number in this training, unless rejected (someone else may
    have typed the number first)."""
    registrations = Registration.objects.filter(training=training)
    if token is not None:
        found = registrations.filter(submission_token=token).first()
        if found is not None:
            return found
    return registrations.not_rejected().filter(phone=phone).first()


def _auto_accepts(desk: RegistrationDesk, best, full_name: str) -> bool:
    """Whether ``desk`` accepts a registration typed with ``full_name`` whose best
    probable match is ``best`` (a ParticipantMatch or None) without staff
    review: no match, or a match by NIK whose name is also the name typed
    (``name_similarity`` at least ``NAME_SIMILARITY_THRESHOLD``). A NIK with
    another name waits for staff: anyone may type someone else's NIK."""
    if desk.auto_accept != RegistrationDesk.AutoAccept.NO_MATCH_OR_NIK:
        return False
    if best is None:
        return True
    if best.reasons[0] != "nik":
        return False
    similarity = name_similarity(
        normalise_name(full_name), best.participant.normalised_name
    )
    return similarity >= NAME_SIMILARITY_THRESHOLD
