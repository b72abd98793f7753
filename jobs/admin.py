"""Background jobs in the Django admin: read-only, with the failures easy to find;
admins may delete jobs, and deleting a job removes its file (``jobs_delete``).
The file itself is not linked here: downloads go through ``jobs:download`` only,
which checks the role and records personal data in the export log."""

from django.contrib import admin
from django.template.defaultfilters import filesizeformat, truncatechars
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from .models import Job
from .services import jobs_delete

# The queue's own rows (task path, job id, and a traceback if a task raised, which
# may quote personal data) are the worker's business; admins follow jobs above.
admin.site.unregister(DBTaskResult)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "status",
        "created_by",
        "created_at",
        "finished_at",
        "file_size",
        "short_error",
    ]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["title", "created_by__username", "error_message"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    # Not "file": its link would bypass the download view and the export log.
    fields = [
        "title",
        "kind",
        "task_name",
        "status",
        "created_by",
        "progress_done",
        "progress_total",
        "filename",
        "content_type",
        "size",
        "personal",
        "permission",
        "error_message",
        "params",
        "result",
        "language",
        "created_at",
        "started_at",
        "finished_at",
        "expires_at",
        "updated_at",
        "task_id",
    ]
    readonly_fields = fields

    @admin.display(description=_("size"), ordering="size")
    def file_size(self, job):
        return filesizeformat(job.size) if job.size is not None else "—"

    @admin.display(description=_("error"))
    def short_error(self, job):
        return truncatechars(job.error_message, 80)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        jobs_delete(jobs=Job.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        jobs_delete(jobs=queryset)
