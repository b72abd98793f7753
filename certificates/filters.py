"""The filter of the certificates list: training, status, and number or name."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trainings.models import Training

from .models import Certificate


class CertificateFilterSet(django_filters.FilterSet):
    """Training (a choice of trainings), status (valid or revoked) and ``q``, part
    of the number or of the name as printed."""

    class Status:
        VALID = "valid"
        REVOKED = "revoked"

    training = django_filters.ModelChoiceFilter(
        label=_("Training"),
        field_name="enrolment__training",
        queryset=Training.objects.order_by("-start_date", "title"),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(Status.VALID, _("Valid")), (Status.REVOKED, _("Revoked"))],
        method="filter_status",
    )
    q = django_filters.CharFilter(
        label=_("Number or name"), method="filter_q", max_length=100
    )

    class Meta:
        model = Certificate
        fields = ["training", "status", "q"]

    def filter_status(self, queryset, name, value):
        if value == self.Status.REVOKED:
            return queryset.revoked()
        return queryset.valid()

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(name__icontains=value))
