from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from regions.forms import RegionField
from setara.admin_site import HistoryAdmin

from .forms import VENUE_LEVELS
from .models import Attendance, Enrolment, ImportUpload, Topic, Training
from .services import training_delete


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    autocomplete_fields = ["participant"]
    show_change_link = True


@admin.register(Training)
class TrainingAdmin(HistoryAdmin):
    list_display = ["title", "start_date", "end_date", "region", "participant_count"]
    # Only the regions trainings were held in: never a sidebar of 91,599 regions.
    list_filter = [
        "start_date",
        ("region", admin.RelatedOnlyFieldListFilter),
        "topics",
    ]
    search_fields = ["title", "venue", "organiser"]
    date_hierarchy = "start_date"
    # Explicit: the participant count's GROUP BY drops the model's default
    # ordering, which left the autocomplete's pages unordered.
    ordering = ["-start_date", "title"]
    list_select_related = ["region"]
    filter_horizontal = ["topics"]
    inlines = [EnrolmentInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The app's region picker: the venue's levels only, labelled with the
        # parents ("Tompobulu, Kec. Tompobulu, Kab. Maros").
        if db_field.name == "region":
            return RegionField(
                levels=VENUE_LEVELS, label=db_field.verbose_name.capitalize()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).with_participant_count()

    @admin.display(description=_("Participants"), ordering="participant_count")
    def participant_count(self, obj):
        return obj.participant_count

    # Through the service, so that the deleted-records page can restore a training
    # with the enrolments and attendance deleted with it.
    def delete_model(self, request, obj):
        training_delete(training=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for training in queryset:
            training_delete(training=training, user=request.user)


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0


@admin.register(Enrolment)
class EnrolmentAdmin(HistoryAdmin):
    list_display = ["participant", "training", "role"]
    list_filter = ["role", "training"]
    search_fields = ["participant__full_name", "training__title"]
    list_select_related = ["participant", "training"]
    autocomplete_fields = ["participant", "training"]
    inlines = [AttendanceInline]


@admin.register(Attendance)
class AttendanceAdmin(HistoryAdmin):
    list_display = ["participant_name", "training_title", "date", "present"]
    list_filter = ["present", "date"]
    search_fields = ["enrolment__participant__full_name", "enrolment__training__title"]
    list_select_related = ["enrolment__participant", "enrolment__training"]
    autocomplete_fields = ["enrolment"]

    @admin.display(
        description=_("Participant"), ordering="enrolment__participant__full_name"
    )
    def participant_name(self, obj):
        return obj.enrolment.participant.full_name

    @admin.display(description=_("Training"), ordering="enrolment__training__title")
    def training_title(self, obj):
        return obj.enrolment.training.title


@admin.register(ImportUpload)
class ImportUploadAdmin(admin.ModelAdmin):
    """Uploads waiting for import confirmation, or imported in the last day: who,
    which training, when. Read-only; the file itself is never shown."""

    list_display = ["filename", "training", "user", "created_at", "consumed_at"]
    list_select_related = ["training", "user"]
    fields = ["filename", "training", "user", "created_at", "consumed_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
