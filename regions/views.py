"""The picker's search endpoint and the region lookup page."""

from django import forms
from django.db import transaction
from django.db.models import Count
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .forms import RegionField
from .models import Level, Region

#: Most results one search returns.
AUTOCOMPLETE_LIMIT = 20


@transaction.non_atomic_requests
def autocomplete(request):
    """Regions whose name starts with ``?q=``, best first (``RegionQuerySet.search``),
    active only, at most ``AUTOCOMPLETE_LIMIT``; ``?levels=village,urban_village``
    (``Region.Level`` values, comma-separated; unknown ones ignored) narrows the
    levels. Answers Select2's JSON: ``{"results": [{"id": 12, "text": "Tompobulu,
    Kec. Tompobulu, Kab. Maros"}], "pagination": {"more": false}}``. One query
    whatever the size of the table; login required (the middleware)."""
    levels = [
        level
        for level in request.GET.get("levels", "").split(",")
        if level in Level.values
    ]
    regions = list(
        Region.objects.active()
        .at_levels(*levels)
        .search(request.GET.get("q", ""), limit=AUTOCOMPLETE_LIMIT + 1)
        .with_parents()
    )
    return JsonResponse(
        {
            "results": [
                {"id": region.pk, "text": region.label}
                for region in regions[:AUTOCOMPLETE_LIMIT]
            ],
            "pagination": {"more": len(regions) > AUTOCOMPLETE_LIMIT},
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
