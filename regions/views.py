"""The picker's search endpoint and the region lookup page."""

import re

from django import forms
from django.db import transaction
from django.db.models import Count
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .forms import RegionField
from .models import Level, Region

#: Most results one search returns (one page of the picker's list).
AUTOCOMPLETE_LIMIT = 20
#: Pages the picker may scroll to; later pages answer nothing (type more instead).
AUTOCOMPLETE_MAX_PAGE = 10


def _page_number(text: str) -> int:
    """``?page=`` as 1 to ``AUTOCOMPLETE_MAX_PAGE``: one to nine ASCII digits,
    capped at the last page; anything else (missing, "²", "-1", twenty digits)
    is page 1."""
    if not re.fullmatch(r"[0-9]{1,9}", text):
        return 1
    return min(max(int(text), 1), AUTOCOMPLETE_MAX_PAGE)


@transaction.non_atomic_requests
def autocomplete(request):
    """Regions whose name starts with ``?q=``, best first (``RegionQuerySet.search``),
    active only, ``AUTOCOMPLETE_LIMIT`` a page.

    ``?levels=village,urban_village`` (``Region.Level`` values, comma-separated;
    unknown ones ignored) narrows the levels; ``?near=53.71`` (a region code)
    lists the regions within that region, then within its province, first;
    ``?page=2`` (Select2 asks when the list is scrolled to the end; 1 to
    ``AUTOCOMPLETE_MAX_PAGE``, anything else is page 1) the next page;
    ``?ids=code`` answers region codes as ids instead of primary keys (the
    filters, whose links must not depend on the database). Answers Select2's
    JSON: ``{"results": [{"id": 12, "text": "Tompobulu, Kec. Tompobulu, Kab.
    Maros"}], "pagination": {"more": false}}``. One query whatever the size of
    the table; login required (the middleware)."""
    levels = [
        level
        for level in request.GET.get("levels", "").split(",")
        if level in Level.values
    ]
    page = _page_number(request.GET.get("page", ""))
    regions = list(
        Region.objects.active()
        .at_levels(*levels)
        .search(
            request.GET.get("q", ""),
            limit=AUTOCOMPLETE_LIMIT + 1,
            offset=(page - 1) * AUTOCOMPLETE_LIMIT,
            near=request.GET.get("near"),
        )
        .with_parents()
    )
    by_code = request.GET.get("ids") == "code"
    return JsonResponse(
        {
            "results": [
                {"id": region.code if by_code else region.pk, "text": region.label}
                for region in regions[:AUTOCOMPLETE_LIMIT]
            ],
            "pagination": {
                "more": len(regions) > AUTOCOMPLETE_LIMIT
                and page < AUTOCOMPLETE_MAX_PAGE
            },
        }
    )


class RegionLookupForm(forms.Form):
    region = RegionField(
        label=_("Region"), required=False, queryset=Region.objects.with_parents()
    )


class RegionLookupView(TemplateView):
    """Find a region by name and see its code, level, parents and how many
    regions of each level lie below it (for staff checking a code or a name).
    A fixed number of queries."""

    template_name = "regions/lookup.html"

    def get_context_data(self, **kwargs):
        form = RegionLookupForm(self.request.GET or None)
        region = form.cleaned_data["region"] if form.is_valid() else None
        below = []
        if region is not None:
            counts = dict(
                Region.objects.filter(code__startswith=region.code + ".")
                .values_list("level")
                .annotate(n=Count("pk"))
                .order_by()
            )
            below = [
                (label, counts[value])
                for value, label in Level.choices
                if value in counts
            ]
        return super().get_context_data(
            form=form, region=region, parents=_parents(region), below=below, **kwargs
        )


def _parents(region):
    parents = []
    while region is not None and region.parent_id:
        region = region.parent
        parents.append(region)
    return parents
