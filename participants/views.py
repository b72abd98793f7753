from django.contrib.auth.mixins import PermissionRequiredMixin
from django.views.generic import DetailView

from .models import Participant


class ParticipantDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "participants.view_participant"
    queryset = Participant.objects.select_related("agency__region")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            enrolments=self.object.enrolments.with_days_present(),
            **kwargs,
        )
