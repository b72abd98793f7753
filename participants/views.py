from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import (
    DeleteView,
    DetailView,
    UpdateView,
)

from trainings.history import PARTICIPANT_HISTORY_PERMISSIONS, participant_history

from .forms import ParticipantForm, agency_datalist
from .models import Participant
from .privacy import participant_erase, participant_personal_data
from .services import export_log_record, participant_delete


class ParticipantDetailView(PermissionRequiredMixin, DetailView):
    """A person's record and trainings; the full NIK only for users who may export
    personal data (coordinators, admins), and the change history only for those
    who may read it."""

    permission_required = "participants.view_participant"
    queryset = Participant.objects.select_related("agency__region")

    def get_context_data(self, **kwargs):
        user = self.request.user
        history = None
        if user.has_perms(PARTICIPANT_HISTORY_PERMISSIONS):
            history = participant_history(self.object)
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


# Personal data rights (issue 7): access request and erasure, for admins
# ------------------------------------------------------------------------------
class ParticipantAccessRequestView(PermissionRequiredMixin, DetailView):
    """Everything held about one person as a JSON download (an access request
    under UU PDP); recorded in the export log."""

    # Reading personal data, its history and the export log: the Admin role.
    permission_required = (
        "participants.export_personal_data",
        "participants.view_historicalparticipant",
        "participants.view_exportlog",
    )
    queryset = Participant.objects.select_related("agency__region")

    def render_to_response(self, context, **response_kwargs):
        data = participant_personal_data(self.object)
        export_log_record(
            user=self.request.user,
            export=self.request.resolver_match.view_name,
            filters={"participant": str(self.object.pk)},
            row_count=1,
        )
        response = JsonResponse(data, json_dumps_params={"indent": 2})
        filename = f"participant-{self.object.pk}-personal-data.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ParticipantEraseView(PermissionRequiredMixin, DetailView):
    """Erase a person's personal data on their request, after a confirmation page
    that says what goes and what stays."""

    # Erasure rewrites the change history: only the Admin role may change it.
    permission_required = (
        "participants.change_participant",
        "participants.change_historicalparticipant",
    )
    queryset = Participant.objects.select_related("agency")
    template_name = "participants/participant_confirm_erase.html"

    def post(self, request, *args, **kwargs):
        participant = self.get_object()
        participant_erase(participant=participant, user=request.user)
        messages.success(
            request,
            _(
                "The personal data of participant #%(id)s was erased. Their sex, "
                "agency and attendance remain in the reports."
            )
            % {"id": participant.pk},
        )
        return redirect(participant)
