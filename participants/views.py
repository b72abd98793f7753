from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import (
    DeleteView,
    DetailView,
    UpdateView,
)

from setara.history import record_history

from .forms import ParticipantForm, agency_datalist
from .models import Participant, ParticipantMerge
from .services import participant_delete


class ParticipantDetailView(PermissionRequiredMixin, DetailView):
    """A person's record and trainings; the full NIK only for users who may export
    personal data (coordinators, admins), and the change history only for those
    who may read it."""

    permission_required = "participants.view_participant"
    queryset = Participant.objects.select_related(
        "agency__region", "village_region__parent__parent__parent"
    )

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # An old link to a record merged into another: go to that one.
            merge = ParticipantMerge.objects.standing().filter(
                duplicate_id=kwargs["pk"], survivor__isnull=False
            )
            survivor = merge.values_list("survivor", flat=True).first()
            if survivor is None:
                raise
            messages.info(
                request,
                _("Participant #%(old)s was merged into #%(new)s.")
                % {"old": kwargs["pk"], "new": survivor},
            )
            return redirect("participants:detail", pk=survivor)

    def get_context_data(self, **kwargs):
        user = self.request.user
        history = None
        if user.has_perm("participants.view_historicalparticipant"):
            history = record_history(self.object, _("Participant"))
        return super().get_context_data(
            enrolments=self.object.enrolments.with_days_present(),
            can_see_nik=user.has_perm("participants.export_personal_data"),
            history=history,
            **kwargs,
        )


class ParticipantUpdateView(PermissionRequiredMixin, SuccessMessageMixin, UpdateView):
    permission_required = "participants.change_participant"
    queryset = Participant.objects.select_related("agency__region")
    form_class = ParticipantForm
    success_message = _("%(full_name)s saved.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(agency_options=agency_datalist(), **kwargs)


class ParticipantDeleteView(PermissionRequiredMixin, SuccessMessageMixin, DeleteView):
    """Delete a person who is in no training; anyone enrolled is kept (their
    attendance is in the reports) and the page says why."""

    permission_required = "participants.delete_participant"
    queryset = Participant.objects.annotate(enrolment_count=Count("enrolments"))
    success_url = reverse_lazy("trainings:list")

    def form_valid(self, form):
        try:
            participant_delete(participant=self.object)
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return redirect(self.object)
        messages.success(self.request, self.get_success_message(form.cleaned_data))
        return redirect(self.get_success_url())

    def get_success_message(self, cleaned_data):
        return _("%(name)s was deleted from the registry.") % {
            "name": self.object.full_name
        }
