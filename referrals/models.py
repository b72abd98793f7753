"""The referral directory: institutions at district/city, province and national level
and the services each offers."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class ServiceType(models.Model):
    """A kind of service a child or family can be referred to (e.g. legal aid)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")

    def __str__(self):
        return self.name


class ReferralInstitution(models.Model):
    """An institution a case can be referred to, at one level of government."""

    class Level(models.TextChoices):
        REGENCY = "kabupaten", _("Regency/City")
        PROVINCE = "provinsi", _("Province")
        NATIONAL = "nasional", _("National")

    name = models.CharField(_("name"), max_length=200)
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
    services = models.ManyToManyField(
        ServiceType,
        verbose_name=_("services"),
        related_name="institutions",
        blank=True,
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

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
            models.UniqueConstraint(
                Lower("name"),
                "region",
                name="referral_institution_unique_name_per_region",
                violation_error_message=_(
                    "An institution with this name already exists in this region."
                ),
            ),
        ]

    def __str__(self):
        return self.name
