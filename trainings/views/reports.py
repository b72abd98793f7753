"""The report pages and the spreadsheet exports of reports and participant lists.

Exports are open to everyone who can see trainings; phone numbers, NIK and birth
dates are added only for users with ``participants.export_personal_data``
(coordinators, admins). Programme staff get the same file without those columns.

The report's exports run as background jobs (``trainings.exports``,
``trainings.tasks``): a POST starts one and redirects to its page (``jobs:detail``);
a GET of the same address shows the button. One training's exports stream straight
back up to ``exports.DIRECT_EXPORT_MAX_ENROLMENTS`` enrolments.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from jobs.models import Job
from jobs.services import TooManyJobs, job_start
from setara.data_version import cached, data_version
from setara.export_log import export_log_filters
from setara.spreadsheets import SpreadsheetExportMixin

from .. import charts, exports, knowledge_gain, tables, tasks
from ..models import Training


class ReportMixin:
    """The report filters over participant enrolments, from the query string."""

    permission_required = "trainings.view_training"

    def get_filterset(self):
        return exports.report_filterset(self.request.GET, self.request)

    def invalid_filters(self, filterset) -> bool:
        return filterset.is_bound and not filterset.is_valid()

    def invalid_response(self, filterset):
        """The report page showing what is wrong with the filters (400)."""
        context = {"filter": filterset, "invalid": True}
        return TemplateResponse(
            self.request, "trainings/report.html", context, status=400
        )

    def cache_parts(self, filterset, *more) -> tuple:
        """What a cached report entry of the valid ``filterset`` depends on
        besides the data (``setara.data_version.cached``, which makes any change
        to the data a new entry): ``(filters, language, *more)``, the filters as
        ``exports.filter_query`` writes them (every filter value, empty ones left
        out, keys sorted) and the active language (labels, number formats). The
        numbers do not depend on who asks; what does (the export buttons, the
        personal-data note) is rendered outside them."""
        return (exports.filter_query(filterset), get_language(), *more)

    @property
    def personal(self) -> bool:
        """Whether the user's files get phone numbers, NIK and birth dates."""
        return self.request.user.has_perm("participants.export_personal_data")


def report_numbers(enrolments) -> dict:
    """What the report page shows of ``enrolments`` (the filtered participant
    enrolments), computed: ``summary`` (``report_summary()``), ``tables``
    (``tables.page_tables``), ``type_chart``, ``month_chart`` and ``gain``
    (``knowledge_gain.report_gain``, None without scores). Four queries (five
    with scores). Counts, labels, agency and region names only: no personal
    data, so it may be cached."""
    summary = enrolments.report_summary()
    grouped = tables.breakdowns(enrolments.breakdown_summary())
    return {
        "summary": summary,
        "tables": tables.page_tables(summary, enrolments, grouped),
        "type_chart": charts.type_chart(summary),
        "month_chart": charts.month_chart(grouped["month"]),
        "gain": knowledge_gain.report_gain(enrolments, summary["trainings"]),
    }


class ReportView(ReportMixin, PermissionRequiredMixin, View):
    """Sex-disaggregated report: headline measures, agency type, agency,
    disability, month, province and regency/city tables, two charts, and the
    knowledge gain when someone has a test score. Four report queries whatever the
    data (``report_numbers``): the headline (``report_summary``), the breakdowns
    by month and place (``breakdown_summary``), the agencies and the knowledge
    gain (``report_gain``; one more, by agency type, when there are scores); none
    when the numbers of these filters are cached for the current data version,
    and then their tables are not rendered again either (a ``{% cache %}``
    fragment on the same key)."""

    def get(self, request):
        filterset = self.get_filterset()
        if self.invalid_filters(filterset):
            return self.invalid_response(filterset)
        # Read before the numbers: a write in between gives the rendered
        # fragment newer numbers than its version, never older ones.
        version = data_version()
        parts = self.cache_parts(filterset)
        numbers = cached("report-page", parts, lambda: report_numbers(filterset.qs))
        context = {
            "filter": filterset,
            **numbers,
            # The {% cache %} fragment of the numbers, rendered.
            "report_cache": {
                "seconds": settings.DATA_CACHE_SECONDS,
                "key": f"{version}:{parts!r}",
            },
        }
        return TemplateResponse(request, "trainings/report.html", context)


