"""Spreadsheet import and export of the referral directory (xlsx and csv).

One row per institution, in columns a person reads: the headers are the fields'
names in the interface language ("Nama", "Tingkat", "Wilayah", ...), the level
is its label ("Kabupaten/Kota"), the region its name ("Kabupaten Maros"),
services and target groups their names separated by ";", "active" yes or no,
the verifier a username, the agency its name, phones in the national form
(0411-371234) and the verification date a date.

An imported file may use the headers of either language, or the field names of
older files (``name``, ``region``, ``services``, ...), and each value in the
form it is exported in or the older one: a level by code, a region by its
Kemendagri code (73, 73.09), services and target groups by their codes. An
imported row updates the institution with the same name (ignoring case and
spaces) in the same region, or creates one; the agency is named by its name or
an alias. A bad value is reported with its row and column and the allowed
values; nothing is saved until every row is valid. So a file exported and
imported again changes nothing.
"""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, Value
from django.db.models.functions import Lower, Replace
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from participants.models import Agency
from participants.normalisation import (
    InvalidPhoneNumber,
    display_phone,
    normalise_phone,
    parse_date,
)
from regions.models import ANY_CODE_RE, Region
from setara.spreadsheets import is_formula_like

from .models import (
    ReferralInstitution,
    ServiceType,
    TargetGroup,
    normalise_directory_phone,
)

#: The levels of an institution's region (provinces, regencies and cities).
REGION_LEVELS = (
    Region.Level.PROVINCE.value,
    Region.Level.REGENCY.value,
    Region.Level.CITY.value,
)


def _key(text) -> str:
    """``text`` as headers and names are compared: case-folded, spaces
    collapsed."""
    return " ".join(str(text or "").split()).casefold()


def in_every_language(text) -> set[str]:
    """``_key`` of ``text`` (lazy text, or a record whose ``str`` follows the
    language, as service types do) in each interface language
    (``settings.LANGUAGES``)."""
    found = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found.add(_key(text))
    return found


def header(model_field: str):
    """The column header of ``ReferralInstitution.<model_field>``: its verbose
    name, capitalised, in the language active when it is read (lazy)."""
    return capfirst(ReferralInstitution._meta.get_field(model_field).verbose_name)


class ChoiceWidget(widgets.CharWidget):
    """A choice field written as its label in the active language, and read as
    its code or its label in any interface language, in any case."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = _key(value)
        for code, label in self.choices:
            if text == _key(code) or text in in_every_language(label):
                return code
        raise ValueError(
            gettext("“%(value)s” is not allowed; use one of: %(allowed)s.")
            % {
                "value": value or "",
                "allowed": ", ".join(str(label) for _c, label in self.choices),
            }
        )

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices).get(value, value or ""))


class YesNoWidget(widgets.Widget):
    """A yes/no field written as "yes" or "no" in the active language, and read
    as yes/no in any interface language, 1/0 or true/false; empty is the
    field's default."""

    YES = _("yes")
    NO = _("no")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = _key(value)
        if not text:
            return None
        if text in {"1", "true"} | in_every_language(self.YES):
            return True
        if text in {"0", "false"} | in_every_language(self.NO):
            return False
        raise ValueError(
            gettext("“%(value)s” is not allowed; use %(yes)s or %(no)s.")
            % {"value": value, "yes": self.YES, "no": self.NO}
        )

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return str(self.YES if value else self.NO)


class DayFirstDateWidget(widgets.Widget):
    """A date written as a date (a date cell in .xlsx, 18/10/2023 in .csv) and
    read as the app reads every date (``participants.normalisation.parse_date``:
    a date cell, day first 18/10/2023 or 18 Oktober 2023, or ISO 2023-10-18;
    never month first)."""

    def clean(self, value, row=None, **kwargs):
        return parse_date(value)

    def render(self, value, obj=None, **kwargs):
        return value or ""


class PhoneWidget(widgets.CharWidget):
    """A phone number written in the national form people read
    (``display_phone``: 0411-371234, 0812-3456-7890, 129) and read as the model
    stores it (``normalise``: ``normalise_directory_phone`` or
    ``normalise_phone``), so an unchanged number is no change; a number that is
    not one is kept as written, for the model's message."""

    def __init__(self, normalise, **kwargs):
        self.normalise = normalise
        super().__init__(allow_blank=True, **kwargs)

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row, **kwargs)
        try:
            return self.normalise(text)
        except InvalidPhoneNumber:
            return text

    def render(self, value, obj=None, **kwargs):
        return display_phone(value)


