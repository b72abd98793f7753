"""Importing a sign-in sheet into a training, in two steps: upload the file, then
check the preview and confirm (pretix's order import has the same shape)."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView

from jobs.services import TooManyJobs
from participants.models import Agency
from participants.nik_access import may_see_nik
from participants.services import registry_lock
from participants.sheets import ImportFileError

from ..forms import ParticipantImportDecisionForm, ParticipantImportForm
from ..imports.jobs import (
    ALREADY_IMPORTED,
    import_confirm_start,
    import_job_running,
    import_summary,
    runs_as_job,
)
from ..imports.pending import UploadStore
from ..imports.plan import ImportOptions, plan_import
from ..models import Training
from ..services import UploadAlreadyImported, enrolments_import

#: How many rows of each kind the preview page lists; counts cover all rows.
PREVIEW_ROW_LIMIT = 200


#: Why a confirm shows the preview again instead of importing.
CHANGED = _("The preview changed with your choices. Check it and import again.")
MEANWHILE = _("Someone changed this training meanwhile. Check and import again.")


class TrainingImportMixin(PermissionRequiredMixin):
    """The training an import goes into (``pk`` in the URL) and the pending
    uploads of this session; importing creates people and enrolments."""

    permission_required = ("participants.add_participant", "trainings.add_enrolment")

    def dispatch(self, request, *args, **kwargs):
        self.training = get_object_or_404(Training, pk=kwargs["pk"])
        self.uploads = UploadStore(request.session, request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(training=self.training, **kwargs)


class ParticipantImportView(TrainingImportMixin, FormView):
    """Step 1: upload a file. It is read once to refuse unreadable files at once,
    then kept under a token for the preview; nothing is written to the database."""

    form_class = ParticipantImportForm
    template_name = "trainings/import_form.html"

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        options = ImportOptions(
            blank_sex_is_not_recorded=form.cleaned_data["blank_sex_is_not_recorded"]
        )
        pending = self.uploads.add(
            training_id=self.training.pk,
            filename=upload.name,
            data=upload.read(),
            options=options,
        )
        try:
            pending.parse(days=self.training.days)
        except ImportFileError as error:
            self.uploads.discard(pending)
            form.add_error("file", str(error))
            return self.form_invalid(form)
        return redirect(
            "trainings:import_preview", pk=self.training.pk, token=pending.token
        )


class ParticipantImportPreviewView(TrainingImportMixin, TemplateView):
    """Step 2: what the import will do, every problem, and the user's choices.

    "Update preview" saves the choices and shows the preview again; "Import"
    writes, in one transaction, only when there is no problem and the preview is
    the one the user saw.
    """

    template_name = "trainings/import_preview.html"
    pending = None  # the PendingUpload, set by load()

    def load(self):
        """The pending upload and its plan with the saved choices, or None (with a
        message) when the upload expired, was imported already or its file cannot
        be read any more; then ``leave()`` says where to go."""
        pending = self.uploads.get(self.kwargs["token"], self.training.pk)
        if pending is None:
            messages.error(
                self.request,
                _(
                    "This upload has expired or belongs to another session. Upload "
                    "the file again."
                ),
            )
            return None
        self.pending = pending
        if pending.consumed:
            self.say_already_imported()
            return None
        try:
            return self.build_plan()
        except ImportFileError as error:
            self.uploads.discard(pending)
            messages.error(self.request, str(error))
            return None

    def build_plan(self):
        parsed = self.pending.parse(days=self.training.days)
        return plan_import(
            training=self.training,
            parsed=parsed,
            options=self.pending.options,
            nik_visible=may_see_nik(self.request.user),
        )

    def decision_form(self, plan, data=None):
        agencies = Agency.objects.order_by("name").only("id", "name")
        return ParticipantImportDecisionForm(data, plan=plan, agencies=agencies)

    def render_preview(self, plan, form=None):
        form = form or self.decision_form(plan)
        match_fields = form.bound_match_fields()
        return self.render_to_response(
            self.get_context_data(
                pending=self.pending,
                plan=plan,
                form=form,
                summary=plan.summary(),
                matches=[
                    (row_plan, match_fields.get(row_plan.row.row))
                    for row_plan in plan.to_match[:PREVIEW_ROW_LIMIT]
                ],
                can_see_nik=self.request.user.has_perm(
                    "participants.export_personal_data"
                ),
                shown_limit=PREVIEW_ROW_LIMIT,
                runs_as_job=runs_as_job(len(plan.rows)),
            )
        )

    def say_already_imported(self):
        """The message for a second confirm (a double click, Back then Import);
        ``leave()`` then goes to the training, where the imported people are."""
        messages.info(self.request, ALREADY_IMPORTED)

    def leave(self):
        """Where to go when ``load()`` found nothing to show: the training when the
        file was imported already, else the upload page."""
        if self.pending is not None and self.pending.consumed:
            return redirect(self.training)
        return redirect("trainings:import", pk=self.training.pk)

    def get(self, request, *args, **kwargs):
        plan = self.load()
        if plan is None:
            return self.leave()
        return self.render_preview(plan)

    def post(self, request, *args, **kwargs):
        if "cancel" in request.POST:
            return self.cancel()
        if "confirm" in request.POST and (job := self.running_job()):
            # Import pressed again (a double click, Back, another server) while
            # the job imports this file: its page, without waiting for the lock.
            return redirect("jobs:detail", job.pk)
        if "confirm" in request.POST:
            # One door at a time adds people: the upload and the plan are read
            # under the lock, so a confirm that waited for another sees the file
            # imported, or the people added meanwhile as matches (and the
            # fingerprint tells the user the preview changed).
            registry_lock()
        shown_plan = self.load()
        if shown_plan is None:
            return self.leave()
        form = self.decision_form(shown_plan, request.POST)
        if not form.is_valid():
            return self.render_preview(shown_plan, form)
        options = form.options()
        changed = options != self.pending.options
        self.pending.options = options
        if changed:
            self.uploads.save_options(self.pending)
        if "confirm" not in request.POST:
            return redirect(
                "trainings:import_preview",
                pk=self.training.pk,
                token=self.pending.token,
            )
        plan = self.build_plan() if changed else shown_plan
        return self.confirm(
            plan, seen=form.cleaned_data["fingerprint"], options_changed=changed
        )

    def cancel(self):
        """The preview's "Cancel import": delete the upload (its file, parsed rows
        and row) and go back to the training. While a job imports the file: the
        job's page; once imported: the training, saying so."""
        if job := self.running_job():
            return redirect("jobs:detail", job.pk)
        pending = self.uploads.get(self.kwargs["token"], self.training.pk)
        if pending is not None and pending.consumed:
            self.say_already_imported()
        elif pending is not None:
            self.uploads.discard(pending)
            messages.info(
                self.request, _("Import cancelled: the uploaded file was deleted.")
            )
        return redirect(self.training)

    def running_job(self):
        """The job importing this session's upload, still waiting or running, or
        None."""
        pending = self.uploads.get(self.kwargs["token"], self.training.pk)
        if pending is None or pending.consumed:
            return None
        return import_job_running(user=self.request.user, upload_id=pending.upload_id)

    def confirm(self, plan, *, seen: str, options_changed: bool = False):
        """Import ``plan``, unless it has problems or differs from the one seen
        (the user's new choices, or people added or enrolled meanwhile). A file
        of more than ``IMPORT_JOB_MIN_ROWS`` rows is imported by a job (its page
        shows the progress); a smaller one here, at once."""
        if plan.problems:
            messages.error(
                self.request, _("Nothing was imported: fix the problems listed below.")
            )
            return self.render_preview(plan)
        if plan.fingerprint() != seen:
            messages.warning(self.request, CHANGED if options_changed else MEANWHILE)
            return self.render_preview(plan)
        if runs_as_job(len(plan.rows)):
            try:
                job = import_confirm_start(
                    user=self.request.user,
                    training=self.training,
                    pending=self.pending,
                    fingerprint=seen,
                    rows=len(plan.to_enrol),
                )
            except TooManyJobs as error:
                # The upload stays: Import works again once a job has finished.
                messages.error(self.request, error.messages[0])
                return redirect("jobs:list")
            return redirect("jobs:detail", job.pk)
        try:
            result = enrolments_import(
                training=self.training,
                plan=plan,
                user=self.request.user,
                upload_id=self.pending.upload_id,
            )
        except UploadAlreadyImported:
            # Another request (a double click) imported this file a moment ago.
            self.pending.consumed = True
            self.say_already_imported()
            return self.leave()
        except ValidationError as error:
            messages.error(self.request, " ".join(error.messages))
            return self.render_preview(plan)
        except IntegrityError:
            # Someone enrolled the same people meanwhile (a second click, another
            # user): nothing was written; the new preview shows them as enrolled.
            messages.warning(self.request, MEANWHILE)
            return self.render_preview(self.build_plan())
        # The upload stays, consumed (without its file), until it expires: a
        # second confirm then finds it and says it was imported.
        messages.success(self.request, import_summary(result))
        return redirect(self.training)
