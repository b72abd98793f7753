"""The report pages and the spreadsheet exports of reports and participant lists.

Exports are open to everyone who can see trainings; phone numbers, NIK and birth
dates are added only for users with ``participants.export_personal_data``
(coordinators, admins). Programme staff get the same file without those columns.
"""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.views import View
from django.views.generic import DetailView

from participants.services import export_log_filters, export_log_record

from .. import charts, exports, tables
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


class ReportExportView(ReportMixin, PermissionRequiredMixin, View):
    """The filtered report's tables as .xlsx (a sheet per table) or .csv."""

    def get(self, request, fmt):
        filterset = self.get_filterset()
        if self.invalid_filters(filterset):
            return self.invalid_response(filterset)
        sheets = tables.report_tables(filterset.qs)
        if fmt == "csv":
            return exports.csv_response(sheets, "setara-report.csv")
        return exports.xlsx_response(sheets, "setara-report.xlsx")


class ReportParticipantsExportView(ReportMixin, PermissionRequiredMixin, View):
    """The people of the filtered report, one row each, as .xlsx or .csv."""

    permission_required = ("trainings.view_training", "participants.view_participant")

    def get(self, request, fmt):
        filterset = self.get_filterset()
        if self.invalid_filters(filterset):
            return self.invalid_response(filterset)
        self.log_export(filterset.qs.participant_summary().count())
        table = tables.participant_table(filterset.qs, personal=self.personal)
        if fmt == "csv":
            return exports.csv_response([table], "setara-participants.csv")
        return exports.xlsx_response([table], "setara-participants.xlsx")


class TrainingParticipantsExportView(ReportMixin, PermissionRequiredMixin, DetailView):
    """A training's participant list with attendance per day, .xlsx or .csv."""

    permission_required = ("trainings.view_training", "participants.view_participant")
    model = Training

    def render_to_response(self, context, **kwargs):
        self.log_export(self.object.enrolments.count())
        table = tables.roster_table(self.object, personal=self.personal)
        name = f"training-{self.object.pk}-participants.{self.kwargs['fmt']}"
        if self.kwargs["fmt"] == "csv":
            return exports.csv_response([table], name)
        return exports.xlsx_response([table], name)


class TrainingSummaryExportView(ReportMixin, PermissionRequiredMixin, DetailView):
    """A training's sex-disaggregated summary tables as .xlsx."""

    model = Training

    def render_to_response(self, context, **kwargs):
        sheets = tables.report_tables(tables.enrolments_of(self.object))
        return exports.xlsx_response(sheets, f"training-{self.object.pk}-summary.xlsx")
