"""The filter of "My downloads": status and kind (admins look for failures)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Job


class JobFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Job.Status.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Job.Kind.choices)

    class Meta:
        model = Job
        fields = ["status", "kind"]
