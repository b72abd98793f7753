"""The report pages and the spreadsheet exports of reports and participant lists.

Exports are open to everyone who can see trainings; phone numbers, NIK and birth
dates are added only for users with ``participants.export_personal_data``
(coordinators, admins). Programme staff get the same file without those columns.
"""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views import View

from setara.spreadsheets import SpreadsheetExportMixin

from .. import charts, tables
from ..filters import ReportFilterSet
from ..models import Enrolment, Training


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
        """Whether the user's files get phone numbers, NIK and birth dates."""
        return self.request.user.has_perm("participants.export_personal_data")


class ReportView(ReportMixin, PermissionRequiredMixin, View):
    """Sex-disaggregated report: headline measures, agency type, agency,
    disability and month tables, and two charts."""

    def get(self, request):
        filterset = self.get_filterset()
        if self.invalid_filters(filterset):
            return self.invalid_response(filterset)
        enrolments = filterset.qs
        summary = enrolments.report_summary()
        months = list(enrolments.month_summary())
        context = {
            "filter": filterset,
            "summary": summary,
            "tables": tables.page_tables(summary, enrolments, months),
            "type_chart": charts.type_chart(summary),
            "month_chart": charts.month_chart(months),
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
        page = Paginator(range(span["trainings"]), tables.TRAININGS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        start = max(page.start_index() - 1, 0)  # start_index() is 0 when empty
        on_page = enrolments.in_trainings_page(start, page.end_index())
        context = {
            "filter": filterset,
            "span": span,
            "page_obj": page,
            "trainings": list(tables.training_rows(on_page)),
        }
        return TemplateResponse(request, "trainings/report_trainings.html", context)


class ReportExportView(
    ReportMixin, SpreadsheetExportMixin, PermissionRequiredMixin, View
):
    """The filtered report's tables as .xlsx (a sheet per table) or .csv; counts
    only, so not logged."""

    filename = "setara-report"

    def get(self, request, fmt):
        self.filterset = self.get_filterset()
        if self.invalid_filters(self.filterset):
            return self.invalid_response(self.filterset)
        return self.export_response(fmt)

    def get_tables(self):
        return tables.report_tables(self.filterset.qs)


class ReportParticipantsExportView(ReportExportView):
    """The people of the filtered report, one row each, as .xlsx or .csv."""

    permission_required = ("trainings.view_training", "participants.view_participant")
    personal_data = True
    filename = "setara-participants"

    def get_tables(self):
        return [tables.participant_table(self.filterset.qs, personal=self.personal)]

    def get_row_count(self):
        return self.filterset.qs.participant_summary().count()


class TrainingExportMixin(ReportMixin, SpreadsheetExportMixin, PermissionRequiredMixin):
    """An export of one training (``pk`` in the URL, ``fmt`` xlsx or csv)."""

    def get(self, request, pk, fmt="xlsx"):
        self.object = get_object_or_404(Training, pk=pk)
        return self.export_response(fmt)


class TrainingParticipantsExportView(TrainingExportMixin, View):
    """A training's participant list with attendance per day, .xlsx or .csv."""

    permission_required = ("trainings.view_training", "participants.view_participant")
    personal_data = True

    def get_filename(self):
        return f"training-{self.object.pk}-participants"

    def get_tables(self):
        return [tables.roster_table(self.object, personal=self.personal)]

    def get_row_count(self):
        return self.object.enrolments.count()


class TrainingSummaryExportView(TrainingExportMixin, View):
    """A training's sex-disaggregated summary tables as .xlsx."""

    def get_filename(self):
        return f"training-{self.object.pk}-summary"

    def get_tables(self):
        return tables.report_tables(tables.enrolments_of(self.object))
