from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import (
    CreateView,
    DeleteView,
    DetailView,
    FormView,
    TemplateView,
    UpdateView,
)
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView

from participants.forms import agency_datalist
from participants.models import Agency, Participant
from participants.services import export_log_filters, export_log_record

from . import exports, reports
from . import history as history_module
from .filters import ReportFilterSet, TrainingFilterSet
from .forms import AttendanceGridForm, EnrolmentForm, ParticipantEnrolForm, TrainingForm
from .models import Attendance, Enrolment, Training
from .services import (
    AttendanceConflict,
    attendance_record,
    enrolment_create,
    participant_create_and_enrol,
)


class TrainingListView(PermissionRequiredMixin, FilterView):
    permission_required = "trainings.view_training"
    filterset_class = TrainingFilterSet
    queryset = Training.objects.for_list()
    paginate_by = 20


class TrainingDetailView(PermissionRequiredMixin, DetailView):
    permission_required = "trainings.view_training"
    queryset = Training.objects.select_related("region").prefetch_related("topics")

    def get_context_data(self, **kwargs):
        training = self.object
        participants = training.enrolments.participants()
        type_labels = dict(Agency.Type.choices)
        by_agency_type = [
            {**row, "label": type_labels.get(row["agency_type"], "—")}
            for row in participants.agency_type_summary()
        ]
        per_day = {
            row["date"]: row
            for row in Attendance.objects.filter(
                enrolment__in=participants
            ).per_day_summary()
        }
        empty_day = {"total": 0, "male": 0, "female": 0, "not_recorded": 0}
        attendance_days = [
            {"number": number, "date": date, **per_day.get(date, empty_day)}
            for number, date in enumerate(training.days, start=1)
        ]
        enrolments = list(training.enrolments.for_roster())
        for enrolment in enrolments:
            enrolment.marks = enrolment.attendance_marks(training.days)
        history = None
        if self.request.user.has_perms(history_module.TRAINING_HISTORY_PERMISSIONS):
            history = history_module.training_history(training)
        return super().get_context_data(
            enrolments=enrolments,
            history=history,
            summary=participants.sex_summary(),
            by_agency_type=by_agency_type,
            attendance_days=attendance_days,
            **kwargs,
        )


# Recording a training: details, enrolments, attendance, sign-in sheet (issue 3)
# ------------------------------------------------------------------------------
class TrainingFormMixin:
    """Save through ``trainings.services.training_save``; its ValidationError (new
    dates that would strand recorded attendance) is shown on the form."""

    form_class = TrainingForm

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)


class TrainingCreateView(
    PermissionRequiredMixin, SuccessMessageMixin, TrainingFormMixin, CreateView
):
    permission_required = "trainings.add_training"
    model = Training
    success_message = _("Training “%(title)s” created. Now enrol its participants.")

    def get_success_url(self):
        return reverse("trainings:enrol", args=[self.object.pk])


class TrainingUpdateView(
    PermissionRequiredMixin, SuccessMessageMixin, TrainingFormMixin, UpdateView
):
    permission_required = "trainings.change_training"
    model = Training
    success_message = _("Training “%(title)s” saved.")


class TrainingDeleteView(PermissionRequiredMixin, SuccessMessageMixin, DeleteView):
    permission_required = "trainings.delete_training"
    queryset = Training.objects.with_record_counts()
    success_url = reverse_lazy("trainings:list")

    def form_valid(self, form):
        # Through the service, so that an admin can restore the training with
        # the enrolments and attendance deleted with it.
        history_module.training_delete(training=self.object, user=self.request.user)
        messages.success(self.request, self.get_success_message(form.cleaned_data))
        return redirect(self.get_success_url())

    def get_success_message(self, cleaned_data):
        return _("Training “%(title)s” deleted.") % {"title": self.object.title}


