import re

from django.contrib import admin

from .models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Regions are loaded from the decree (``manage.py load_regions``); admins
    correct a name or add a region a newer decree created. A region in use cannot
    be deleted (``on_delete=PROTECT``); a region dropped from the decree is marked
    inactive instead."""

    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]  # shown; the search itself is below
    search_help_text = None
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["search_name"]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        """A code or the start of one ("73.09") by code; anything else by
        ``RegionQuerySet.search`` (the pickers' search, indexed)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if re.fullmatch(r"[0-9][0-9.]*", term):
            return queryset.filter(code__startswith=term), False
        return queryset.search(term), False
