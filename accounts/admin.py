"""Two-factor devices in the admin: who has set up an authenticator app and
recovery codes, and resetting them (deleting) when someone loses the phone.

django-otp's own admin pages would show each key, its QR code and the recovery
codes, and let an admin type in a key of their choosing for someone else; here
admins see only the dates and state, and may delete a device or clear its failed
attempts, nothing else.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class DeviceAdmin(admin.ModelAdmin):
    """A device, read only; deleting it resets the user's two-factor sign-in
    (they set up an app again at their next login)."""

    list_display = [
        "user",
        "confirmed",
        "created_at",
        "last_used_at",
        "throttling_failure_count",
    ]
    list_filter = ["confirmed"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = [
        "user",
        "name",
        "confirmed",
        "created_at",
        "last_used_at",
        "throttling_failure_count",
        "throttling_failure_timestamp",
    ]
    readonly_fields = fields
    actions = ["delete_selected", "failed_attempts_clear"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(
        description=_("Clear failed attempts (the user may type codes again now)"),
        permissions=["delete"],
    )
    def failed_attempts_clear(self, request, queryset):
        count = queryset.update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
        self.message_user(
            request,
            ngettext(
                "Failed attempts cleared on %(count)d device.",
                "Failed attempts cleared on %(count)d devices.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


admin.site.register(TOTPDevice, DeviceAdmin)
admin.site.register(StaticDevice, DeviceAdmin)
