from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from regions.forms import RegionField
from regions.models import VILLAGE_LEVELS
from setara.admin_site import HistoryAdmin
from setara.export_log import ExportListFilter, export_label_column
from setara.submission import SubmissionTokenFormMixin, submitted_record

from .matching import ParticipantMatch
from .merging import agency_merge, agency_merge_undo
from .models import (
    Agency,
    AgencyAlias,
    AgencyMerge,
    ExportLog,
    Participant,
    ParticipantMerge,
)
from .services import participant_matches, registry_lock


class AgencyAliasInline(admin.TabularInline):
    model = AgencyAlias
    extra = 1


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "type", "region"]
    list_filter = ["type", ("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "short_name", "aliases__name"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    inlines = [AgencyAliasInline]
    actions = ["merge_agencies"]

    def has_merge_permission(self, request):
        return request.user.has_perm("participants.merge_agency")

    @admin.action(
        description=_("Merge two agencies (one record of one agency)"),
        permissions=["merge"],
    )
    def merge_agencies(self, request, queryset):
        """Two agencies selected: a confirmation page to choose the one kept, then
        ``agency_merge``."""
        agencies = list(queryset.select_related("region").order_by("pk"))
        if len(agencies) != 2:
            self.message_user(
                request, _("Select exactly two agencies to merge."), messages.ERROR
            )
            return None
        if request.POST.get("confirm") == "yes":
            keep = request.POST.get("keep")
            if keep in {str(a.pk) for a in agencies}:
                survivor, duplicate = sorted(agencies, key=lambda a: str(a.pk) != keep)
                try:
                    agency_merge(
                        survivor=survivor, duplicate=duplicate, user=request.user
                    )
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
                    return None
                self.message_user(
                    request,
                    _("%(duplicate)s was merged into %(survivor)s.")
                    % {"duplicate": duplicate, "survivor": survivor},
                )
                return None
        counts = {
            row["agency"]: row["count"]
            for row in Participant.objects.filter(agency__in=agencies)
            .values("agency")
            .annotate(count=Count("id"))
        }
        for agency in agencies:
            agency.participant_count = counts.get(agency.pk, 0)
        return TemplateResponse(
            request,
            "admin/participants/agency/merge_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Merge two agencies"),
                "opts": self.model._meta,
                "agencies": agencies,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


class ParticipantAdminForm(SubmissionTokenFormMixin, forms.ModelForm):
    """The admin's participant form: on add, the one identity rule
    (``participant_matches``) with what was typed; probable matches refuse the
    save, each listed once, until "save anyway" is ticked.

    ``shows_full_nik`` (set by ``ParticipantAdmin.get_form``): whether the user
    may see a match's full NIK (``participants.export_personal_data``); otherwise
    it is masked. On change the check is not run and the box is not shown.
    """

    shows_full_nik = False

    village_region = RegionField(
        levels=VILLAGE_LEVELS,
        required=False,
        label=_("Village (desa/kelurahan)"),
    )
    save_anyway = forms.BooleanField(
        label=_("This is a different person: save anyway"),
        required=False,
        help_text=_(
            "Tick only after checking that none of the people listed is this person."
        ),
    )

    class Meta:
        model = Participant
        fields = [
            "full_name",
            "sex",
            "agency",
            "position",
            "village_region",
            "village",
            "birth_date",
            "birth_year",
            "disability",
            "phone",
            "email",
            "nik",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields.pop("save_anyway", None)

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is not None:
            return cleaned_data
        # Held until the admin view's transaction ends (the admin saves in one),
        # so two admins adding the same person cannot both miss each other, and a
        # form sent twice (a double click, Back then Save) finds its first copy.
        registry_lock()
        saved = submitted_record(Participant, self.submitted_token())
        if saved is not None:
            raise ValidationError(
                _("This person was saved already: #%(id)s %(name)s.")
                % {"id": saved.pk, "name": saved.full_name},
                code="already_saved",
            )
        if cleaned_data.get("save_anyway"):
            return cleaned_data
        matches = participant_matches(
            full_name=cleaned_data.get("full_name") or "",
            phone=cleaned_data.get("phone") or "",
            nik="".join((cleaned_data.get("nik") or "").split()),
            agency=cleaned_data.get("agency"),
        )
        if matches:
            raise ValidationError(
                [
                    _(
                        "This person is probably already in the registry; check, "
                        'or tick "%(box)s":'
                    )
                    % {"box": self.fields["save_anyway"].label},
                    *(self._match_line(match) for match in matches),
                ],
                code="probable_match",
            )
        return cleaned_data

    def _match_line(self, match: ParticipantMatch) -> str:
        """One line per match, "#<id> <name> (<agency>): <reasons>", with the NIK
        (masked for those who may not see it) when the NIKs are the same."""
        person = match.participant
        values = {
            "id": person.pk,
            "name": person.full_name,
            "agency": person.agency or _("No agency"),
            "reasons": ", ".join(str(label) for label in match.reason_labels),
        }
        if "nik" not in match.reasons:
            return _("#%(id)s %(name)s (%(agency)s): %(reasons)s") % values
        nik = person.nik if self.shows_full_nik else person.nik_masked
        return _("#%(id)s %(name)s (%(agency)s): %(reasons)s; NIK %(nik)s") % {
            **values,
            "nik": nik,
        }


@admin.register(Participant)
class ParticipantAdmin(HistoryAdmin):
    form = ParticipantAdminForm
    list_display = ["full_name", "sex", "agency", "position", "phone", "nik_masked"]
    list_filter = ["sex", "disability", "agency__type", "agency"]
    search_fields = ["full_name", "normalised_name", "phone", "nik", "agency__name"]
    list_select_related = ["agency"]
    autocomplete_fields = ["agency"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "full_name",
                    "sex",
                    "agency",
                    "position",
                    "village_region",
                    "village",
                ]
            },
        ),
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
        if self.shows_full_nik(request):
            return [n if n != "nik_masked" else "nik" for n in self.list_display]
        return self.list_display

    def save_model(self, request, obj, form, change):
        if not change:
            obj.submission_token = form.submitted_token()
        super().save_model(request, obj, form, change)

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The token is a form field of the mixin, not the (non-editable) model
        # field of the same name, which a model form may not list.
        fields = kwargs.get("fields", ())
        if "fields" not in kwargs:
            fields = flatten_fieldsets(self.get_fieldsets(request, obj))
        if fields is not None:
            kwargs["fields"] = [name for name in fields if name != "submission_token"]
        form = super().get_form(request, obj, change=change, **kwargs)
        form.shows_full_nik = self.shows_full_nik(request, obj)
        return form

    def get_fieldsets(self, request, obj=None):
        # Without export_personal_data, and on a past version (the history), the
        # change form shows the NIK masked, read-only, as the app's pages do.
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:  # adding: the box that saves despite probable matches,
            # and the one-time token that makes the form safe to send twice
            extra = ["save_anyway", "submission_token"]
            fieldsets = [*fieldsets, (None, {"fields": extra})]
        if self.shows_full_nik(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": _masked(options["fields"])})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if self.shows_full_nik(request, obj):
            return fields
        return [*fields, "nik_masked"]

    def get_search_fields(self, request):
        # Searching by a full NIK would confirm it: only for those who may see it
        # (and filters by NIK are refused to them: setara.admin_site).
        if self.shows_full_nik(request):
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
    """Read-only: the log is written by the exports themselves. Exports show by
    their readable names (``setara.export_log.export_label``)."""

    list_display = ["created_at", "user", export_label_column, "row_count"]
    list_filter = [ExportListFilter, "created_at"]
    search_fields = ["user__username", "export"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    fields = ["created_at", "user", "export_name", "filters", "row_count"]
    readonly_fields = fields

    @admin.display(description=_("export"))
    def export_name(self, obj):
        return export_label_column(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _MergeRecordAdmin(admin.ModelAdmin):
    """Merges are written by the merge services only: the admin reads them."""

    list_display = ["__str__", "survivor", "user", "created_at", "undone_at"]
    list_select_related = ["survivor", "user", "undone_by"]
    list_filter = ["created_at"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ParticipantMerge)
class ParticipantMergeAdmin(_MergeRecordAdmin):
    """Read only; admins undo a merge on the app's page of merges (it moves
    enrolments and attendance, see ``setara.merging``)."""

    readonly_fields = [
        "survivor",
        "duplicate_id",
        "user",
        "created_at",
        "undone_at",
        "undone_by",
        "moved_enrolment_ids",
        "removed_enrolments",
        "attendance_changes",
    ]
    fields = readonly_fields


@admin.register(AgencyMerge)
class AgencyMergeAdmin(_MergeRecordAdmin):
    """Read, and undo (admins) with the action."""

    actions = ["undo_merges"]
    readonly_fields = [
        "survivor",
        "duplicate_id",
        "duplicate_data",
        "repointed",
        "moved_alias_ids",
        "created_alias_ids",
        "user",
        "created_at",
        "undone_at",
        "undone_by",
    ]
    fields = readonly_fields

    def has_undo_permission(self, request):
        return request.user.has_perm("participants.undo_agencymerge")

    @admin.action(description=_("Undo the selected merges"), permissions=["undo"])
    def undo_merges(self, request, queryset):
        for merge in queryset.order_by("-pk"):
            try:
                agency_merge_undo(merge=merge, user=request.user)
            except ValidationError as error:
                self.message_user(
                    request, f"{merge}: {' '.join(error.messages)}", messages.ERROR
                )
            else:
                self.message_user(request, _("Undone: %(merge)s") % {"merge": merge})
