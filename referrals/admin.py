from django.contrib import admin

from .models import ReferralInstitution, ServiceType


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(ReferralInstitution)
class ReferralInstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "region", "is_active"]
    list_filter = ["level", "region", "services", "is_active"]
    search_fields = ["name", "notes"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    filter_horizontal = ["services"]
