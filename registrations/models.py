"""Self-registration and check-in records.

``RegistrationDesk`` is a training's public registration: open or closed, its
unguessable link token, the secret its daily check-in codes are derived from, and
whether registrations are accepted without review. ``Registration`` is what one
person submitted through the public form, waiting for staff review; accepting it
links it to a registry person (new, or the probable match staff confirmed) and
enrols them. ``CheckIn`` is one day's check-in of a registration; accepted
registrations' check-ins mark attendance present.

What a registration holds is personal data (name, phone, NIK, functioning): staff
see it in the review list; the public pages never show any of it back.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Func, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from participants.functioning import FunctioningAnswers
from setara.fields import SingleLineCharField
from trainings.models import Enrolment


def new_desk_token() -> str:
    """A random URL-safe token of 32 characters (192 bits) for a public link."""
    return secrets.token_urlsafe(24)


def new_secret() -> str:
    """A random 64-character hex secret for deriving check-in codes."""
    return secrets.token_hex(32)


class RegistrationDesk(models.Model):
    """The public registration of one training (created the first time staff open
    it). ``token`` is the public link's identifier (never the training's id);
    ``is_open`` is checked on every public request, so closing stops the link at
    once. ``checkin_secret`` keys the HMAC of the day codes
    (``registrations.checkin``); a new one invalidates every code shown so far.
    """

    class AutoAccept(models.TextChoices):
        NONE = "none", _("Staff review every registration")
        NO_MATCH_OR_NIK = (
            "no_match_or_nik",
            _("Accept at once those who match nobody, or match one person by NIK"),
        )

    training = models.OneToOneField(
        "trainings.Training",
        verbose_name=_("training"),
        on_delete=models.CASCADE,
        related_name="registration_desk",
    )
    token = models.CharField(max_length=64, unique=True, default=new_desk_token)
    is_open = models.BooleanField(_("registration open"), default=False)
    auto_accept = models.CharField(
        _("accepting registrations"),
        max_length=20,
        choices=AutoAccept.choices,
        default=AutoAccept.NONE,
    )
    checkin_secret = models.CharField(max_length=64, default=new_secret)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last opened or closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("registration desk")
        verbose_name_plural = _("registration desks")

    def __str__(self):
        return str(self.training)


class RegistrationQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(status=Registration.Status.NEW)

    def accepted(self):
        return self.filter(status=Registration.Status.ACCEPTED)

    def not_rejected(self):
        """Waiting or accepted: the registrations a phone number or device
        still stands for (a rejected one may have been someone else's typing)."""
        return self.exclude(status=Registration.Status.REJECTED)

    def for_review(self):
        """Registrations with what the review list shows loaded in the same query:
        agency, village (with its district), the probable match and their agency,
        the participant, the reviewer, and ``match_trainings``: the number of
        trainings the match is enrolled in (a subquery)."""
        match_trainings = (
            Enrolment.objects.filter(participant=OuterRef("match"))
            .order_by()
            .annotate(n=Func(F("pk"), function="COUNT"))
            .values("n")
        )
        return self.select_related(
            "agency",
            "village_region__parent",
            "match__agency",
            "participant",
            "reviewed_by",
        ).annotate(
            match_trainings=Subquery(
                match_trainings, output_field=models.IntegerField()
            )
        )

    def status_summary(self) -> dict[str, int]:
        """``{status: number}`` for every ``Registration.Status`` value, ``"match"``
        (waiting, with a probable match) and ``"total"``, in one query."""
        return self.aggregate(
            total=Count("pk"),
            match=Count(
                "pk", filter=Q(status=Registration.Status.NEW, match__isnull=False)
            ),
            **{
                status: Count("pk", filter=Q(status=status))
                for status in Registration.Status.values
            },
        )


class Registration(FunctioningAnswers):
    """One person's submission of the public form for one training.

    The fields are those of the sign-in sheet, as the person typed them (cleaned
    like every text field). ``agency_name`` is the agency as typed; ``agency`` the
    known agency it resolved to, if any (a new agency is created only by staff, at
    review). ``match`` and ``match_reason`` are the identity rule's best probable
    match in the registry at submission (``participants.matching``), shown to
    staff only. ``participant`` and ``enrolment`` are set when the registration is
    accepted. ``device_key`` is the random key kept in the person's phone (a
    signed cookie) so they can check in without typing. ``consent_version`` is
    the version of the consent statement they accepted (``registrations.consent``).
    """

    class Status(models.TextChoices):
        NEW = "new", _("Waiting for review")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    class Sex(models.TextChoices):
        MALE = "L", _("Male (L)")
        FEMALE = "P", _("Female (P)")

    training = models.ForeignKey(
        "trainings.Training",
        verbose_name=_("training"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    full_name = SingleLineCharField(
        _("full name"), max_length=200, help_text=_("As on the KTP (identity card).")
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    agency_name = SingleLineCharField(_("agency (as typed)"), max_length=200)
    agency = models.ForeignKey(
        "participants.Agency",
        verbose_name=_("agency"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    position = SingleLineCharField(_("position"), max_length=120, blank=True)
    phone = models.CharField(_("phone (WhatsApp)"), max_length=20)
    village_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("village (desa/kelurahan)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    village = SingleLineCharField(_("village as written"), max_length=120, blank=True)
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    consent_version = models.CharField(_("consent version"), max_length=20)
    consented_at = models.DateTimeField(_("consent given"))
    submission_token = models.UUIDField(default=uuid.uuid4, editable=False)
    device_key = models.CharField(max_length=64, default=new_secret, editable=False)
    match = models.ForeignKey(
        "participants.Participant",
        verbose_name=_("probable match"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    match_reason = models.CharField(_("match reason"), max_length=20, blank=True)
    participant = models.ForeignKey(
        "participants.Participant",
        verbose_name=_("participant"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
    )
    enrolment = models.ForeignKey(
        "trainings.Enrolment",
        verbose_name=_("enrolment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            # A double click or the Back button submits the same form twice.
            models.UniqueConstraint(
                fields=["submission_token"], name="registration_unique_submission"
            ),
            # One registration per phone number per training: registering again
            # from another phone with the same number updates nothing new. A
            # rejected one does not count: someone else typing your number
            # first must not block you once staff reject it.
            models.UniqueConstraint(
                fields=["training", "phone"],
                condition=~Q(status="rejected"),
                name="registration_unique_phone",
            ),
            models.CheckConstraint(
                condition=~Q(status="accepted") | Q(participant__isnull=False),
                name="registration_accepted_has_participant",
            ),
        ]
        indexes = [models.Index(fields=["training", "status"])]

    def __str__(self):
        return self.full_name


class CheckIn(models.Model):
    """One registration checked in on one training day (in the training's time
    zone), by the phone that registered (``DEVICE``) or by phone number plus the
    day's code (``CODE``)."""

    class Method(models.TextChoices):
        DEVICE = "device", _("Same phone as the registration")
        CODE = "code", _("Phone number and the day's code")

    registration = models.ForeignKey(
        Registration,
        verbose_name=_("registration"),
        on_delete=models.CASCADE,
        related_name="checkins",
    )
    date = models.DateField(_("day"))
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    checked_in_at = models.DateTimeField(_("checked in"), auto_now_add=True)

    class Meta:
        ordering = ["date", "checked_in_at"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "date"], name="checkin_once_per_day"
            )
        ]

    def __str__(self):
        return f"{self.registration} {self.date:%d/%m/%Y}"
