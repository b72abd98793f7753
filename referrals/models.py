"""The referral directory: institutions at district/city, province and national level
and the services each offers.

The fields follow Open Referral's Human Services Data Specification (HSDS 3.0,
https://docs.openreferral.org/): an organisation/service with its location, phones,
schedule, eligibility, required documents, fees, accessibility and languages,
reduced to one row per institution because staff read the directory as a list.
"""

import datetime
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Lower, Replace
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from participants.abbreviations import search_terms
from participants.disaggregation import by_sex, counting
from participants.models import Agency, AgencyAlias
from participants.normalisation import (
    PHONE_RE,
    InvalidPhoneNumber,
    collapse_whitespace,
    normalise_phone,
)
from regions.models import PROVINCE_ALIASES, Region, within_q
from setara.fields import MultiLineTextField, SingleLineCharField
from setara.reference_names import (
    SERVICE_TYPE_NAMES_EN,
    TARGET_GROUP_NAMES_EN,
    localised_name,
)

from .trained_staff import TrainedStaffIterable

#: Short service numbers dialled nationwide without an area code: three-digit
#: emergency and public-service numbers (110 police, 112 emergency, 129 SAPA of the
#: Ministry of Women's Empowerment and Child Protection), five-digit 14xxx and
#: seven-to-eight-digit 1500xxx call-centre numbers, as allocated under the national
#: numbering plan (Kementerian Kominfo, Rencana Dasar Teknis / Fundamental Technical
#: Plan). They are stored as dialled, never with +62.
SHORT_NUMBER_RE = r"^(1[0-9]{2}|14[0-9]{3}|1500[0-9]{3,4})$"
#: What a stored phone looks like: empty, +62 and 8-13 digits, or a short number.
DIRECTORY_PHONE_RE = rf"^$|{PHONE_RE}|{SHORT_NUMBER_RE}"
#: A WhatsApp number is a mobile number: +62 8...
WHATSAPP_RE = r"^\+628[0-9]{7,12}$"

#: How long a verification stays current.
VERIFICATION_VALID_MONTHS = 12


def normalise_directory_phone(raw) -> str:
    """Return a directory phone number as stored: ``+62...`` or a short number.

    Short service numbers (see ``SHORT_NUMBER_RE``: ``129``, ``110``, ``14045``,
    ``1500-771``) are kept as dialled, without separators, because ``+62129`` does
    not reach the hotline. Everything else goes through
    ``participants.normalisation.normalise_phone`` (``0411-123456`` ->
    ``+62411123456``). Empty input gives ``""``.

    Raises InvalidPhoneNumber when the value is neither.
    """
    text = collapse_whitespace(raw)  # full-width digits too: ``clean_text``
    compact = re.sub(r"[\s\-().]", "", text)
    if re.fullmatch(SHORT_NUMBER_RE, compact):
        return compact
    return normalise_phone(raw)


def verification_cutoff(today: datetime.date) -> datetime.date:
    """The day twelve months before ``today``: a verification on or after it is
    current. 29 February maps to 28 February of the earlier year."""
    year = today.year - VERIFICATION_VALID_MONTHS // 12
    try:
        return today.replace(year=year)
    except ValueError:
        return today.replace(year=year, day=28)


