"""Issuing and revoking certificates (HackSoft-style services: keyword-only,
atomic, the rule checked inside the write).

- ``certificate_issue``: one participant's certificate; issuing again (a double
  click) returns the certificate already issued; someone who does not qualify is
  refused with the reasons (``CertificateRefused``).
- ``certificates_issue_qualifying``: every qualifying participant of a training
  who has none yet, in one transaction (the "all as one PDF" button).
- ``certificate_revoke``: withdraw a certificate, with a reason; kept in the
  history.
- ``certificates_withdraw_erased``: a person's data erased on request
  (``setara.privacy.participant_erase``): their certificates are revoked and the
  printed name removed, also from the history.

Serial numbers are given per training under a lock on the training's row, so
two people issuing at once get consecutive numbers (the unique ``number`` is the
last guard).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from setara.text import clean_multiline_text
from trainings.models import Enrolment, Training

from .eligibility import enrolment_eligibility, training_eligibility
from .models import Certificate, number_prefix


class CertificateRefused(ValidationError):
    """Raised by ``certificate_issue`` for someone who does not qualify;
    ``messages[0]`` names them and says why, in the active language."""


def certificate_number(training: Training, serial: int) -> str:
    """The printed number of the ``serial``-th certificate of ``training``:
    programme, year of the training, the training's number (4 digits at least)
    and the serial (3 digits at least), such as ``SETARA/2023/0042/007``."""
    prefix = number_prefix(training.programme)
    return f"{prefix}/{training.start_date.year}/{training.pk:04d}/{serial:03d}"


def _lock_training(training_id: int) -> Training:
    """The training's row, locked until the transaction ends (serials are given
    one writer at a time); ``ValidationError`` when it is gone."""
    training = Training.objects.select_for_update().filter(pk=training_id).first()
    if training is None:
        raise ValidationError(_("The training was deleted."))
    return training


def _next_serial(training: Training) -> int:
    last = Certificate.objects.of_training(training).aggregate(last=Max("serial"))
    return (last["last"] or 0) + 1


@transaction.atomic
def certificate_issue(*, enrolment: Enrolment, user, now=None) -> Certificate:
    """Issue the certificate of ``enrolment`` by ``user`` (at ``now``, default
    the current time) and return it.

    Safe to call twice: when the enrolment already has a certificate that is not
    revoked, that one is returned and nothing is written. Raises
    ``CertificateRefused`` (a ``ValidationError``) when the enrolment does not
    meet its training's rule (``certificates.eligibility``), is not in the
    participant role, or the person's data was erased.
    """
    training = _lock_training(enrolment.training_id)
    existing = Certificate.objects.valid().filter(enrolment_id=enrolment.pk).first()
    if existing is not None:
        return existing
    enrolment = (
        Enrolment.objects.select_related("participant", "training")
        .filter(pk=enrolment.pk)
        .first()
    )
    if enrolment is None:
        raise CertificateRefused(_("This person is no longer enrolled."))
    eligibility = enrolment_eligibility(enrolment)
    if not eligibility.qualifies:
        raise CertificateRefused(
            _("%(name)s does not qualify for a certificate: %(reasons)s.")
            % {
                "name": enrolment.participant.full_name,
                "reasons": "; ".join(eligibility.reasons),
            },
            code="not_qualified",
        )
    serial = _next_serial(training)
    certificate = Certificate(
        enrolment=enrolment,
        serial=serial,
        number=certificate_number(training, serial),
        name=enrolment.participant.full_name,
        issued_at=now or timezone.now(),
        issued_by=user,
    )
    certificate.full_clean()
    certificate._history_user = user
    certificate.save()
    return certificate


@transaction.atomic
def certificates_issue_qualifying(*, training: Training, user, now=None) -> int:
    """Issue a certificate to every participant of ``training`` who qualifies and
    has none that is valid, by ``user``, in a few queries whatever their number
    (serials in the order of their names). Returns how many were issued (0 when
    everyone who qualifies already has one)."""
    training = _lock_training(training.pk)
    _rule, rows = training_eligibility(training)
    holders = set(
        Certificate.objects.of_training(training)
        .valid()
        .values_list("enrolment_id", flat=True)
    )
    serial = _next_serial(training)
    issued_at = now or timezone.now()
    certificates = []
    for row in rows:
        if not row.qualifies or row.enrolment.pk in holders:
            continue
        certificates.append(
            Certificate(
                enrolment=row.enrolment,
                serial=serial,
                number=certificate_number(training, serial),
                name=row.enrolment.participant.full_name,
                issued_at=issued_at,
                issued_by=user,
            )
        )
        serial += 1
    if certificates:
        bulk_create_with_history(certificates, Certificate, default_user=user)
    return len(certificates)


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, user, reason: str, now=None
) -> Certificate:
    """Revoke ``certificate`` by ``user`` for ``reason`` (required; cleaned
    text) and return it; the history records who and when. A certificate already
    revoked is returned unchanged (a second POST). Raises ``ValidationError`` on
    ``reason`` when it is empty."""
    reason = clean_multiline_text(reason)
    if not reason:
        raise ValidationError({"reason": _("Say why the certificate is revoked.")})
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.is_revoked:
        return certificate
    certificate.revoked_at = now or timezone.now()
    certificate.revoked_by = user
    certificate.revoke_reason = reason
    certificate.full_clean()
    certificate._history_user = user
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    return certificate


@transaction.atomic
def certificates_withdraw_erased(*, participant_ids, user, now=None) -> int:
    """Withdraw the certificates of the person whose records are
    ``participant_ids`` (their record and those merged into it), as their data
    is erased: each one not yet revoked is revoked by ``user``, the printed name
    is emptied on every one of them and in every history row of them. Their
    verification pages then say the certificate was withdrawn. Returns how many
    were revoked now."""
    now = now or timezone.now()
    reason = _("Withdrawn: the person's data was erased on their request.")
    certificates = Certificate.objects.select_for_update().filter(
        enrolment__participant_id__in=participant_ids
    )
    revoked = 0
    ids = []
    for certificate in certificates:
        ids.append(certificate.pk)
        fields = ["name"]
        certificate.name = ""
        if not certificate.is_revoked:
            certificate.revoked_at = now
            certificate.revoked_by = user
            certificate.revoke_reason = reason
            fields += ["revoked_at", "revoked_by", "revoke_reason"]
            revoked += 1
        certificate._history_user = user
        certificate.save(update_fields=fields)
    Certificate.history.filter(id__in=ids).update(name="")
    return revoked
