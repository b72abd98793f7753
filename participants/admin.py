from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, AgencyAlias, ExportLog, Participant


class AgencyAliasInline(admin.TabularInline):
    model = AgencyAlias
    extra = 1


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "type", "region"]
    list_filter = ["type", "region"]
    search_fields = ["name", "short_name", "aliases__name"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    inlines = [AgencyAliasInline]


@admin.register(Participant)
class ParticipantAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "sex", "agency", "position", "phone", "nik_masked"]
    list_filter = ["sex", "disability", "agency__type", "agency"]
    search_fields = ["full_name", "normalised_name", "phone", "nik", "agency__name"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["full_name", "sex", "agency", "position", "village"]}),
        (
            _("Personal data"),
            {
                "fields": [
                    "birth_date",
                    "birth_year",
                    "disability",
                    "phone",
                    "email",
                    "nik",
                ]
            },
        ),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    def get_list_display(self, request):
        # The full NIK only for those who may export personal data.
        if request.user.has_perm("participants.export_personal_data"):
            return [n if n != "nik_masked" else "nik" for n in self.list_display]
        return self.list_display

    def get_fieldsets(self, request, obj=None):
        # Without export_personal_data (programme staff given admin access) the
        # change form shows the NIK masked, read-only, as the app's pages do.
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.has_perm("participants.export_personal_data"):
            return fieldsets
        return [
            (name, {**options, "fields": _masked(options["fields"])})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if request.user.has_perm("participants.export_personal_data"):
            return fields
        return [*fields, "nik_masked"]

    def get_search_fields(self, request):
        # Searching by a full NIK would confirm it: only for those who may see it.
        if request.user.has_perm("participants.export_personal_data"):
            return self.search_fields
        return [name for name in self.search_fields if name != "nik"]

    @admin.display(description=_("NIK"))
    def nik_masked(self, obj):
        return obj.nik_masked


def _masked(fields):
    return ["nik_masked" if name == "nik" else name for name in fields]


@admin.register(AgencyAlias)
class AgencyAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "agency"]
    search_fields = ["name", "agency__name"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the exports themselves."""

    list_display = ["created_at", "user", "export", "row_count"]
    list_filter = ["export", "created_at"]
    search_fields = ["user__username", "export"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "user", "export", "filters", "row_count"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
