"""Admin of the referral directory: only the Admin role (or a superuser) opens the
admin (``setara.admin_site``) and changes it; the other roles read the directory
on its own page (``referrals:directory``)."""

from django.contrib import admin, messages
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from import_export.forms import SelectableFieldsExportForm

from regions.forms import RegionField
from regions.models import REGENCY_LEVELS, Region
from setara.admin_imports import BoundedImportMixin
from setara.admin_site import HistoryAdmin
from setara.export_log import export_log_filters, export_log_record
from setara.spreadsheets import SafeCSV, SafeXLSX

from .models import ReferralInstitution, ServiceType, TargetGroup, verification_cutoff
from .resources import ReferralInstitutionResource
from .services import institutions_mark_verified, institutions_set_active

#: The levels of an institution's region: a province (province-level
#: institutions) or a regency/city (regency-level institutions).
INSTITUTION_REGION_LEVELS = (Region.Level.PROVINCE.value, *REGENCY_LEVELS)


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]
    list_editable = ["position"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class VerificationFilter(admin.SimpleListFilter):
    """Current (verified in the last 12 months), stale, or never verified."""

    title = _("verification")
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [
            ("current", _("Verified in the last 12 months")),
            ("stale", _("Older than 12 months")),
            ("never", _("Never verified")),
        ]

    def queryset(self, request, queryset):
        cutoff = verification_cutoff(timezone.localdate())
        if self.value() == "current":
            return queryset.filter(last_verified_on__gte=cutoff)
        if self.value() == "stale":
            return queryset.filter(last_verified_on__lt=cutoff)
        if self.value() == "never":
            return queryset.filter(last_verified_on__isnull=True)
        return queryset


class ColumnExportForm(SelectableFieldsExportForm):
    """django-import-export's export form with each column's checkbox labelled
    by its header in the file ("Nama", "Wilayah"), not by the field's name."""

    def _get_field_label(self, resource, field_name: str) -> str:
        return str(resource.fields[field_name].column_name)


@admin.register(ReferralInstitution)
class ReferralInstitutionAdmin(
    BoundedImportMixin, ImportExportModelAdmin, HistoryAdmin
):
    resource_classes = [ReferralInstitutionResource]
    formats = [SafeXLSX, SafeCSV]
    export_form_class = ColumnExportForm
    list_display = [
        "name",
        "level",
        "region",
        "phone",
        "is_active",
        "last_verified_on",
        "verified_by",
    ]
    list_filter = [
        "level",
        # Only the regions institutions are in: never a sidebar of 91,599 regions.
        ("region", admin.RelatedOnlyFieldListFilter),
        "services",
        "target_groups",
        "is_active",
        VerificationFilter,
    ]
    search_fields = [
        "name",
        "address",
        "focal_person",
        "email",
        "phone",
        "notes",
        "services__name",
    ]
    list_select_related = ["region", "verified_by"]
    autocomplete_fields = ["agency"]
    filter_horizontal = ["services", "target_groups"]
    readonly_fields = ["last_verified_on", "verified_by", "updated_at"]
    # A website typed without a scheme is taken as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["activate", "deactivate", "mark_verified"]
    fieldsets = [
        (None, {"fields": ["name", "level", "region", "agency", "is_active"]}),
        (
            _("Contacts"),
            {
                "fields": [
                    "address",
                    "phone",
                    "phone_alt",
                    "whatsapp",
                    "email",
                    "website",
                    "opening_hours",
                    "focal_person",
                ]
            },
        ),
        (
            _("Services"),
            {
                "fields": [
                    "services",
                    "target_groups",
                    "eligibility",
                    "requirements",
                    "cost",
                    "accessibility",
                    "languages",
                    "notes",
                ]
            },
        ),
        (
            _("Verification"),
            {"fields": ["last_verified_on", "verified_by", "updated_at"]},
        ),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The app's region picker, offering provinces, regencies and cities; the
        # model's clean() says which of them the chosen level needs.
        if db_field.name == "region":
            return RegionField(
                levels=INSTITUTION_REGION_LEVELS,
                required=False,
                label=db_field.verbose_name.capitalize(),
                help_text=db_field.help_text,
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_import_permission(self, request):
        # django-import-export allows every admin user to import unless a setting
        # says otherwise; importing changes the directory, so require that.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_export_filename(self, request, queryset, file_format) -> str:
        """Named after the directory, in the interface language, and the day:
        ``direktori-rujukan-2026-12-04.xlsx``."""
        return "{}-{}.{}".format(
            slugify(gettext("Referral directory")),
            timezone.localdate().isoformat(),
            file_format.get_extension(),
        )

    def get_data_for_export(self, request, queryset, **kwargs):
        # The file names focal persons: record it in the export log.
        data = super().get_data_for_export(request, queryset, **kwargs)
        export_log_record(
            user=request.user,
            export=f"admin:{self.opts.app_label}_{self.opts.model_name}_export",
            filters=export_log_filters(request.GET),
            row_count=len(data),
        )
        return data

    @admin.action(
        description=_("Activate selected institutions"), permissions=["change"]
    )
    def activate(self, request, queryset):
        count = institutions_set_active(
            institutions=queryset, active=True, user=request.user
        )
        self._report(request, count)

    @admin.action(
        description=_("Deactivate selected institutions"), permissions=["change"]
    )
    def deactivate(self, request, queryset):
        count = institutions_set_active(
            institutions=queryset, active=False, user=request.user
        )
        self._report(request, count)

    @admin.action(
        description=_("Mark selected institutions as verified today"),
        permissions=["change"],
    )
    def mark_verified(self, request, queryset):
        count = institutions_mark_verified(institutions=queryset, user=request.user)
        self._report(request, count)

    def _report(self, request, count):
        self.message_user(
            request,
            ngettext(
                "%(count)d institution updated.",
                "%(count)d institutions updated.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
