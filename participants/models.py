"""Agencies and the people who attend trainings.

A Participant is one real person, reused across trainings; what they did in a given
training lives in ``trainings.Enrolment``.
"""

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from regions.models import VILLAGE_LEVELS, Level, Region
from setara.fields import NormalisedKeyField, SingleLineCharField
from setara.submission import submission_token_constraint, submission_token_field
from setara.text import clean_text

from .functioning import FunctioningAnswers
from .matching import MatchKeys, ParticipantMatch, probable_matches
from .merge_records import (  # noqa: F401 (defined there, models of this app)
    AgencyMerge,
    MergeQuerySet,
    MergeRecord,
    ParticipantMerge,
)
from .normalisation import (
    NIK_RE,
    PHONE_RE,
    InvalidPhoneNumber,
    collapse_whitespace,
    is_placeholder,
    mask_nik,
    normalise_key,
    normalise_name,
    normalise_phone,
)

#: What reports show in place of an agency (or its type) for people without one.
NO_AGENCY = _("No agency")


class AgencyQuerySet(models.QuerySet):
    def matching(self, text: str):
        """Agencies whose name, short name or an alias is ``text``, ignoring case,
        punctuation and spacing ("Dinsos Maros" finds Dinas Sosial Kabupaten Maros)."""
        key = normalise_key(text)
        if not key:
            return self.none()
        return self.filter(
            Q(normalised_name=key)
            | Q(aliases__normalised_name=key)
            | Q(name__iexact=collapse_whitespace(text))
            | Q(short_name__iexact=collapse_whitespace(text))
        ).distinct()

    def resolve(self, text: str, region=None) -> tuple["Agency | None", list]:
        """The agency a typed name means: ``(agency, candidates)`` (one query).

        ``candidates`` are the agencies ``matching`` the text; an alias is a choice
        someone made ("this spelling means that agency"), so an agency with the
        text as its alias wins over agencies that only share the name; else, when
        the name is used in several regions, only those in ``region`` (the
        training's or the person's) if there are any. ``agency`` is the candidate
        when exactly one is left, else None: no agency has that name, or the user
        must choose.
        """
        aliased = AgencyAlias.objects.filter(
            agency=OuterRef("pk"), normalised_name=normalise_key(text)
        )
        candidates = list(
            self.matching(text)
            .select_related("region")
            .annotate(by_alias=Exists(aliased))
        )
        if len(candidates) > 1 and any(a.by_alias for a in candidates):
            candidates = [a for a in candidates if a.by_alias]
        if len(candidates) > 1 and region is not None:
            local = [a for a in candidates if a.region_id == region.pk]
            candidates = local or candidates
        return (candidates[0] if len(candidates) == 1 else None), candidates