class LookupWidget(widgets.ForeignKeyWidget):
    """A foreign key written as one field of the related row; an unknown value is
    a ValueError naming the value, so the import reports it on its row."""

    def __init__(self, model, field, hint, **kwargs):
        self.hint = hint
        super().__init__(model, field=field, **kwargs)

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (self.model.DoesNotExist, self.model.MultipleObjectsReturned):
            raise ValueError(
                gettext("“%(value)s” was not found. %(hint)s")
                % {"value": value, "hint": self.hint}
            ) from None


class RegionWidget(LookupWidget):
    """The region written as its name ("Kabupaten Maros", "Sulawesi Selatan"),
    read as the name of a province, regency or city (ignoring case; names at
    those levels are unique, an active region wins over an inactive one) or as
    its Kemendagri code (73.09)."""

    def __init__(self, **kwargs):
        hint = _(
            "Use the name of a province, regency or city as written in the "
            "directory (Kabupaten Maros) or its Kemendagri code (73.09)."
        )
        super().__init__(Region, "name", hint=hint, **kwargs)

    def get_instance_by_lookup_fields(self, value, row, **kwargs):
        text = " ".join(str(value).split())
        if re.fullmatch(ANY_CODE_RE, text):
            return Region.objects.get(code=text)
        found = Region.objects.filter(
            Q(name__iexact=text), level__in=REGION_LEVELS
        ).order_by("-is_active", "code")
        regions = list(found[:2])
        if not regions:
            raise Region.DoesNotExist
        if len(regions) > 1 and regions[0].is_active == regions[1].is_active:
            raise Region.MultipleObjectsReturned
        return regions[0]


class AgencyWidget(LookupWidget):
    """An agency written as its name, short name or an alias; a name used in
    several regions means the one in the row's region (``AgencyQuerySet.resolve``,
    the rule every door follows). ``region_field`` reads the row's region."""

    def __init__(self, model, field, hint, region_field, **kwargs):
        self.region_field = region_field
        super().__init__(model, field, hint, **kwargs)

    def get_instance_by_lookup_fields(self, value, row, **kwargs):
        try:
            region = self.region_field.clean(row or {})
        except (KeyError, ValueError):
            region = None
        agency, candidates = Agency.objects.resolve(str(value), region)
        if agency is None:
            if candidates:
                raise Agency.MultipleObjectsReturned
            raise Agency.DoesNotExist
        return agency


class NamesWidget(widgets.ManyToManyWidget):
    """Many-to-many rows written as their names in the active language separated
    by "; ", read as their codes or names in any interface language (ignoring
    case) separated by ";"; an unknown one is a ValueError listing the known
    names."""

    def __init__(self, model, **kwargs):
        super().__init__(model, separator=";", field="code", **kwargs)

    def clean(self, value, row=None, **kwargs):
        wanted = {_key(part) for part in str(value or "").split(self.separator)}
        wanted.discard("")
        known = list(self.model.objects.all())
        found, unknown = [], []
        keys = [(obj, {_key(obj.code), _key(obj.name)}) for obj in known]
        for text in sorted(wanted):
            matches = [obj for obj, obj_keys in keys if text in obj_keys] or [
                obj for obj in known if text in in_every_language(obj)
            ]
            if matches:
                found.append(matches[0])
            else:
                unknown.append(text)
        if unknown:
            raise ValueError(
                gettext("Unknown %(unknown)s; use: %(known)s.")
                % {
                    "unknown": ", ".join(f"“{text}”" for text in unknown),
                    "known": "; ".join(str(obj) for obj in known),
                }
            )
        return self.model.objects.filter(pk__in=[obj.pk for obj in found])

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "; ".join(str(related) for related in value.all())


def _field(attribute: str, widget=None, **kwargs) -> fields.Field:
    """The column of ``ReferralInstitution.<attribute>``, headed by its verbose
    name (``header``)."""
    return fields.Field(
        attribute=attribute,
        column_name=header(attribute),
        widget=widget or widgets.CharWidget(allow_blank=True),
        **kwargs,
    )


