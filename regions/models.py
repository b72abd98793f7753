"""Administrative regions of Indonesia, shared by trainings, agencies and referrals.

Codes follow the Ministry of Home Affairs (Kemendagri) region codes, as published in
Kepmendagri No. 100.1.1-6117 Tahun 2022 (kode dan data wilayah administrasi
pemerintahan): a province has two digits ("73" = Sulawesi Selatan), a regency or
city adds two more after a dot ("73.09" = Kabupaten Maros).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from setara.fields import SingleLineCharField

PROVINCE_CODE_RE = r"^[0-9]{2}$"
REGENCY_CODE_RE = r"^[0-9]{2}\.[0-9]{2}$"


def within_q(region, field: str = "region") -> Q:
    """A Q for rows whose ``field`` (a lookup to a ``Region``) is ``region`` or,
    when ``region`` is a province, one of its regencies/cities. ``region`` is a
    ``Region`` or its primary key; the one rule for "a region includes what is
    below it" (``Training.objects.filter(within_q(sulsel))``)."""
    return Q(**{field: region}) | Q(**{f"{field}__parent": region})


class RegionQuerySet(models.QuerySet):
    def regencies(self):
        """Regencies and cities (not provinces), by code."""
        return self.filter(parent__isnull=False).order_by("code")


class Region(models.Model):
    """A province or a regency/city, identified by its Kemendagri code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        REGENCY = "regency", _("Regency")
        CITY = "city", _("City")

    code = models.CharField(
        _("region code"),
        max_length=5,
        unique=True,
        help_text=_("Kemendagri code: 73 for a province, 73.09 for a regency/city."),
    )
    name = SingleLineCharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            # A province has a two-digit code and no parent; a regency or city has
            # a four-digit code and a parent province.
            models.CheckConstraint(
                condition=(
                    Q(
                        level="province",
                        code__regex=PROVINCE_CODE_RE,
                        parent__isnull=True,
                    )
                    | Q(
                        level__in=["regency", "city"],
                        code__regex=REGENCY_CODE_RE,
                        parent__isnull=False,
                    )
                ),
                name="region_code_matches_level",
                violation_error_message=_(
                    "A province has a code like 73 and no parent; a regency or city "
                    "has a code like 73.09 and a parent province."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent_id and self.code and self.parent.code != self.code.split(".")[0]:
            raise ValidationError(
                {
                    "code": _("The code must start with the province code %(code)s.")
                    % {"code": self.parent.code}
                }
            )
