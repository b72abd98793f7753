"""Admin pages of self-registration: read mostly. Desks are opened and closed on
the training page and registrations reviewed there (services keep the times and
who did it); the admin shows them, lets an admin change a desk's auto-accept
setting, and delete a registration (a person's request to erase it). Secrets
(check-in secret, device keys) are never shown."""

from django.contrib import admin

from .models import Registration, RegistrationDesk


@admin.register(RegistrationDesk)
class RegistrationDeskAdmin(admin.ModelAdmin):
    list_display = ["training", "is_open", "auto_accept", "opened_at", "closed_at"]
    list_filter = ["is_open", "auto_accept"]
    list_select_related = ["training"]
    search_fields = ["training__title"]
    fields = [
        "training",
        "is_open",
        "auto_accept",
        "token",
        "opened_at",
        "closed_at",
        "changed_by",
    ]
    readonly_fields = [
        "training",
        "is_open",
        "token",
        "opened_at",
        "closed_at",
        "changed_by",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["full_name", "sex", "training", "status", "created_at"]
    list_filter = ["status", "created_at"]
    list_select_related = ["training"]
    search_fields = ["full_name", "training__title"]
    date_hierarchy = "created_at"
    exclude = ["device_key"]
    readonly_fields = [
        field.name
        for field in Registration._meta.get_fields()
        if field.concrete and field.name not in ("id", "device_key")
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
