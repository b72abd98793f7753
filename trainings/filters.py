import django_filters
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from regions.models import Region

from .models import Topic, Training


def _year_choices():
    years = (
        Training.objects.annotate(year=ExtractYear("start_date"))
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )
    return [(year, str(year)) for year in years]


class TrainingFilterSet(django_filters.FilterSet):
    """Filters of the training list: year, region (a province includes its regencies)
    and topic."""

    year = django_filters.ChoiceFilter(
        label=_("Year"), choices=_year_choices, method="filter_year"
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), queryset=Region.objects.all(), method="filter_region"
    )
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
