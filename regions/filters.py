"""The region filter every list and report uses (django-filter): picked by typing,
given by its Kemendagri code in the URL."""

import re

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import RemembersChosenRegion
from .models import ANY_CODE_RE, CODE_SHAPE_HELP, Region
from .widgets import RegionSelect


class _RegionChoiceField(RemembersChosenRegion, django_filters.fields.ModelChoiceField):
    """django-filter's model choice field over region codes that hands the
    checked region to its picker. A value that is not a code (an old link's
    database number such as ``?region=2107``, or "²") is refused with a message
    saying what a code looks like; a two-digit number is read as a province
    code."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not re.fullmatch(ANY_CODE_RE, str(value)):
            raise forms.ValidationError(
                _(
                    "%(value)s is not a region code; choose the region again with "
                    "the picker. %(shape)s"
                ),
                code="invalid_choice",
                params={"value": str(value)[:20], "shape": CODE_SHAPE_HELP},
            )
        return super().to_python(value)


class _RegionChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = _RegionChoiceField


def region_filter() -> django_filters.ModelChoiceFilter:
    """A region filter at any level, picked by typing (``RegionSelect``: the page
    carries the chosen region only, never the 91,599 regions) and given by its
    Kemendagri code (``?region=73.09``), so a shared link does not depend on the
    database; the filter method keeps the region and everything below it
    (``regions.models.within_q``). Checking a chosen value is one query (with its
    parents), and rendering it reuses that region."""
    return _RegionChoiceFilter(
        label=_("Region"),
        queryset=Region.objects.with_parents(),
        to_field_name="code",
        widget=RegionSelect(by_code=True),
        method="filter_region",
    )
