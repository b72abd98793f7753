"""Staff review of self-registrations: accept (as a new person or linked to the
person already in the registry), reject, accept in bulk.

Accepting a registration is the one way a self-registered person enters the
registry and the training: the training's numbers count enrolments, so they count
accepted registrations only. Every accept runs in one transaction under the
registry lock (``participants.services.registry_lock``, the lock every door that
adds people takes), with the registration's row locked (``select_for_update``):
two staff accepting at once, or a double click, accept once; the second finds it
accepted and does nothing.

The identity rule (``participants.matching``) is asked again at accept time: the
match shown to staff (``Registration.match``, found at submission) may be out of
date. A new person is refused (``RegistrationNeedsDecision``) when the registry
now holds someone with the same NIK (the same person: link instead) or a probable
match other than the one staff saw; ``registration_match_refresh`` then stores
the new match so the review list shows it.

Linking to an existing person never overwrites what the registry holds. Only
staff deciding on that one registration ("same person (link)") fill the
person's empty fields (NIK, phone, position, agency, village, sex, the WG-SS
answers when none was recorded) from it; a link without a decision on the row
(auto-accept, bulk accept: what an anonymous visitor typed, maybe with someone
else's NIK) only enrols the person, writing nothing of theirs. A registration
whose NIK differs from the person's is refused (two NIKs are two people).

This module must not import ``registrations.services`` (the public form's
services import it, for auto-accept).
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Func, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.functioning import WG_FIELDS, WG_NOT_ASKED
from participants.matching import (
    MATCH_REASONS,
    MatchKeys,
    ParticipantMatch,
)
from participants.models import Agency, Participant
from participants.nik_access import may_see_nik, nik_for_matching
from participants.normalisation import normalise_name
from participants.services import (
    agency_create,
    participant_create,
    participant_matches,
    participant_update,
    registry_lock,
)
from trainings.models import Enrolment, Training
from trainings.services import enrolment_create

from .checkin import checkins_apply
from .models import Registration

#: How long a rejected registration is kept (for the record: who asked, who
#: decided) before the clean-up deletes it: the days after the training's last day.
#: A proposal (issue 14 says nothing): long enough for the end-of-training report
#: and a question from the person, short enough not to keep personal data of
#: people who are not participants (UU PDP No. 27/2022, data minimisation).
REJECTED_KEPT_DAYS = 90


class RegistrationNeedsDecision(ValidationError):
    """A registration cannot be accepted as a new person without a staff decision:
    the registry holds someone with the same NIK, or a probable match staff have
    not seen, or the agency typed matches no agency (staff choose or create it).
    ``code`` is ``"match"`` or ``"agency"``."""


def match_reason_keys(registration: Registration) -> list[str]:
    """The ``MATCH_REASONS`` keys stored in ``registration.match_reason`` (one key,
    or several separated by commas or spaces), unknown ones left out."""
    text = registration.match_reason.replace(",", " ")
    return [key for key in text.split() if key in MATCH_REASONS]


@dataclass
class ShownMatch:
    """The probable match a user is shown for a registration: the registry
    ``participant`` (agency loaded), ``reasons`` (``MATCH_REASONS`` keys,
    strongest first) and ``trainings``, the number of trainings they are
    enrolled in."""

    participant: Participant
    reasons: list[str]
    trainings: int


def nik_visible_for(user) -> bool:
    """Whether the identity rule may use the NIK typed in a registration when
    ``user`` decides on it: a user who may see full NIKs, or None (accepted
    automatically, no one is shown anything)."""
    return user is None or may_see_nik(user)


def review_matches(registrations, *, nik_visible: bool) -> dict[int, ShownMatch]:
    """``{registration pk: ShownMatch}`` for the registrations (an iterable of
    Registration) that have a probable match as a user is shown it.

    ``nik_visible`` (``nik_visible_for``): the match stored when the public form
    was sent (``Registration.match``, found with the NIK typed; its training count
    is ``match_trainings`` when loaded by ``for_review``), no query. Otherwise the
    identity rule is asked again without the NIK (``nik_for_matching``), for all
    the registrations in one query (per ``lookup_chunk()`` values), the match and
    its reasons then being the same whatever NIK was typed: a NIK typed in the
    public form cannot be confirmed or paired with its holder (issue 17)."""
    registrations = list(registrations)
    if nik_visible:
        return {
            r.pk: ShownMatch(
                participant=r.match,
                reasons=match_reason_keys(r),
                trainings=getattr(r, "match_trainings", None) or 0,
            )
            for r in registrations
            if r.match_id is not None
        }
    keys = [_keys(r) for r in registrations]
    trainings = (
        Enrolment.objects.filter(participant=OuterRef("pk"))
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    people = Participant.objects.annotate(
        review_trainings=Subquery(trainings, output_field=models.IntegerField())
    )
    found = people.probable_matches(keys) if keys else []
    return {
        r.pk: ShownMatch(
            participant=matches[0].participant,
            reasons=matches[0].reasons,
            trainings=matches[0].participant.review_trainings or 0,
        )
        for r, matches in zip(registrations, found, strict=True)
        if matches
    }


def _keys(registration: Registration) -> MatchKeys:
    """The registration's ``MatchKeys`` without the NIK (the phone is stored
    normalised, +62...)."""
    return MatchKeys(
        phone=registration.phone,
        name=normalise_name(registration.full_name),
        agency_id=registration.agency_id,
    )


def agency_needs_choice(registration: Registration) -> bool:
    """Whether the agency typed matched no known agency (staff must choose one or
    create it before a new person is added)."""
    return registration.agency_id is None and bool(registration.agency_name.strip())


@transaction.atomic
def registration_accept(
    *,
    registration: Registration,
    user,
    participant: Participant | None = None,
    agency: Agency | None = None,
    new_agency_name: str = "",
    new_agency_type: str = Agency.Type.OTHER,
    fill_empty_fields: bool = True,
) -> Registration:
    """Accept ``registration``: add a new person to the registry (``participant``
    None) or link it to ``participant``, enrol them in the training (an existing
    enrolment is kept), mark the registration accepted by ``user`` (None: accepted
    automatically), and mark attendance present on the days it checked in.

    For a new person the agency is ``agency``, else a new agency
    ``new_agency_name`` of type ``new_agency_type`` (created in the training's
    region), else the one the typed name resolved to. Returns the registration
    as saved. ``fill_empty_fields`` False: a link only enrols the person (no
    staff decision on this row, see the module docstring). Accepting an
    accepted registration does nothing (a double click,
    two staff at once) and returns it; a rejected one may be accepted.

    A ``user`` who may not see full NIKs (``nik_visible_for``) decides on the
    match shown to them (``review_matches``, found without the NIK): a link
    is not refused when her NIK is not the one typed (that would confirm it),
    and a new person whose NIK is taken is refused with the general "Another
    participant already has this NIK.", naming no one.

    Raises ``RegistrationNeedsDecision`` (nothing written) when a new person needs
    a decision (see the module docstring), ValidationError for invalid values
    (e.g. the NIKs of the registration and the person differ).
    """
    registration, _accepted_now = _accept(
        registration=registration,
        user=user,
        participant=participant,
        agency=agency,
        new_agency_name=new_agency_name,
        new_agency_type=new_agency_type,
        fill_empty_fields=fill_empty_fields,
    )
    return registration


def _accept(
    *,
    registration: Registration,
    user,
    participant: Participant | None,
    agency: Agency | None,
    new_agency_name: str = "",
    new_agency_type: str = Agency.Type.OTHER,
    fill_empty_fields: bool = True,
) -> tuple[Registration, bool]:
    """``registration_accept``; also says whether it was accepted by this call
    (False: it was already accepted)."""
    registry_lock()
    registration = _locked(registration)
    if registration.status == Registration.Status.ACCEPTED:
        return registration, False
    if new_agency_name:
        agency = agency_create(
            name=new_agency_name,
            type=new_agency_type,
            region=registration.training.region,
        )
    nik_visible = nik_visible_for(user)
    if participant is None:
        participant = _new_participant(registration, agency, nik_visible=nik_visible)
    else:
        _link(
            registration,
            participant,
            agency,
            fill=fill_empty_fields,
            nik_visible=nik_visible,
        )
    registration.enrolment = _enrolment(registration.training, participant)
    registration.participant = participant
    registration.status = Registration.Status.ACCEPTED
    registration.reviewed_by = user
    registration.reviewed_at = timezone.now()
    registration.save(
        update_fields=[
            "status",
            "participant",
            "enrolment",
            "reviewed_by",
            "reviewed_at",
        ]
    )
    checkins_apply(registration)
    return registration, True


@transaction.atomic
def registration_reject(*, registration: Registration, user) -> Registration:
    """Reject ``registration`` (kept for the record until the clean-up, see
    ``REJECTED_KEPT_DAYS``); rejecting a rejected one does nothing. Raises
    ValidationError when it was accepted: the person is enrolled, and is removed
    from the training on the training's page."""
    registration = _locked(registration)
    if registration.status == Registration.Status.REJECTED:
        return registration
    if registration.status == Registration.Status.ACCEPTED:
        raise ValidationError(
            _(
                "%(name)s was already accepted. To undo it, remove the person "
                "from the training on the training's page."
            )
            % {"name": registration.full_name},
            code="accepted",
        )
    registration.status = Registration.Status.REJECTED
    registration.reviewed_by = user
    registration.reviewed_at = timezone.now()
    registration.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return registration


