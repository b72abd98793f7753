"""Deleted records: admins list the trainings, participants and referral
institutions deleted and not restored, and bring one back with its original id.

Each app's ``services.py`` has the ``<entity>_restore`` function that knows what
belongs with its record; this module only lists and dispatches (like ``urls.py``
and ``privacy.py``, it composes apps, so it may name them).
"""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from participants.models import Participant, ParticipantMerge
from participants.services import participant_restore
from referrals.models import ReferralInstitution
from referrals.services import referral_institution_restore
from trainings.models import Training
from trainings.services import training_restore

from .history import deleted_records

#: Restoring writes history rows back into live tables: only the Admin role holds
#: change permissions on the history models.
RESTORE_PERMISSIONS = (
    "trainings.change_historicaltraining",
    "participants.change_historicalparticipant",
    "referrals.change_historicalreferralinstitution",
)

#: Kind in the restore URL -> (model, restore service).
RESTORABLE = {
    "training": (Training, training_restore),
    "participant": (Participant, participant_restore),
    "referral-institution": (ReferralInstitution, referral_institution_restore),
}


class DeletedRecordListView(PermissionRequiredMixin, TemplateView):
    """Trainings, participants and referral institutions deleted and not restored,
    newest first, each with a Restore button."""

    permission_required = RESTORE_PERMISSIONS
    template_name = "setara/deleted_records.html"

    def get_context_data(self, **kwargs):
        # A person merged into another is not a deleted record: the merge moved
        # their trainings, and "Merges made" is where it is undone.
        merged = set(
            ParticipantMerge.objects.standing().values_list("duplicate_id", flat=True)
        )
        sections = [
            (
                kind,
                model._meta.verbose_name_plural,
                [
                    row
                    for row in deleted_records(model)
                    if not (model is Participant and row.id in merged)
                ],
            )
            for kind, (model, _restore) in RESTORABLE.items()
        ]
        return super().get_context_data(sections=sections, **kwargs)


class RecordRestoreView(PermissionRequiredMixin, View):
    """POST: restore one deleted record (``kind`` and its deletion history row)."""

    permission_required = RESTORE_PERMISSIONS
    http_method_names = ["post"]

    def post(self, request, kind, history_id):
        if kind not in RESTORABLE:
            raise Http404
        _model, restore = RESTORABLE[kind]
        try:
            record = restore(history_id=history_id, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("restore:deleted")
        except IntegrityError:  # restored by someone else a moment ago
            messages.error(request, _("This record is not deleted any more."))
            return redirect("restore:deleted")
        messages.success(request, _("“%(record)s” was restored.") % {"record": record})
        return redirect(record)


app_name = "restore"

urlpatterns = [
    path("", DeletedRecordListView.as_view(), name="deleted"),
    path(
        "<slug:kind>/<int:history_id>/restore/",
        RecordRestoreView.as_view(),
        name="restore",
    ),
]