class Agency(models.Model):
    """A government office, service provider, APH unit, community group or NGO."""

    class Type(models.TextChoices):
        GOVERNMENT = "government", _("Government office")
        SERVICE_PROVIDER = "service_provider", _("Service provider")
        LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement (APH)")
        COMMUNITY = "community", _("Community group (e.g. PATBM)")
        NGO = "ngo", _("NGO")
        OTHER = "other", _("Other")

    name = SingleLineCharField(_("name"), max_length=200)
    short_name = SingleLineCharField(
        _("short name"), max_length=60, blank=True, help_text=_("For example DP3A.")
    )
    #: ``normalise_key(name)``: two agencies of one region never share it.
    normalised_name = NormalisedKeyField(
        max_length=200, source="name", normalise=normalise_key
    )
    type = models.CharField(
        _("agency type"), max_length=20, choices=Type.choices, default=Type.OTHER
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="agencies",
        null=True,
        blank=True,
    )

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        # Names equal once normalised (case, spacing, punctuation, invisible
        # characters) only once per region. NULL regions never collide in a
        # unique index, so agencies without a region get their own partial index;
        # both work on SQLite and PostgreSQL. ``clean()`` gives the friendly error.
        constraints = [
            models.UniqueConstraint(
                fields=["normalised_name", "region"],
                name="agency_unique_normalised_name_per_region",
                violation_error_code="duplicate_name",
                violation_error_message=_(
                    "An agency with this name already exists in this region."
                ),
            ),
            models.UniqueConstraint(
                fields=["normalised_name"],
                condition=Q(region__isnull=True),
                name="agency_unique_normalised_name_without_region",
                violation_error_code="duplicate_name",
                violation_error_message=_(
                    "An agency without a region already has this name."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The fields clean the name and derive normalised_name (pre_save); a save
        # of the name alone must write the key too.
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "normalised_name"}
        super().save(*args, **kwargs)

    def clean(self):
        """Refuse a name that another agency of the same region (or, for an agency
        without a region, another agency without one) has once normalised,
        naming that agency on the name field."""
        super().clean()
        self.name = clean_text(self.name)
        self.normalised_name = normalise_key(self.name)
        existing = self.same_name_agency()
        if existing is not None:
            message = self.duplicate_message(existing)
            raise ValidationError(
                {"name": ValidationError(message, code="duplicate_name")}
            )

    def validate_constraints(self, exclude=None):
        # The unique normalised name is checked by clean(), on the name field and
        # naming the other agency; checking the constraint too would say it twice.
        super().validate_constraints(exclude={*(exclude or ()), "normalised_name"})

    def same_name_agency(self) -> "Agency | None":
        """Another agency of the same region (both without a region) that this
        name already means, or None; one query. A name means an agency when it is
        its name, its short name or one of its aliases once normalised: a second
        agency called like that would make every later spelling ambiguous."""
        key = normalise_key(self.name)
        means = (
            Q(normalised_name=key)
            | Q(aliases__normalised_name=key)
            | Q(short_name__iexact=clean_text(self.name))
        )
        return (
            Agency.objects.filter(means, region=self.region_id)
            .exclude(pk=self.pk)
            .order_by("pk")
            .first()
        )

    @staticmethod
    def duplicate_message(existing: "Agency") -> str:
        """The error for a name that ``existing`` already has, once normalised."""
        if existing.region_id is None:
            message = _("An agency without a region already has this name: “%(name)s”.")
        else:
            message = _("An agency in this region already has this name: “%(name)s”.")
        return message % {"name": existing.name}

    @classmethod
    def type_label(cls, value: str | None, default=NO_AGENCY) -> str | None:
        """The display name of agency type ``value`` ("Government office"), as a
        str; ``default`` (as a str, or None when None) when ``value`` is None or
        not a type, as for a participant without an agency."""
        if value in cls.Type.values:
            return str(cls.Type(value).label)
        return None if default is None else str(default)


class AgencyAlias(models.Model):
    """Another way staff write an agency's name ("Dinsos Maros", "Disdik")."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="aliases",
    )
    name = SingleLineCharField(_("alias"), max_length=200)
    normalised_name = NormalisedKeyField(
        max_length=200, unique=True, source="name", normalise=normalise_key
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency alias")
        verbose_name_plural = _("agency aliases")

    def __str__(self):
        return self.name

    def clean(self):
        """Refuse a spelling another alias already has once normalised (the
        unique ``normalised_name``), on the name field, naming its agency."""
        super().clean()
        self.normalised_name = normalise_key(self.name)
        taken = (
            AgencyAlias.objects.filter(normalised_name=self.normalised_name)
            .exclude(pk=self.pk)
            .select_related("agency")
            .first()
        )
        if taken is not None:
            message = _("“%(alias)s” is already another spelling of “%(agency)s”.") % {
                "alias": taken.name,
                "agency": taken.agency.name,
            }
            raise ValidationError({"name": ValidationError(message, code="unique")})


#: Why a name without any letter or digit is refused, on every door.
NAME_NEEDS_LETTERS = _("Write the name with letters.")


class ParticipantQuerySet(models.QuerySet):
    def probable_matches(
        self, entered: Sequence[MatchKeys]
    ) -> list[list[ParticipantMatch]]:
        """For each of ``entered``, the people of this queryset who are probably
        that person, strongest reason first (see ``participants.matching``)."""
        return probable_matches(self, entered)

    def search(self, text: str, *, by_nik: bool = False):
        """Participants whose name, phone or agency matches ``text``, and with
        ``by_nik`` their NIK too (at least 4 digits of it).

        ``by_nik`` only for users who may see full NIKs
        (``participants.nik_access.may_see_nik``): for anyone else the results
        are those of the text without NIK matching, so a guess at a NIK teaches
        nothing (issue 17)."""
        text = collapse_whitespace(text)
        if not text:
            return self
        q = (
            Q(full_name__icontains=text)
            | Q(normalised_name__contains=normalise_name(text))
            | Q(agency__name__icontains=text)
            | Q(agency__short_name__icontains=text)
            | Q(agency__aliases__name__icontains=text)
        )
        digits = "".join(c for c in text if c.isdigit())
        if len(digits) >= 4:
            # "0000" would be "" once the leading 0s go: it matches no phone.
            if digits.lstrip("0"):
                q |= Q(phone__contains=digits.lstrip("0"))
            if by_nik:
                q |= Q(nik__contains=digits)
        return self.filter(q).distinct()


class Participant(FunctioningAnswers):
    """One real person, reused across trainings. The WG-SS answers on functioning
    (``FunctioningAnswers``) are optional, asked by the self-registration form."""

    class Sex(models.TextChoices):
        MALE = "L", _("Male (L)")
        FEMALE = "P", _("Female (P)")
        __empty__ = _("Not recorded")

    class Disability(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        NOT_ASKED = "not_asked", _("Not asked")

    full_name = SingleLineCharField(
        _("full name"), max_length=200, help_text=_("As written, with titles.")
    )
    normalised_name = models.CharField(max_length=200, editable=False, db_index=True)
    sex = models.CharField(
        _("sex"), max_length=1, choices=Sex.choices, blank=True, db_index=True
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"),
        null=True,
        blank=True,
        help_text=_("When only the year is known; filled from the birth date."),
    )
    disability = models.CharField(
        _("disability"),
        max_length=10,
        choices=Disability.choices,
        default=Disability.NOT_ASKED,
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="participants",
        null=True,
        blank=True,
    )
    position = SingleLineCharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(
        _("phone"),
        max_length=16,
        blank=True,
        db_index=True,
        help_text=_("Stored as +62..."),
    )
    email = models.EmailField(_("email"), blank=True)
    nik = models.CharField(
        _("NIK"),
        max_length=16,
        blank=True,
        help_text=_("16-digit national identity number (optional)."),
    )
    village_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("village (desa/kelurahan)"),
        on_delete=models.PROTECT,
        related_name="participants",
        null=True,
        blank=True,
        limit_choices_to={"level__in": VILLAGE_LEVELS},
        help_text=_("The village (desa or kelurahan) among the regions."),
    )
    village = SingleLineCharField(
        _("village as written"),
        max_length=120,
        blank=True,
        help_text=_("As written, for a village not found among the regions."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    erased_at = models.DateTimeField(
        _("erased"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the person's personal data was erased on request."),
    )
    # The add-person form's one-time token: a second POST finds this person.
    submission_token = submission_token_field()

    objects = ParticipantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        permissions = [
            ("export_personal_data", _("Can export personal data (phone, NIK)")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(sex__in=["L", "P", ""]),
                name="participant_sex_l_p_or_blank",
            ),
            models.CheckConstraint(
                condition=Q(nik="") | Q(nik__regex=NIK_RE),
                name="participant_nik_16_digits",
                violation_error_message=_("NIK must be exactly 16 digits."),
            ),
            models.UniqueConstraint(
                fields=["nik"],
                condition=~Q(nik=""),
                name="participant_unique_nik",
                violation_error_message=_("Another participant already has this NIK."),
            ),
            models.CheckConstraint(
                condition=Q(phone="") | Q(phone__regex=PHONE_RE),
                name="participant_phone_normalised",
                violation_error_message=_(
                    "Phone must be stored as +62 followed by 8 to 13 digits."
                ),
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="participant_birth_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(disability__in=["yes", "no", "not_asked"]),
                name="participant_disability_choice",
            ),
            submission_token_constraint("participant_unique_submission_token"),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.full_name = clean_text(self.full_name)
        self.normalised_name = normalise_name(self.full_name)
        if self.birth_date:
            self.birth_year = self.birth_date.year
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("participants:detail", args=[self.pk])

    def clean_fields(self, exclude=None):
        # A region above the village level is refused by clean(), saying what to
        # choose, rather than as "not a valid choice" (``limit_choices_to``).
        if self._region_above_village():
            exclude = {*(exclude or ()), "village_region"}
        super().clean_fields(exclude=exclude)

    def clean(self):
        errors = {}
        if self.full_name and not normalise_name(self.full_name):
            # Only punctuation or symbols: no one could find or tell this person.
            errors["full_name"] = NAME_NEEDS_LETTERS
        try:
            self.phone = normalise_phone(self.phone)
        except InvalidPhoneNumber:
            errors["phone"] = _(
                "Enter an Indonesian phone number, for example 0812-3456-7890 or "
                "+62 812 3456 7890."
            )
        self.nik = "" if is_placeholder(self.nik) else clean_text(self.nik)
        if (
            self.birth_date
            and self.birth_year
            and self.birth_date.year != self.birth_year
        ):
            errors["birth_year"] = _("The birth year does not match the birth date.")
        if self._region_above_village():
            errors["village_region"] = _(
                "Choose a village (desa/kelurahan), not a %(level)s."
            ) % {"level": str(Level(self.village_region.level).label).lower()}
        if errors:
            raise ValidationError(errors)

    @property
    def nik_masked(self) -> str:
        """The NIK with none of its digits shown (``mask_nik``)."""
        return mask_nik(self.nik)

    def _region_above_village(self) -> bool:
        """Whether ``village_region`` is a province, regency or district (a
        region that does not exist is the field's own error)."""
        try:
            region = self.village_region
        except Region.DoesNotExist:
            return False
        return region is not None and region.level not in VILLAGE_LEVELS


class ExportLog(models.Model):
    """One export of personal data: who, when, what, with which filters, how many rows.

    Written by every export that includes names, phone numbers or NIK, so admins can
    answer "who took this data out" (UU PDP No. 27/2022, accountability).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="export_logs",
    )
    created_at = models.DateTimeField(_("exported at"), auto_now_add=True)
    export = models.CharField(
        _("export"), max_length=100, help_text=_("Which export, by its URL name.")
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")

    def __str__(self):
        return f"{self.export} – {self.user} – {self.created_at:%d/%m/%Y %H:%M}"
