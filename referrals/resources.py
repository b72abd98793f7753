"""Spreadsheet import and export of the referral directory (xlsx and csv).

One row per institution. An imported row updates the institution with the same
name (ignoring case and spaces) in the same region, or creates one. Related rows
are named by stable keys: the region by its Kemendagri code (73, 73.09), services
and target groups by their codes separated by ";", the verifier by username, the
agency by its name or an alias. A bad value is reported with its row and column
and the allowed values; nothing is saved until every row is valid.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Value
from django.db.models.functions import Lower, Replace
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from participants.models import Agency
from regions.models import Region

from .models import ReferralInstitution, ServiceType, TargetGroup


class ChoiceWidget(widgets.CharWidget):
    """A choice field written as its code or its label, in any case."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        for code, label in self.choices:
            if text in (str(code).lower(), str(label).lower()):
                return code
        raise ValueError(
            _("“%(value)s” is not allowed; use one of: %(allowed)s.")
            % {"value": value or "", "allowed": ", ".join(c for c, _l in self.choices)}
        )


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
                _("“%(value)s” was not found. %(hint)s")
                % {"value": value, "hint": self.hint}
            ) from None


class AgencyWidget(LookupWidget):
    """An agency written as its name, short name or an alias; a name used in
    several regions means the one in the row's region (``AgencyQuerySet.resolve``,
    the rule every door follows)."""

    def get_instance_by_lookup_fields(self, value, row, **kwargs):
        code = str((row or {}).get("region") or "").strip()
        region = Region.objects.filter(code=code).first() if code else None
        agency, candidates = Agency.objects.resolve(str(value), region)
        if agency is None:
            if candidates:
                raise Agency.MultipleObjectsReturned
            raise Agency.DoesNotExist
        return agency


class CodesWidget(widgets.ManyToManyWidget):
    """Many-to-many rows written as their codes separated by ";"; an unknown code is
    a ValueError listing the known ones."""

    def __init__(self, model, **kwargs):
        super().__init__(model, separator=";", field="code", **kwargs)

    def clean(self, value, row=None, **kwargs):
        codes = {c.strip() for c in str(value or "").split(self.separator)} - {""}
        found = self.model.objects.filter(code__in=codes)
        unknown = codes - {obj.code for obj in found}
        if unknown:
            known = self.model.objects.values_list("code", flat=True)
            raise ValueError(
                _("Unknown code(s) %(unknown)s; use: %(known)s.")
                % {
                    "unknown": ", ".join(sorted(unknown)),
                    "known": ", ".join(known),
                }
            )
        return found


class ReferralInstitutionResource(resources.ModelResource):
    """The directory as a spreadsheet; see the module docstring for the columns."""

    level = fields.Field(
        attribute="level",
        column_name="level",
        widget=ChoiceWidget(ReferralInstitution.Level.choices),
    )
    region = fields.Field(
        attribute="region",
        column_name="region",
        widget=LookupWidget(
            Region,
            "code",
            hint=_("Use a Kemendagri region code such as 73 or 73.09."),
        ),
    )
    region_name = fields.Field(
        attribute="region__name", column_name="region_name", readonly=True
    )
    services = fields.Field(
        attribute="services", column_name="services", widget=CodesWidget(ServiceType)
    )
    target_groups = fields.Field(
        attribute="target_groups",
        column_name="target_groups",
        widget=CodesWidget(TargetGroup),
    )
    agency = fields.Field(
        attribute="agency",
        column_name="agency",
        widget=AgencyWidget(
            Agency, "name", hint=_("Use the name of one existing agency.")
        ),
    )
    verified_by = fields.Field(
        attribute="verified_by",
        column_name="verified_by",
        widget=LookupWidget(
            get_user_model(), "username", hint=_("Use an existing username.")
        ),
    )

    class Meta:
        model = ReferralInstitution
        fields = [
            "name",
            "level",
            "region",
            "region_name",
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

    def get_queryset(self):
        return ReferralInstitution.objects.select_related(
            "region", "agency", "verified_by"
        ).prefetch_related("services", "target_groups")

    def before_import_row(self, row, **kwargs):
        # Spreadsheet cells: empty is None, a number typed without quotes is a
        # float (129.0); the model wants "" and the digits.
        for column, value in row.items():
            if value is None:
                row[column] = ""
            elif isinstance(value, float) and value.is_integer():
                row[column] = str(int(value))

    def get_instance(self, instance_loader, row):
        """The institution with the row's name, ignoring case and spaces, in the
        row's region; ``None`` (a new one) when there is none or the region is
        invalid (reported when the row is validated)."""
        name = "".join(str(row.get("name") or "").split()).lower()
        try:
            region = self.fields["region"].clean(row)
        except ValueError:
            return None
        if not name:
            return None
        return (
            ReferralInstitution.objects.annotate(
                name_key=Lower(Replace("name", Value(" "), Value("")))
            )
            .filter(name_key=name, region=region)
            .first()
        )

    def import_instance(self, instance, row, **kwargs):
        # Services and target groups are saved after the row; check their codes
        # now so a bad code is a validation error on its row, not a crash.
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