class ReportTrainingsView(ReportMixin, PermissionRequiredMixin, View):
    """The report per training: people present each day by sex, attendance rate
    and how many attended every day; 25 trainings a page. Three queries (the
    span, then the page's trainings and their days), none when the span and the
    page are cached for these filters and the current data version."""

    def get(self, request):
        filterset = self.get_filterset()
        if self.invalid_filters(filterset):
            return self.invalid_response(filterset)
        enrolments = filterset.qs
        span = cached(
            "report-span", self.cache_parts(filterset), enrolments.span_summary
        )
        page = Paginator(range(span["trainings"]), tables.TRAININGS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        start = max(page.start_index() - 1, 0)  # start_index() is 0 when empty

        def rows() -> list[dict]:
            on_page = enrolments.in_trainings_page(start, page.end_index())
            return list(tables.training_rows(on_page))

        context = {
            "filter": filterset,
            "span": span,
            "page_obj": page,
            "trainings": cached(
                "report-trainings", self.cache_parts(filterset, page.number), rows
            ),
        }
        return TemplateResponse(request, "trainings/report_trainings.html", context)


class ExportJobMixin:
    """Starting an export as a background job (``jobs.services.job_start``) from a
    POST, and the page a GET of the export's address shows instead (a bookmark):
    what the file will hold and the button that starts it. A GET never starts a
    job. The view sets ``task`` and ``what`` (the button's words without the
    format) and implements ``job_params(fmt)``, ``job_about()``,
    ``job_permission()``; ``job_total()`` when the total is known without
    counting (the worker can report it), and a personal file sets
    ``personal_data``."""

    task = None
    what = ""
    personal_data = False

    def job_params(self, fmt: str) -> dict:
        raise NotImplementedError

    def job_about(self) -> str:
        raise NotImplementedError

    def job_permission(self) -> str:
        raise NotImplementedError

    def job_total(self) -> int | None:
        return None

    def back_url(self) -> str:
        """Where the confirm page's Back button goes: the report, with the
        filters."""
        query = self.request.GET.urlencode()
        return reverse("trainings:report") + (f"?{query}" if query else "")

    def start_job(self, fmt: str):
        """Start (or find, when sent twice) the job; redirect to its page. When
        the user has too many jobs unfinished: the message, and "My downloads"."""
        request = self.request
        try:
            job = self.job_start(fmt)
        except TooManyJobs as error:
            messages.error(request, error.messages[0])
            return redirect("jobs:list")
        return redirect("jobs:detail", job.pk)

    def job_start(self, fmt: str):
        request = self.request
        return job_start(
            task=self.task,
            user=request.user,
            kind=Job.Kind.EXPORT,
            title=exports.job_title(str(self.what), fmt, self.job_about()),
            params=self.job_params(fmt),
            permission=self.job_permission(),
            personal=self.personal_data,
            log_export=request.resolver_match.view_name if self.personal_data else "",
            log_filters=(
                export_log_filters(request.GET, request.resolver_match.kwargs)
                if self.personal_data
                else None
            ),
            total=self.job_total(),
        )

    def confirm_response(self, fmt: str):
        """The page of a GET: what the export holds and the button to start it."""
        context = {
            "what": self.what,
            "fmt": fmt,
            "about": self.job_about(),
            "action": self.request.get_full_path(),
            "personal": self.personal_data,
            "back_url": self.back_url(),
        }
        return TemplateResponse(self.request, "trainings/export_confirm.html", context)


class ReportExportView(ReportMixin, ExportJobMixin, PermissionRequiredMixin, View):
    """The filtered report's tables as .xlsx (a sheet per table) or .csv, made by
    a job; counts only, so not logged."""

    task = tasks.report_tables_export
    what = _("Report tables")

    def get(self, request, fmt):
        self.filterset = self.get_filterset()
        if self.invalid_filters(self.filterset):
            return self.invalid_response(self.filterset)
        return self.confirm_response(fmt)

    def post(self, request, fmt):
        self.filterset = self.get_filterset()
        if self.invalid_filters(self.filterset):
            return self.invalid_response(self.filterset)
        return self.start_job(fmt)

    def job_params(self, fmt):
        return {"query": exports.filter_query(self.filterset), "fmt": fmt}

    def job_about(self):
        return exports.filters_in_words(self.filterset)

    def job_permission(self):
        return exports.REPORT_PERMISSIONS[0]


class ReportParticipantsExportView(ReportExportView):
    """The people of the filtered report, one row each, as .xlsx or .csv, made by
    a job; phone, NIK and birth date only for ``PERSONAL_PERMISSION``. The click
    does not count them (a second or more over everyone): the worker does, first
    (``exports.report_participants_work``)."""

    permission_required = exports.PARTICIPANT_PERMISSIONS
    personal_data = True
    task = tasks.report_participants_export
    what = _("Participant list")

    def job_params(self, fmt):
        return {**super().job_params(fmt), "personal": self.personal}

    def job_permission(self):
        return exports.participant_permissions(self.personal)[-1]


class TrainingExportMixin(
    ReportMixin, SpreadsheetExportMixin, ExportJobMixin, PermissionRequiredMixin
):
    """An export of one training (``pk`` in the URL, ``fmt`` xlsx or csv): streamed
    straight back up to ``DIRECT_EXPORT_MAX_ENROLMENTS`` enrolments, a job above
    (a GET then shows the page that starts it)."""

    def get(self, request, pk, fmt="xlsx"):
        self.object = get_object_or_404(Training, pk=pk)
        if self.is_small():
            return self.export_response(fmt)
        return self.confirm_response(fmt)

    def post(self, request, pk, fmt="xlsx"):
        self.object = get_object_or_404(Training, pk=pk)
        if self.is_small():
            return self.export_response(fmt)
        return self.start_job(fmt)

    def is_small(self) -> bool:
        self.enrolment_count = self.object.enrolments.count()
        return self.enrolment_count <= exports.DIRECT_EXPORT_MAX_ENROLMENTS

    def job_about(self):
        return self.object.title

    def back_url(self):
        return self.object.get_absolute_url()


class TrainingParticipantsExportView(TrainingExportMixin, View):
    """A training's participant list with attendance per day, .xlsx or .csv."""

    permission_required = exports.PARTICIPANT_PERMISSIONS
    personal_data = True
    task = tasks.training_participants_export
    what = _("Participants and attendance")

    def get_filename(self):
        return exports.training_file_stem(gettext("participants"), self.object)

    def get_tables(self):
        return [tables.roster_table(self.object, personal=self.personal)]

    def get_row_count(self):
        return self.enrolment_count

    def job_params(self, fmt):
        return {"training": self.object.pk, "fmt": fmt, "personal": self.personal}

    def job_permission(self):
        return exports.participant_permissions(self.personal)[-1]

    def job_total(self):
        return self.enrolment_count


class TrainingSummaryExportView(TrainingExportMixin, View):
    """A training's sex-disaggregated summary tables as .xlsx."""

    task = tasks.training_summary_export
    what = _("Summary by sex")

    def get_filename(self):
        return exports.training_file_stem(gettext("summary by sex"), self.object)

    def get_tables(self):
        return tables.report_tables(tables.enrolments_of(self.object))

    def job_params(self, fmt):
        return {"training": self.object.pk, "fmt": fmt}

    def job_permission(self):
        return exports.REPORT_PERMISSIONS[0]
