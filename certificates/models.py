"""Certificates issued to participants of a training.

A certificate belongs to one enrolment (a participant in a training) and is
numbered in the order of issue within its training (``SETARA/2023/0042/007``:
programme, year, training, serial). Its verification ``code`` is the
unguessable part of the public address the QR code on the paper points at
(``/c/<code>/``). A certificate is never deleted: a withdrawn one is revoked
(when, by whom, why), which its history keeps and its public page says.
"""

import re
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from setara.fields import MultiLineTextField, SingleLineCharField

#: Bytes of randomness in a verification code (128 bits: 22 URL-safe characters).
CODE_BYTES = 16


def new_verification_code() -> str:
    """A fresh verification code: ``secrets.token_urlsafe(CODE_BYTES)``, 22
    characters of ``A-Z a-z 0-9 - _``."""
    return secrets.token_urlsafe(CODE_BYTES)


def number_prefix(programme: str) -> str:
    """The first part of a certificate number: the programme's name in capitals,
    letters and digits only, words joined by "-" ("SETARA"; "SETARA" when the
    name has no letters or digits)."""
    words = re.findall(r"[A-Za-z0-9]+", programme or "")
    return "-".join(words).upper()[:20] or "SETARA"


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        """Certificates not revoked."""
        return self.filter(revoked_at__isnull=True)

    def revoked(self):
        return self.filter(revoked_at__isnull=False)

    def of_training(self, training):
        """Certificates of ``training``'s enrolments (a ``Training`` or its pk)."""
        return self.filter(enrolment__training=training)

    def for_list(self):
        """With enrolment, training, issuer and revoker loaded; by training, then
        serial (the order of issue)."""
        return self.select_related(
            "enrolment__training", "issued_by", "revoked_by"
        ).order_by("-enrolment__training__start_date", "enrolment__training", "serial")


class Certificate(models.Model):
    """A certificate of attendance of one participant of one training.

    ``name`` is the participant's name as printed, copied when the certificate is
    issued (a later correction of the registry does not change a paper already
    handed out); it is emptied when the person's data is erased. At most one
    certificate per enrolment is not revoked (a constraint), so issuing twice
    finds the first (``certificates.services.certificate_issue``).
    """

    enrolment = models.ForeignKey(
        "trainings.Enrolment",
        verbose_name=_("enrolment"),
        # PROTECT: a certificate is out in the world (its QR code is printed);
        # deleting the training or the enrolment would make its verification
        # page say "unknown" as for a forgery. Revoke it instead.
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    serial = models.PositiveIntegerField(_("serial"), editable=False)
    number = models.CharField(_("number"), max_length=60, unique=True, editable=False)
    code = models.CharField(
        _("verification code"),
        max_length=43,
        unique=True,
        editable=False,
        default=new_verification_code,
    )
    name = SingleLineCharField(_("name as printed"), max_length=200, blank=True)
    issued_at = models.DateTimeField(_("issued"), editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = MultiLineTextField(_("reason for revoking"), blank=True)

    objects = CertificateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        permissions = [("revoke_certificate", _("Can revoke a certificate"))]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(revoked_at__isnull=True),
                name="certificate_one_valid_per_enrolment",
                violation_error_message=_(
                    "This participant already has a valid certificate."
                ),
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="certificate_revocation_has_reason",
                violation_error_message=_("A revocation needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(serial__gte=1), name="certificate_serial_positive"
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        """The public verification page (what the QR code holds, as a path)."""
        return reverse("certificates:verify", args=[self.code])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