class TrainingEnrolView(PermissionRequiredMixin, SingleObjectMixin, TemplateView):
    """Search the registry and enrol in one click, or add a new person after seeing
    who they might already be."""

    permission_required = ("trainings.add_enrolment", "participants.add_participant")
    model = Training
    template_name = "trainings/training_enrol.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "").strip()
        kwargs.setdefault("new_form", ParticipantEnrolForm(region=self.object.region))
        return super().get_context_data(
            query=query,
            results=_search_results(query),
            enrolled_ids=set(
                self.object.enrolments.values_list("participant", flat=True)
            ),
            enrolments=self.object.enrolments.for_roster(),
            agency_options=agency_datalist(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if "full_name" in request.POST:
            return self.post_new_person()
        form = EnrolmentForm(request.POST)
        if form.is_valid():
            participant = form.cleaned_data["participant"]
            try:
                enrolment_create(
                    training=self.object,
                    participant=participant,
                    role=form.cleaned_data["role"],
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _enrolled_message(participant))
        else:
            messages.error(request, _("Choose a person to enrol."))
        return redirect(self._here(request.POST.get("q", "")))

    def post_new_person(self):
        form = ParticipantEnrolForm(self.request.POST, region=self.object.region)
        matches = form.probable_matches()
        confirmed = self.request.POST.get("confirm_new") == "1"
        if form.is_valid() and (confirmed or not matches):
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                enrolment = participant_create_and_enrol(
                    training=self.object,
                    participant_fields=fields,
                    agency=form.agency,
                    new_agency_name=form.new_agency_name,
                    new_agency_type=form.cleaned_data["agency_type"]
                    or Agency.Type.OTHER,
                    role=form.cleaned_data["role"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(self.request, _enrolled_message(enrolment.participant))
                return redirect(self._here())
        return self.render_to_response(
            self.get_context_data(new_form=form, matches=matches)
        )

    def _here(self, query=""):
        url = reverse("trainings:enrol", args=[self.object.pk])
        return f"{url}?{urlencode({'q': query})}" if query else url


def _search_results(query):
    if not query:
        return None
    return Participant.objects.search(query).select_related("agency")[:25]


def _enrolled_message(participant):
    return _("%(name)s is enrolled.") % {"name": participant.full_name}


class AttendanceGridView(PermissionRequiredMixin, SingleObjectMixin, FormView):
    """Tick who was present on which day, for the whole training in one POST."""

    permission_required = ("trainings.add_attendance", "trainings.change_attendance")
    model = Training
    form_class = AttendanceGridForm
    template_name = "trainings/training_attendance.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.enrolments = list(self.object.enrolments.for_roster())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "training": self.object,
            "enrolments": self.enrolments,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {**context, "rows": context["form"].rows(), "days": self.object.days}

    def form_valid(self, form):
        try:
            result = attendance_record(
                training=self.object,
                enrolments=form.cleaned_data["shown"],
                present=form.cleaned_data["present"],
                user=self.request.user,
            )
        except AttendanceConflict:
            messages.error(
                self.request,
                _(
                    "Someone else changed this training's attendance or dates while "
                    "you were saving, so nothing was saved. Check the grid below and "
                    "save again."
                ),
            )
        else:
            messages.success(self.request, _attendance_message(result))
        return redirect(self.get_success_url())

    def form_invalid(self, form):
        messages.error(
            self.request,
            _(
                "The grid was out of date (people or days changed since it was "
                "opened), so nothing was saved. Check it and save again."
            ),
        )
        return redirect(self.get_success_url())

    def get_success_url(self):
        return reverse("trainings:attendance", args=[self.object.pk])


def _attendance_message(result):
    if not result.changed:
        return _("Attendance saved; nothing had changed.")
    return ngettext(
        "Attendance saved: %(count)d mark changed.",
        "Attendance saved: %(count)d marks changed.",
        result.changed,
    ) % {"count": result.changed}


class SignInSheetView(PermissionRequiredMixin, DetailView):
    """The printable daftar hadir: one row per enrolled person, a signature column
    per day, and blank rows for walk-ins."""

    permission_required = ("trainings.view_training", "participants.view_participant")
    queryset = Training.objects.select_related("region")
    template_name = "trainings/training_signin_sheet.html"
    blank_rows = 5

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            enrolments=self.object.enrolments.for_roster(),
            blank_rows=range(self.blank_rows),
            **kwargs,
        )


class EnrolmentDeleteView(PermissionRequiredMixin, SuccessMessageMixin, DeleteView):
    """Remove a person from a training, with their attendance; the person stays in
    the registry."""

    permission_required = "trainings.delete_enrolment"
    queryset = Enrolment.objects.with_attendance_count()

    def get_success_url(self):
        return reverse("trainings:enrol", args=[self.object.training_id])

    def get_success_message(self, cleaned_data):
        return _("%(name)s was removed from the training.") % {
            "name": self.object.participant.full_name
        }


# Reports and exports (issue 4)
# ------------------------------------------------------------------------------
# Exports are open to everyone who can see trainings; phone numbers, NIK and birth
# dates are added only for users with participants.export_personal_data
# (coordinators, admins). Programme staff get the same file without those columns.
class ReportMixin:
    """The report filters over participant enrolments, from the query string."""

    permission_required = "trainings.view_training"

    def get_filterset(self):
        return ReportFilterSet(
            self.request.GET or None,
            queryset=Enrolment.objects.participants(),
            request=self.request,
        )

    def invalid_filters(self, filterset) -> bool:
        return filterset.is_bound and not filterset.is_valid()

    def invalid_response(self, filterset):
        """The report page showing what is wrong with the filters (400)."""
        context = {"filter": filterset, "invalid": True}
        return TemplateResponse(
            self.request, "trainings/report.html", context, status=400
        )

    @property
    def personal(self) -> bool:
        return self.request.user.has_perm("participants.export_personal_data")

    def log_export(self, row_count: int) -> None:
        """Record this export of people's names (and, for coordinators, phone
        numbers and NIK) in the export log, in the request's transaction."""
        export_log_record(
            user=self.request.user,
            export=self.request.resolver_match.view_name,
            filters=export_log_filters(self.request.GET, self.kwargs),
            row_count=row_count,
        )


class ReportView(ReportMixin, PermissionRequiredMixin, View):
    """Sex-disaggregated report: headline measures, agency type, agency,
    disability and month tables, and two charts."""

    def get(self, request):
        filterset = self.get_filterset()
        if self.invalid_filters(filterset):
            return self.invalid_response(filterset)
        enrolments = filterset.qs
        summary = enrolments.report_summary()
        context = {
            "filter": filterset,
            "summary": summary,
            **reports.page_context(summary, enrolments),
        }
        return TemplateResponse(request, "trainings/report.html", context)


class ReportTrainingsView(ReportMixin, PermissionRequiredMixin, View):
    """The report per training: people present each day by sex, attendance rate
    and how many attended every day; 25 trainings a page."""

    def get(self, request):
        filterset = self.get_filterset()
        if self.invalid_filters(filterset):
            return self.invalid_response(filterset)
        enrolments = filterset.qs
        span = enrolments.span_summary()
        page = Paginator(range(span["trainings"]), reports.TRAININGS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        start = max(page.start_index() - 1, 0)  # start_index() is 0 when empty
        on_page = enrolments.in_trainings_page(start, page.end_index())
        context = {
            "filter": filterset,
            "span": span,
            "page_obj": page,
            "trainings": list(reports.training_rows(on_page)),
        }
        return TemplateResponse(request, "trainings/report_trainings.html", context)


class ReportExportView(ReportMixin, PermissionRequiredMixin, View):
    """The filtered report's tables as .xlsx (a sheet per table) or .csv."""

    def get(self, request, fmt):
        filterset = self.get_filterset()
        if self.invalid_filters(filterset):
            return self.invalid_response(filterset)
        tables = reports.report_tables(filterset.qs)
        if fmt == "csv":
            return exports.csv_response(tables, "setara-report.csv")
        return exports.xlsx_response(tables, "setara-report.xlsx")


class ReportParticipantsExportView(ReportMixin, PermissionRequiredMixin, View):
    """The people of the filtered report, one row each, as .xlsx or .csv."""

    permission_required = ("trainings.view_training", "participants.view_participant")

    def get(self, request, fmt):
        filterset = self.get_filterset()
        if self.invalid_filters(filterset):
            return self.invalid_response(filterset)
        self.log_export(filterset.qs.participant_summary().count())
        table = reports.participant_table(filterset.qs, personal=self.personal)
        if fmt == "csv":
            return exports.csv_response([table], "setara-participants.csv")
        return exports.xlsx_response([table], "setara-participants.xlsx")


class TrainingParticipantsExportView(ReportMixin, PermissionRequiredMixin, DetailView):
    """A training's participant list with attendance per day, .xlsx or .csv."""

    permission_required = ("trainings.view_training", "participants.view_participant")
    model = Training

    def render_to_response(self, context, **kwargs):
        self.log_export(self.object.enrolments.count())
        table = reports.roster_table(self.object, personal=self.personal)
        name = f"training-{self.object.pk}-participants.{self.kwargs['fmt']}"
        if self.kwargs["fmt"] == "csv":
            return exports.csv_response([table], name)
        return exports.xlsx_response([table], name)


class TrainingSummaryExportView(ReportMixin, PermissionRequiredMixin, DetailView):
    """A training's sex-disaggregated summary tables as .xlsx."""

    model = Training

    def render_to_response(self, context, **kwargs):
        tables = reports.report_tables(reports.enrolments_of(self.object))
        return exports.xlsx_response(tables, f"training-{self.object.pk}-summary.xlsx")


class SignInSheetPdfView(SignInSheetView):
    """The sign-in sheet as an A4 landscape PDF, drawn by WeasyPrint from the same
    table as the print view; without WeasyPrint's system libraries (Pango) it sends
    the user to the print view with a message instead."""

    template_name = "trainings/training_signin_sheet_pdf.html"

    def render_to_response(self, context, **response_kwargs):
        html = render_to_string(self.template_name, context, request=self.request)
        try:
            from weasyprint import HTML  # loads Pango: only when a PDF is asked for
        except (ImportError, OSError):
            messages.error(
                self.request,
                _("PDF is not available on this server; use Print instead."),
            )
            return redirect("trainings:signin_sheet", pk=self.object.pk)
        pdf = HTML(string=html).write_pdf()
        # A file of names leaves the system: record it like the other exports.
        export_log_record(
            user=self.request.user,
            export=self.request.resolver_match.view_name,
            filters=export_log_filters(self.request.GET, self.kwargs),
            row_count=len(context["enrolments"]),
        )
        filename = (
            f"daftar-hadir-{self.object.start_date:%Y-%m-%d}-{self.object.pk}.pdf"
        )
        return HttpResponse(
            pdf,
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


# Deleted records (issue 7): admins list and restore them
# ------------------------------------------------------------------------------
class DeletedRecordListView(PermissionRequiredMixin, TemplateView):
    """Trainings, participants and referral institutions deleted and not restored,
    newest first, each with a Restore button."""

    permission_required = history_module.RESTORE_PERMISSIONS
    template_name = "trainings/deleted_records.html"

    def get_context_data(self, **kwargs):
        sections = [
            (
                kind,
                model._meta.verbose_name_plural,
                history_module.deleted_records(model),
            )
            for kind, (model, _restore) in history_module.RESTORABLE.items()
        ]
        return super().get_context_data(sections=sections, **kwargs)


class RecordRestoreView(PermissionRequiredMixin, View):
    """POST: restore one deleted record (``kind`` and its deletion history row)."""

    permission_required = history_module.RESTORE_PERMISSIONS
    http_method_names = ["post"]

    def post(self, request, kind, history_id):
        if kind not in history_module.RESTORABLE:
            raise Http404
        _model, restore = history_module.RESTORABLE[kind]
        try:
            record = restore(history_id=history_id, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("trainings:deleted")
        except IntegrityError:  # restored by someone else a moment ago
            messages.error(request, _("This record is not deleted any more."))
            return redirect("trainings:deleted")
        messages.success(request, _("“%(record)s” was restored.") % {"record": record})
        return redirect(record)
