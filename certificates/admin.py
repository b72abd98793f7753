"""Certificates in the admin: read only (they are issued and revoked on the
app's pages, through ``certificates.services``), with their change history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Certificate


@admin.register(Certificate)
class CertificateAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name", "issued_at", "revoked_at"]
    list_filter = ["issued_at", "revoked_at"]
    search_fields = ["number", "name"]
    date_hierarchy = "issued_at"
    readonly_fields = [
        "enrolment",
        "serial",
        "number",
        "code",
        "name",
        "issued_at",
        "issued_by",
        "revoked_at",
        "revoked_by",
        "revoke_reason",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