class ReferralInstitutionResource(resources.ModelResource):
    """The directory as a spreadsheet; see the module docstring for the columns."""

    name = _field("name")
    level = _field("level", ChoiceWidget(ReferralInstitution.Level.choices))
    region = _field("region", RegionWidget())
    address = _field("address")
    phone = _field("phone", PhoneWidget(normalise_directory_phone))
    phone_alt = _field("phone_alt", PhoneWidget(normalise_directory_phone))
    whatsapp = _field("whatsapp", PhoneWidget(normalise_phone))
    email = _field("email")
    website = _field("website")
    opening_hours = _field("opening_hours")
    focal_person = _field("focal_person")
    services = _field("services", NamesWidget(ServiceType))
    target_groups = _field("target_groups", NamesWidget(TargetGroup))
    eligibility = _field("eligibility")
    requirements = _field("requirements")
    cost = _field("cost")
    accessibility = _field("accessibility")
    languages = _field("languages")
    notes = _field("notes")
    agency = _field(
        "agency",
        AgencyWidget(
            Agency,
            "name",
            hint=_("Use the name of one existing agency."),
            region_field=region,
        ),
    )
    is_active = _field("is_active", YesNoWidget(), default=True)
    last_verified_on = _field("last_verified_on", DayFirstDateWidget())
    verified_by = _field(
        "verified_by",
        LookupWidget(get_user_model(), "username", hint=_("Use an existing username.")),
    )

    class Meta:
        model = ReferralInstitution
        fields = [
            "name",
            "level",
            "region",
            "address",
            "phone",
            "phone_alt",
            "whatsapp",
            "email",
            "website",
            "opening_hours",
            "focal_person",
            "services",
            "target_groups",
            "eligibility",
            "requirements",
            "cost",
            "accessibility",
            "languages",
            "notes",
            "agency",
            "is_active",
            "last_verified_on",
            "verified_by",
        ]
        export_order = fields
        import_id_fields = ["name", "region"]
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    @classmethod
    def get_display_name(cls) -> str:
        return gettext("Referral directory")

    def get_queryset(self):
        return ReferralInstitution.objects.select_related(
            "region", "agency", "verified_by"
        ).prefetch_related("services", "target_groups")

    def before_import(self, dataset, **kwargs):
        """Rename the file's headers to this language's: a header of either
        interface language or an older file's field name, in any case."""
        headers = {}
        for name, field in self.fields.items():
            for key in in_every_language(field.column_name) | {_key(name)}:
                headers.setdefault(key, str(field.column_name))
        if dataset.headers:
            dataset.headers = [
                headers.get(_key(text), text) for text in dataset.headers
            ]

    def before_import_row(self, row, **kwargs):
        # Spreadsheet cells: empty is None, a number typed without quotes is a
        # float (129.0); the model wants "" and the digits. A .csv export marks
        # formula-like text with a leading apostrophe (setara.spreadsheets):
        # read such text back without it.
        for column, value in row.items():
            if value is None:
                row[column] = ""
            elif isinstance(value, float) and value.is_integer():
                row[column] = str(int(value))
            elif (
                isinstance(value, str)
                and value.startswith("'")
                and is_formula_like(value[1:])
            ):
                row[column] = value[1:]

    def get_instance(self, instance_loader, row):
        """The institution with the row's name, ignoring case and spaces, in the
        row's region; ``None`` (a new one) when there is none or the region is
        invalid (reported when the row is validated)."""
        try:
            name = "".join(str(self.fields["name"].clean(row) or "").split())
            region = self.fields["region"].clean(row)
        except (KeyError, ValueError):
            return None
        if not name:
            return None
        return (
            ReferralInstitution.objects.annotate(
                name_key=Lower(Replace("name", Value(" "), Value("")))
            )
            .filter(name_key=name.lower(), region=region)
            .first()
        )

    def validate_instance(
        self, instance, import_validation_errors=None, validate_unique=True
    ):
        """The library's check, with each error under its column's header (the
        import page lists errors by these keys), not the field's name."""
        try:
            super().validate_instance(
                instance, import_validation_errors, validate_unique
            )
        except ValidationError as error:
            raise ValidationError(
                {
                    self._column_of(name): messages
                    for name, messages in error.message_dict.items()
                }
            ) from None

    def _column_of(self, name: str) -> str:
        """The header of field ``name``; other keys (``__all__``) unchanged."""
        field = self.fields.get(name)
        return str(field.column_name) if field else name

    def import_instance(self, instance, row, **kwargs):
        # Services and target groups are saved after the row; check them now so
        # a bad name is a validation error on its row, not a crash.
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for name in ("services", "target_groups"):
            field = self.fields[name]
            if field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[name] = [ValidationError(str(error), code="invalid")]
        if errors:
            raise ValidationError(errors)
