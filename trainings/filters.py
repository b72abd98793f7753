import django_filters
from django import forms
from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from participants.models import Agency
from regions.forms import RemembersChosenRegion
from regions.models import Region, within_q
from regions.widgets import RegionSelect

from .models import Enrolment, Topic, Training


def _year_choices():
    years = (
        Training.objects.annotate(year=ExtractYear("start_date"))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )
    return [(year, str(year)) for year in years]


class _RegionChoiceField(RemembersChosenRegion, django_filters.fields.ModelChoiceField):
    """django-filter's model choice field that hands the checked region to its
    picker."""


class _RegionChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = _RegionChoiceField


def region_filter() -> django_filters.ModelChoiceFilter:
    """A region filter at any level, picked by typing (``RegionSelect``: the page
    carries the chosen region only, never the 91,599 regions); the filter method
    keeps the region and everything below it (``regions.models.within_q``).
    Checking a chosen value is one query (with its parents), and rendering it
    reuses that region."""
    return _RegionChoiceFilter(
        label=_("Region"),
        queryset=Region.objects.with_parents(),
        widget=RegionSelect(),
        method="filter_region",
    )


class TrainingFilterSet(django_filters.FilterSet):
    """Filters of the training list: year, region (any level; a province includes
    its regencies, districts and villages) and topic."""

    year = django_filters.ChoiceFilter(
        label=_("Year"), choices=_year_choices, method="filter_year"
    )
    region = region_filter()
    topic = django_filters.ModelChoiceFilter(
        label=_("Topic"), field_name="topics", queryset=Topic.objects.all()
    )

    class Meta:
        model = Training
        fields = ["year", "region", "topic"]

    def filter_year(self, queryset, name, value):
        return queryset.in_year(int(value))

    def filter_region(self, queryset, name, value):
        return queryset.in_region(value)


class ReportFilterSet(django_filters.FilterSet):
    """Filters of the report page and its exports, over participant enrolments.

    Period is the training's start date (``period_after`` / ``period_before``, both
    included); region, at any level, includes everything below it (a province its
    regencies, districts and villages); agency matches a name,
    short name or alias (``Agency.objects.matching``) or part of a name; training is
    a training number (as linked from a training page) or part of a title. Agency
    and training are text fields so the form needs no query for their choices.
    """

    period = django_filters.DateFromToRangeFilter(
        label=_("Period (training start date)"),
        field_name="training__start_date",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    region = region_filter()
    # Topic choices are read once per page (see __init__): a ModelChoiceFilter
    # would run one more query to check the chosen value.
    topic = django_filters.ChoiceFilter(label=_("Topic"), method="filter_topic")
    agency_type = django_filters.ChoiceFilter(
        label=_("Agency type"),
        field_name="participant__agency__type",
        choices=Agency.Type.choices,
    )
    agency = django_filters.CharFilter(
        label=_("Agency"), method="filter_agency", widget=forms.TextInput()
    )
    training = django_filters.CharFilter(
        label=_("Training (number or title)"), method="filter_training"
    )

    class Meta:
        model = Enrolment
        fields = ["period", "region", "topic", "agency_type", "agency", "training"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["topic"].choices = [(t.pk, t.name) for t in Topic.objects.all()]

    def filter_region(self, queryset, name, value):
        return queryset.filter(within_q(value, "training__region"))

    def filter_topic(self, queryset, name, value):
        return queryset.filter(training__topics=value)

    def filter_agency(self, queryset, name, value):
        return queryset.filter(
            Q(participant__agency__in=Agency.objects.matching(value))
            | Q(participant__agency__name__icontains=value.strip())
        )

    def filter_training(self, queryset, name, value):
        value = value.strip()
        if value.isdigit():
            return queryset.filter(training_id=int(value))
        return queryset.filter(training__title__icontains=value)