class ServiceType(models.Model):
    """A kind of service a child or family can be referred to (e.g. legal aid).

    The programme's list is seeded by migration 0003 with stable codes; admins may
    rename or add types.
    """

    code = models.SlugField(
        _("code"),
        max_length=60,
        unique=True,
        help_text=_("Stable identifier used in spreadsheets, e.g. legal-aid."),
    )
    name = SingleLineCharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=100,
        help_text=_("Order on the referral pathway; lower comes first."),
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language: ``name``, or the English name of a
        seeded service type under the English interface."""
        return localised_name(self.name, self.code, SERVICE_TYPE_NAMES_EN)


class TargetGroup(models.Model):
    """A group an institution serves: children, women, persons with disabilities."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = SingleLineCharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language: ``name``, or the English name of a
        seeded target group under the English interface."""
        return localised_name(self.name, self.code, TARGET_GROUP_NAMES_EN)


#: A search word (``normalise_key`` text) that names an institution's level.
LEVEL_WORDS = {"provinsi": "provinsi", "nasional": "nasional"}


def _term_q(term) -> Q:
    """Institutions that hold one term of a search (``search_terms``): all the
    fragments of one of its ways, each in a name ``_fragment_q`` reads."""
    q = Q()
    for way in term:
        all_fragments = Q()
        for fragment in way:
            all_fragments &= _fragment_q(fragment)
        q |= all_fragments
    return q


def _fragment_q(fragment: str) -> Q:
    """Institutions with ``fragment`` (``normalise_key`` text) in their name,
    region, the province above it, their agency's name, short name or an alias,
    or a service name; or whose level it names (``LEVEL_WORDS``), or in the
    province it is a short name of (``regions.models.PROVINCE_ALIASES``)."""
    aliases = AgencyAlias.objects.filter(
        agency=OuterRef("agency"), name__icontains=fragment
    )
    services = ServiceType.objects.filter(
        institutions=OuterRef("pk"), name__icontains=fragment
    )
    q = (
        Q(name__icontains=fragment)
        | Q(region__name__icontains=fragment)
        | Q(region__parent__name__icontains=fragment)
        | Q(agency__name__icontains=fragment)
        | Q(agency__short_name__icontains=fragment)
        | Exists(aliases)
        | Exists(services)
    )
    if fragment in LEVEL_WORDS:
        q |= Q(level=LEVEL_WORDS[fragment])
    if province := PROVINCE_ALIASES.get(fragment):
        q |= Q(region__code=province) | Q(region__code__startswith=province + ".")
    return q


class ReferralInstitutionQuerySet(models.QuerySet):
    def active(self):
        """Institutions currently listed in the directory."""
        return self.filter(is_active=True)

    def serving(self, region):
        """Institutions that serve ``region`` (a ``regions.Region`` of any level).

        A regency/city gets its own institutions, its province's and the national
        ones; a province gets its own, those of its regencies and the national ones;
        a district or village gets those of its regency/city, its province and the
        national ones. Places are matched by code (``within_q`` below, the code's
        prefixes above), so no query is needed for the parents. Combine with
        ``by_level()`` for the district -> province -> national order.
        """
        parts = region.code.split(".")
        above = [".".join(parts[:n]) for n in range(1, len(parts))]
        places = within_q(region) | Q(region__code__in=above)
        return self.filter(places | Q(level=ReferralInstitution.Level.NATIONAL))

    def pathway_regions(self):
        """The regencies and cities (``regions.Region``) with at least one of these
        institutions at regency/city level, by code: the pathways worth offering
        before a region is chosen. One query when evaluated."""
        regency_level = self.filter(level=ReferralInstitution.Level.REGENCY)
        return Region.objects.filter(pk__in=regency_level.values("region")).order_by(
            "code"
        )

    def by_level(self):
        """Order district/city first, then province, then national; by name within."""
        return self.annotate(
            level_rank=Case(
                When(level=ReferralInstitution.Level.REGENCY, then=Value(0)),
                When(level=ReferralInstitution.Level.PROVINCE, then=Value(1)),
                default=Value(2),
                output_field=models.IntegerField(),
            )
        ).order_by("level_rank", "region__code", "name", "id")

    def search(self, text: str):
        """Institutions that ``text`` (what someone typed) names or describes, in
        one query; empty text keeps them all.

        An institution is found when its name, address, focal person, notes,
        eligibility, region or a service name contains the whole text; when its
        linked agency is called that (``Agency.objects.matching``: name, short
        name or alias, ignoring case and punctuation; an indexed lookup); or when
        every term of the text (``participants.abbreviations.search_terms``) is
        in its name, its region or the province above, its agency's name, short
        name or an alias, a service name, or names its level ("provinsi",
        "nasional") or its province by short name ("sulsel"). So "dinsos maros",
        "Dinas Sosial Kab. Maros" and "UPTD PPA Maros" find Dinas Sosial
        Kabupaten Maros and UPTD PPA Kabupaten Maros; "dp3a" finds Dinas
        Pemberdayaan Perempuan dan Perlindungan Anak.

        Contains-matches cannot use an index; the directory is a few thousand
        rows at most, read once per search.
        """
        text = collapse_whitespace(text)
        if not text:
            return self
        service_match = ServiceType.objects.filter(
            institutions=OuterRef("pk"), name__icontains=text
        )
        found = (
            Q(name__icontains=text)
            | Q(address__icontains=text)
            | Q(focal_person__icontains=text)
            | Q(notes__icontains=text)
            | Q(eligibility__icontains=text)
            | Q(region__name__icontains=text)
            | Exists(service_match)
            | Q(agency__in=Agency.objects.matching(text))
        )
        terms = search_terms(text)
        if terms:
            every_term = Q()
            for term in terms:
                every_term &= _term_q(term)
            found |= every_term
        return self.filter(found)

    def stale(self, today: datetime.date | None = None):
        """Institutions never verified or last verified more than 12 months ago."""
        cutoff = verification_cutoff(today or timezone.localdate())
        return self.filter(
            Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=cutoff)
        )

    def with_trained_staff(self):
        """Annotate ``trained_male``, ``trained_female``, ``trained_not_recorded`` and
        ``trained_total``: the distinct staff of the linked agency who were present
        on at least one day of a training as participants (0 when no agency is
        linked)."""
        person = "agency__participants"
        attended = Q(
            **{
                f"{person}__enrolments__role": "participant",
                f"{person}__enrolments__attendances__present": True,
            }
        )
        return self.annotate(
            **by_sex(
                counting(person, distinct=True),
                field=f"{person}__sex",
                prefix="trained_",
                where=attended,
            )
        )

    def for_directory(self):
        """Institutions with everything a directory entry shows, in a fixed number
        of queries: region, services, target groups and trained-staff counts.

        The counts (``trained_male``, ``trained_female``, ``trained_not_recorded``,
        ``trained_total``, as ``with_trained_staff()`` gives) are set on the
        institutions fetched, counted for their agencies only
        (``referrals.trained_staff``, cached for the data version), so a page of
        the directory counts its own agencies' staff and ``count()`` stays a plain
        count of institutions.
        """
        institutions = (
            self.select_related("region", "verified_by")
            .prefetch_related("services", "target_groups")
            .by_level()
        )
        institutions._iterable_class = TrainedStaffIterable
        return institutions


class ReferralInstitution(models.Model):
    """An institution a case can be referred to, at one level of government."""

    class Level(models.TextChoices):
        REGENCY = "kabupaten", _("Regency/City")
        PROVINCE = "provinsi", _("Province")
        NATIONAL = "nasional", _("National")

    name = SingleLineCharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="referral_institutions",
        null=True,
        blank=True,
        help_text=_("The regency/city or province served; empty for national."),
    )
    address = MultiLineTextField(_("address"), blank=True)
    phone = models.CharField(
        pgettext_lazy("institution", "phone"),
        max_length=40,
        blank=True,
        help_text=_("Stored as +62...; short service numbers such as 129 as dialled."),
    )
    phone_alt = models.CharField(_("other phone"), max_length=40, blank=True)
    whatsapp = models.CharField(
        _("WhatsApp"),
        max_length=40,
        blank=True,
        help_text=_("A mobile number, stored as +628..."),
    )
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    opening_hours = SingleLineCharField(
        _("opening hours"),
        max_length=200,
        blank=True,
        help_text=_("For example: Senin–Jumat 08.00–16.00 WITA; hotline 24 jam."),
    )
    focal_person = SingleLineCharField(
        _("focal person"),
        max_length=200,
        blank=True,
        help_text=_("Name and position of the contact person for referrals."),
    )
    services = models.ManyToManyField(
        ServiceType,
        verbose_name=_("services"),
        related_name="institutions",
        blank=True,
    )
    target_groups = models.ManyToManyField(
        TargetGroup,
        verbose_name=_("target groups"),
        related_name="institutions",
        blank=True,
    )
    eligibility = MultiLineTextField(
        _("eligibility"), blank=True, help_text=_("Who can use the service.")
    )
    requirements = MultiLineTextField(
        _("requirements (persyaratan)"),
        blank=True,
        help_text=_("Documents or steps needed, e.g. a letter of referral, KTP/KK."),
    )
    cost = SingleLineCharField(
        _("cost"), max_length=200, blank=True, help_text=_("For example: free.")
    )
    accessibility = MultiLineTextField(
        _("accessibility"),
        blank=True,
        help_text=_("Access for persons with disabilities, sign language, ramps."),
    )
    languages = SingleLineCharField(
        _("languages"),
        max_length=200,
        blank=True,
        help_text=_("For example: Bahasa Indonesia, Bugis, Makassar."),
    )
    notes = MultiLineTextField(_("notes"), blank=True)
    agency = models.ForeignKey(
        "participants.Agency",
        verbose_name=_("agency"),
        on_delete=models.SET_NULL,
        related_name="referral_institutions",
        null=True,
        blank=True,
        help_text=_("The agency whose staff attend trainings, to show their capacity."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_verified_on = models.DateField(_("last verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ReferralInstitutionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[services, target_groups])

    class Meta:
        ordering = ["name"]
        verbose_name = _("referral institution")
        verbose_name_plural = _("referral institutions")
        constraints = [
            models.CheckConstraint(
                condition=Q(level="nasional", region__isnull=True)
                | (~Q(level="nasional") & Q(region__isnull=False)),
                name="referral_institution_region_matches_level",
                violation_error_message=_(
                    "National institutions have no region; regency and province "
                    "institutions need one."
                ),
            ),
            # The same name (ignoring case and spaces) only once per region. NULL
            # regions never collide in a unique index, so national institutions get
            # their own partial index; both work on SQLite and PostgreSQL.
            models.UniqueConstraint(
                Lower(Replace("name", Value(" "), Value(""))),
                "region",
                name="referral_institution_unique_name_per_region",
                violation_error_code="duplicate_name",
                violation_error_message=_(
                    "An institution with this name already exists in this region."
                ),
            ),
            models.UniqueConstraint(
                Lower(Replace("name", Value(" "), Value(""))),
                condition=Q(region__isnull=True),
                name="referral_institution_unique_national_name",
                violation_error_code="duplicate_name",
                violation_error_message=_(
                    "A national institution with this name already exists."
                ),
            ),
            models.CheckConstraint(
                condition=Q(phone__regex=DIRECTORY_PHONE_RE),
                name="referral_institution_phone_normalised",
                violation_error_message=_(
                    "Phone must be +62 followed by 8 to 13 digits, or a short "
                    "service number such as 129."
                ),
            ),
            models.CheckConstraint(
                condition=Q(phone_alt__regex=DIRECTORY_PHONE_RE),
                name="referral_institution_phone_alt_normalised",
                violation_error_message=_(
                    "Phone must be +62 followed by 8 to 13 digits, or a short "
                    "service number such as 129."
                ),
            ),
            models.CheckConstraint(
                condition=Q(whatsapp="") | Q(whatsapp__regex=WHATSAPP_RE),
                name="referral_institution_whatsapp_mobile",
                violation_error_message=_(
                    "WhatsApp must be a mobile number stored as +628..."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = collapse_whitespace(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{reverse('referrals:directory')}?{urlencode({'q': self.name})}"

    def clean_fields(self, exclude=None):
        # Normalise what people paste before the field validators see it.
        errors = {}
        self.name = collapse_whitespace(self.name)
        phone_message = _(
            "Enter an Indonesian phone number (0411-123456, 0812-3456-7890, "
            "+62 812 3456 7890) or a short service number such as 129."
        )
        for field in ("phone", "phone_alt"):
            try:
                setattr(self, field, normalise_directory_phone(getattr(self, field)))
            except InvalidPhoneNumber:
                errors[field] = [phone_message]
        try:
            self.whatsapp = normalise_phone(self.whatsapp)
        except InvalidPhoneNumber:
            self.whatsapp = str(self.whatsapp or "").strip()
        if self.whatsapp and not re.fullmatch(WHATSAPP_RE, self.whatsapp):
            errors["whatsapp"] = [
                _("Enter a mobile number used on WhatsApp, for example 0812-3456-7890.")
            ]
        self.email = str(self.email or "").strip()
        self.website = str(self.website or "").strip()
        if self.website and "://" not in self.website:
            self.website = f"https://{self.website}"
        exclude = set(exclude or ()) | set(errors)
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def clean(self):
        errors = {}
        if self.region_id:
            region = self.region
            expected = {
                self.Level.REGENCY: ("regency", "city"),
                self.Level.PROVINCE: ("province",),
            }.get(self.level)
            if expected and region.level not in expected:
                errors["region"] = _(
                    "A %(level)s institution needs a region of that level, not "
                    "%(region)s."
                ) % {"level": self.get_level_display(), "region": region}
        if errors:
            raise ValidationError(errors)

    @property
    def whatsapp_url(self) -> str:
        """The click-to-chat link ``https://wa.me/62...`` (WhatsApp's documented
        format: country code and number, digits only), or ``""``."""
        return f"https://wa.me/{self.whatsapp.lstrip('+')}" if self.whatsapp else ""

    def is_verification_stale(self, today: datetime.date | None = None) -> bool:
        """True when never verified or last verified more than 12 months ago."""
        if not self.last_verified_on:
            return True
        return self.last_verified_on < verification_cutoff(
            today or timezone.localdate()
        )

    @property
    def verification_stale(self) -> bool:
        """``is_verification_stale()`` for today, for templates."""
        return self.is_verification_stale()


@receiver(post_save, sender=ReferralInstitution)
def _skip_history_for_fixture_loads(sender, instance, raw=False, **kwargs):
    # loaddata saves raw, then sets the many-to-many fields, which would make
    # django-simple-history record a change nobody made; the restored history
    # rows already hold it. simple_history skips instances with this attribute.
    if raw:
        instance.skip_history_when_saving = True