@transaction.atomic
def registration_match_refresh(*, registration: Registration) -> Registration:
    """Store the identity rule's best match in the registry now (or none) as the
    registration's ``match`` and ``match_reason`` (its reasons, comma-separated),
    for the review list; after a ``RegistrationNeedsDecision``."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    best = _best_match(registration, registration.agency)
    registration.match = best.participant if best else None
    registration.match_reason = ",".join(best.reasons)[:20] if best else ""
    registration.save(update_fields=["match", "match_reason"])
    return registration


@dataclass
class BulkAcceptResult:
    """What ``registrations_accept_bulk`` did: registrations ``accepted`` now,
    ``already`` decided before (accepted or rejected, left alone),
    ``needs_decision`` (a probable match other than by NIK, or an agency to
    choose: left waiting) and ``failed`` (registration, messages)."""

    accepted: list[Registration] = field(default_factory=list)
    already: list[Registration] = field(default_factory=list)
    needs_decision: list[Registration] = field(default_factory=list)
    failed: list[tuple[Registration, list[str]]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """``{"accepted", "already", "needs_decision", "failed"}`` numbers."""
        return {
            "accepted": len(self.accepted),
            "already": len(self.already),
            "needs_decision": len(self.needs_decision),
            "failed": len(self.failed),
        }


def registrations_accept_bulk(*, registrations, user) -> BulkAcceptResult:
    """Accept each of ``registrations`` (an iterable of Registration) that can be
    without a decision, each in its own transaction (one that fails leaves the
    others accepted): one matching a registry person by NIK is linked to that
    person (enrolled only: no field of theirs is filled); one with another
    probable match (phone, name) or an agency typed that matches none is left
    waiting (``needs_decision``); the others become new
    people. Registrations already accepted or rejected are left alone. The
    matches are those ``user`` is shown (``review_matches``): for a user who may
    not see full NIKs, found without the NIK, so none is by NIK and every
    registration with a match waits for a decision."""
    result = BulkAcceptResult()
    registrations = list(registrations)
    shown = review_matches(registrations, nik_visible=nik_visible_for(user))
    for registration in registrations:
        if registration.status != Registration.Status.NEW:
            result.already.append(registration)
            continue
        match = shown.get(registration.pk)
        by_nik = match is not None and "nik" in match.reasons
        if not by_nik and (match or agency_needs_choice(registration)):
            result.needs_decision.append(registration)
            continue
        try:
            with transaction.atomic():
                accepted, now = _accept(
                    registration=registration,
                    user=user,
                    participant=match.participant if by_nik else None,
                    agency=None,
                    fill_empty_fields=False,
                )
        except RegistrationNeedsDecision:
            registration_match_refresh(registration=registration)
            result.needs_decision.append(registration)
        except ValidationError as error:
            result.failed.append((registration, error.messages))
        else:
            (result.accepted if now else result.already).append(accepted)
    return result


def _locked(registration: Registration) -> Registration:
    """The registration read again with its row locked until the transaction ends
    (PostgreSQL; SQLite writes one transaction at a time anyway)."""
    return (
        Registration.objects.select_for_update(of=("self",))
        .select_related("training__region", "agency")
        .get(pk=registration.pk)
    )


def _best_match(
    registration: Registration, agency: Agency | None, *, nik_visible: bool = True
) -> ParticipantMatch | None:
    """The identity rule's best match now for the registration with ``agency``;
    without its NIK unless ``nik_visible``."""
    matches = participant_matches(
        full_name=registration.full_name,
        phone=registration.phone,
        nik=nik_for_matching(registration.nik, nik_visible=nik_visible),
        agency=agency,
    )
    return matches[0] if matches else None


def _new_participant(
    registration: Registration, agency: Agency | None, *, nik_visible: bool
) -> Participant:
    """A new registry person from the registration's fields, after the identity
    rule is asked again (see the module docstring), without the NIK unless
    ``nik_visible`` (then the match seen is the one found without it, and a NIK
    taken gets the general notice)."""
    if agency is None:
        if agency_needs_choice(registration):
            raise RegistrationNeedsDecision(
                _(
                    "No agency is called “%(name)s”: choose an agency or create "
                    "it before accepting."
                )
                % {"name": registration.agency_name},
                code="agency",
            )
        agency = registration.agency
    best = _best_match(registration, agency, nik_visible=nik_visible)
    seen = registration.match_id
    if not nik_visible:
        seen = best.participant.pk if best else None
        if agency != registration.agency:
            as_shown = _best_match(registration, registration.agency, nik_visible=False)
            seen = as_shown.participant.pk if as_shown else None
    if best is not None and "nik" in best.reasons:
        # Names no one: the page may be a programme staff member's, who may not
        # learn whose a NIK is (participants.nik_access).
        raise RegistrationNeedsDecision(
            _(
                "Someone in the registry has the same NIK, so this is not a new "
                "person. Link the registration to them, or reject it."
            ),
            code="match",
        )
    if best is not None and best.participant.pk != seen:
        raise RegistrationNeedsDecision(
            _(
                "%(name)s was found in the registry (%(reasons)s): decide whether "
                "this is the same person."
            )
            % {
                "name": best.participant.full_name,
                "reasons": ", ".join(str(label) for label in best.reason_labels),
            },
            code="match",
        )
    if registration.nik and Participant.objects.filter(nik=registration.nik).exists():
        # Only reached without the NIK (a match by it was refused above).
        raise ValidationError(
            _("Another participant already has this NIK."), code="unique"
        )
    fields = {name: getattr(registration, name) for name in WG_FIELDS}
    return participant_create(
        agency=agency,
        full_name=registration.full_name,
        sex=registration.sex,
        position=registration.position,
        phone=registration.phone,
        nik=registration.nik,
        village_region=registration.village_region,
        village=registration.village,
        disability=registration.wg_disability,
        **fields,
    )


def _link(
    registration: Registration,
    participant: Participant,
    agency: Agency | None,
    *,
    fill: bool,
    nik_visible: bool = True,
) -> None:
    """Refuse a registration whose NIK is not ``participant``'s; with ``fill``,
    fill the person's empty fields from the registration (never overwriting).
    Without ``nik_visible`` the NIKs are not compared: whether the NIK typed is
    hers must not show (an empty NIK of hers is still filled when no one else
    has the NIK typed; a NIK taken may be told, never by whom)."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    differs = (
        registration.nik and participant.nik and registration.nik != participant.nik
    )
    if nik_visible and differs:
        raise ValidationError(
            _(
                "The NIK of this registration is not the NIK of %(name)s: two "
                "NIKs are two people. Accept it as a new person."
            )
            % {"name": participant.full_name},
            code="nik",
        )
    if not fill:
        return
    changed = False
    empty_fields = {
        "nik": registration.nik,
        "phone": registration.phone,
        "position": registration.position,
        "sex": registration.sex,
    }
    others = Participant.objects.filter(nik=registration.nik).exclude(pk=participant.pk)
    if registration.nik and others.exists():
        empty_fields.pop("nik")
    for name, value in empty_fields.items():
        if value and not getattr(participant, name):
            setattr(participant, name, value)
            changed = True
    if participant.agency_id is None and (agency or registration.agency):
        participant.agency = agency or registration.agency
        changed = True
    no_village = participant.village_region_id is None and not participant.village
    if no_village and (registration.village_region_id or registration.village):
        participant.village_region = registration.village_region
        participant.village = registration.village
        changed = True
    if (
        participant.wg_disability == WG_NOT_ASKED
        and registration.wg_disability != WG_NOT_ASKED
    ):
        for name in WG_FIELDS:
            setattr(participant, name, getattr(registration, name))
        if participant.disability == Participant.Disability.NOT_ASKED:
            participant.disability = registration.wg_disability
        changed = True
    if changed:
        participant_update(participant=participant)


def _enrolment(training: Training, participant: Participant) -> Enrolment:
    """The person's enrolment in the training: the existing one, else a new one
    in the participant role."""
    existing = Enrolment.objects.filter(
        training=training, participant=participant
    ).first()
    if existing is not None:
        return existing
    return enrolment_create(training=training, participant=participant)


def rejected_registrations_clean_up(now=None) -> dict[str, int]:
    """Delete rejected registrations of trainings whose last day was more than
    ``REJECTED_KEPT_DAYS`` days before ``now`` (their check-ins go with them).
    A hook of ``manage.py jobs_clean_up`` (setting ``JOBS_CLEAN_UP_HOOKS``);
    returns ``{"rejected_registrations_deleted": n}``."""
    today = timezone.localdate(now or timezone.now())
    cutoff = today - datetime.timedelta(days=REJECTED_KEPT_DAYS)
    deleted = (
        Registration.objects.filter(
            status=Registration.Status.REJECTED, training__end_date__lt=cutoff
        )
        .only("pk")
        .delete()
    )
    return {
        "rejected_registrations_deleted": deleted[1].get(Registration._meta.label, 0)
    }
