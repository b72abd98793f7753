import django_filters
from django.utils.translation import gettext_lazy as _

from regions.filters import region_filter

from .models import ReferralInstitution, ServiceType, TargetGroup


class ReferralInstitutionFilterSet(django_filters.FilterSet):
    """Filters of the directory page: free text, level, region, service type and
    target group. A region of any level keeps the institutions that serve it (see
    ``ReferralInstitutionQuerySet.serving``); results come district/city first,
    then province, then national."""

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")
    level = django_filters.ChoiceFilter(
        label=_("Level"), choices=ReferralInstitution.Level.choices
    )
    # Any level, picked by typing; the parents are loaded with the choice so the
    # directory finds the regency of a district or village without a query.
    region = region_filter()
    service = django_filters.ModelChoiceFilter(
        label=_("Service"), field_name="services", queryset=ServiceType.objects.all()
    )
    target_group = django_filters.ModelChoiceFilter(
        label=_("Target group"),
        field_name="target_groups",
        queryset=TargetGroup.objects.all(),
    )

    class Meta:
        model = ReferralInstitution
        fields = ["q", "level", "region", "service", "target_group"]

    def filter_search(self, queryset, name, value):
        return queryset.search(value)

    def filter_region(self, queryset, name, value):
        return queryset.serving(value)
