import re

import django_filters
from django import forms
from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _
from django_filters.fields import DateRangeField

from participants.models import Agency
from regions.filters import region_filter
from regions.models import within_q
from setara.data_version import cached

from .models import Enrolment, Topic, Training


def _year_choices() -> list[tuple[int, str]]:
    """``[(year, "year"), ...]``: the years trainings start in, latest first; kept
    for the data version (``setara.data_version.cached``)."""

    def compute():
        years = (
            Training.objects.annotate(year=ExtractYear("start_date"))
            .values_list("year", flat=True)
            .distinct()
            .order_by("-year")
        )
        return [(year, str(year)) for year in years]

    return cached("training-years", (), compute)


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


class PeriodField(DateRangeField):
    """The report's period: two dates, either may be empty; a start after the end
    is refused on the field, rather than giving a report of zeros."""

    default_error_messages = {
        "period_order": _(
            "The period starts after it ends: choose a start date on or before "
            "the end date."
        ),
    }

    def clean(self, value):
        period = super().clean(value)
        start, stop = (period.start, period.stop) if period else (None, None)
        if start and stop and start > stop:
            raise forms.ValidationError(
                self.error_messages["period_order"], code="period_order"
            )
        return period


class PeriodFilter(django_filters.DateFromToRangeFilter):
    """``DateFromToRangeFilter`` with ``PeriodField``."""

    field_class = PeriodField


class PeriodWidget(django_filters.widgets.DateRangeWidget):
    """The period's two date inputs, each with its own name for screen readers
    ("Period from", "Period to"): the field's label is the legend of a fieldset,
    which names neither input."""

    input_names = (_("Period from"), _("Period to"))

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        for subwidget, label in zip(
            context["widget"]["subwidgets"], self.input_names, strict=True
        ):
            subwidget["attrs"]["aria-label"] = label
        return context


class ReportFilterSet(django_filters.FilterSet):
    """Filters of the report page and its exports, over participant enrolments.

    Period is the training's start date (``period_after`` / ``period_before``, both
    included; a start after the end is an error on the field); region, at any
    level, includes everything below it (a province its regencies, districts and
    villages); agency matches a name, short name or alias
    (``Agency.objects.matching``) or part of a name; training is a training number
    (as linked from a training page) or part of a title. Agency and training are
    text fields so the form needs no query for their choices.
    """

    period = PeriodFilter(
        label=_("Period (training start date)"),
        field_name="training__start_date",
        widget=PeriodWidget(attrs={"type": "date"}),
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
        fields["topic"].choices = [(t.pk, t.display_name) for t in Topic.objects.all()]

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
        # ASCII digits only: str.isdigit() is true for "²" and "①", which int()
        # refuses; nine digits at most, so the number fits the database's integer.
        if re.fullmatch(r"[0-9]{1,9}", value):
            return queryset.filter(training_id=int(value))
        return queryset.filter(training__title__icontains=value)
