"""Spreadsheet exports as background jobs: what a job of each export records when
it starts, and the work that rebuilds its tables and writes its file in the worker.

A report export (the report's tables, or its participant list) always runs as a
job: the view validates the filters with ``ReportFilterSet``, then hands
``{"query": <the filters as a sorted query string>, "fmt": "xlsx"|"csv"}`` (and, for
a participant list, whether its personal columns are included) to
``jobs.services.job_start``; the task (``trainings/tasks.py``) calls one of the
``*_work`` functions below through ``jobs.runner.job_run``. The work rebuilds the
same tables as the page with the same FilterSet, so the file holds what the direct
export held, in the language of the user who started it.

One training's exports stream straight back while the training has at most
``DIRECT_EXPORT_MAX_ENROLMENTS`` enrolments (measured: README, "Exports"), and run
as a job above that.

Params and titles never hold personal data: filters, a format, a training number
and whether personal columns were asked for. The worker checks again that the user
who started the job may still export what it holds (``check_user``): a user who
lost a role gets a failed job with a message, not the file.
"""

import tempfile
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from django.http import QueryDict
from django.template.defaultfilters import slugify
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from jobs.models import Job
from jobs.runner import JobFailed, JobOutput
from setara.spreadsheets import XLSX_CONTENT_TYPE, Table, write_csv, write_xlsx

from . import tables
from .filters import ReportFilterSet
from .models import Enrolment, Training

#: One training's export streams straight back up to this many enrolments and runs
#: as a job above. Measured on a busy 2-core machine (README, "Exports"): the
#: participant list of 2,000 enrolments (3 days) answers in 1.0-1.7 s, about what
#: a job's queue and progress page take before its link shows, so the click still
#: feels like a download; 5,000 take 1.7-3.8 s and 20,000 take 11-16 s, too long
#: to watch a blank tab and close to the server's timeout.
DIRECT_EXPORT_MAX_ENROLMENTS = 2000

#: The permissions of each export, checked when it starts (the view's
#: ``permission_required``) and again in the worker.
REPORT_PERMISSIONS = ("trainings.view_training",)
PARTICIPANT_PERMISSIONS = ("trainings.view_training", "participants.view_participant")
#: Phone numbers, NIK and birth dates are in participant lists only with this.
PERSONAL_PERMISSION = "participants.export_personal_data"

CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "csv": "text/csv; charset=utf-8"}
FORMATS = tuple(CONTENT_TYPES)


# Starting a job (in the request)
# ------------------------------------------------------------------------------
def report_filterset(data: QueryDict | None, request=None) -> ReportFilterSet:
    """The report's FilterSet over participant enrolments, bound to ``data`` (a
    query string's ``QueryDict``; unbound when empty)."""
    return ReportFilterSet(
        data or None, queryset=Enrolment.objects.participants(), request=request
    )


def filter_query(filterset: ReportFilterSet) -> str:
    """The filters of a bound ``filterset`` as a query string, the same for the same
    filters however they were typed: only the FilterSet's own keys (``page`` and
    unknown keys left out), empty values left out, keys sorted. ``""`` when
    unbound."""
    if not filterset.is_bound:
        return ""
    keys = []
    for name, field in filterset.form.fields.items():
        widget = field.widget
        suffixes = getattr(widget, "suffixes", None)
        if suffixes:
            keys += [widget.suffixed(name, suffix) for suffix in suffixes]
        else:
            keys.append(name)
    data = filterset.data
    pairs = [
        (key, value)
        for key in sorted(keys)
        for value in data.getlist(key)
        if value.strip() != ""
    ]
    return urlencode(pairs)


def filters_in_words(filterset: ReportFilterSet) -> str:
    """The valid ``filterset``'s filters, short, in the active language, such as
    "period 01/01/2023–31/12/2023, region Maros"; "all trainings" without
    filters. For a job's title: no personal data (filters are trainings, regions,
    topics and agencies)."""
    data = filterset.form.cleaned_data if filterset.is_bound else {}
    words = []
    period = data.get("period")
    if period and (period.start or period.stop):
        start = period.start and date_format(period.start.date(), "SHORT_DATE_FORMAT")
        end = period.stop and date_format(period.stop.date(), "SHORT_DATE_FORMAT")
        if start and end:
            words.append(_("period %(start)s–%(end)s") % {"start": start, "end": end})
        elif start:
            words.append(_("from %(start)s") % {"start": start})
        else:
            words.append(_("until %(end)s") % {"end": end})
    if data.get("region"):
        words.append(_("region %(name)s") % {"name": data["region"].name})
    if data.get("topic"):
        names = dict(filterset.form.fields["topic"].choices)
        topic = names.get(int(data["topic"]), data["topic"])
        words.append(_("topic %(name)s") % {"name": topic})
    if data.get("agency_type"):
        label = dict(filterset.form.fields["agency_type"].choices)[data["agency_type"]]
        words.append(_("agency type %(name)s") % {"name": label})
    if data.get("agency"):
        words.append(_("agency “%(text)s”") % {"text": data["agency"].strip()})
    if data.get("training"):
        words.append(_("training “%(text)s”") % {"text": data["training"].strip()})
    return ", ".join(words) or _("all trainings")


def job_title(what: str, fmt: str, about: str) -> str:
    """A job's title: ``what`` (the button's words without the format, such as
    "Participant list"), the format and ``about`` (filters in words, or the
    training). ``jobs.services.job_start`` cleans it and cuts it to fit
    ``Job.title``."""
    return _("%(what)s (.%(fmt)s), %(about)s") % {
        "what": what,
        "fmt": fmt,
        "about": about,
    }


# The work (in the worker, in the job's language)
# ------------------------------------------------------------------------------
def participant_permissions(personal: bool) -> tuple[str, ...]:
    """What a participant list needs: ``PARTICIPANT_PERMISSIONS``, and
    ``PERSONAL_PERMISSION`` too when it holds phone numbers, NIK and birth dates."""
    return PARTICIPANT_PERMISSIONS + ((PERSONAL_PERMISSION,) if personal else ())


def check_user(job: Job, permissions: Iterable[str]) -> None:
    """Raise ``JobFailed`` unless the user who started ``job`` still exists, is
    active and has every one of ``permissions`` (roles can change while a job
    waits in the queue)."""
    user = job.created_by
    if user is None or not user.is_active or not user.has_perms(list(permissions)):
        raise JobFailed(
            _(
                "The file was not made: the account that started this export may "
                "no longer export it. Ask an administrator for the role, then start "
                "the export again."
            )
        )


def job_filterset(job: Job) -> ReportFilterSet:
    """The report FilterSet rebuilt from ``job.params["query"]``; ``JobFailed``
    naming the fields when the filters are no longer valid (a region or topic
    removed since the job started)."""
    filterset = report_filterset(QueryDict(job.params.get("query", "")))
    if filterset.is_bound and not filterset.is_valid():
        fields = ", ".join(
            str(filterset.form.fields[name].label)
            for name in filterset.form.errors
            if name in filterset.form.fields
        )
        raise JobFailed(
            _(
                "The file was not made: these filters are no longer valid: "
                "%(fields)s. Open the report and choose them again."
            )
            % {"fields": fields or "-"}
        )
    return filterset


def file_stem(what: str, filterset: ReportFilterSet) -> str:
    """An ASCII file name without extension for a report export: ``setara``,
    ``what`` (a word in the active language, such as "participants"), the region
    or training filter when set, and today's date, such as
    ``setara-peserta-maros-2026-12-04``."""
    data = filterset.form.cleaned_data if filterset.is_bound else {}
    parts = ["setara", what]
    if data.get("region"):
        parts.append(data["region"].name)
    if data.get("training"):
        parts += [_("training"), data["training"][:40]]
    return _stem(parts)


def training_file_stem(what: str, training: Training) -> str:
    """The file name without extension of one training's export, by the scheme of
    ``file_stem``: ``setara``, ``what`` (a word in the active language), the word
    "training" and the start of the training's title, and today's date, such as
    ``setara-peserta-pelatihan-pelatihan-pencegahan-kekerasan-2026-12-04``; the
    same for the file sent straight back and the job's file."""
    return _stem(["setara", what, _("training"), training.title[:40]])


def _stem(parts: list[str]) -> str:
    """``parts`` and today's date, slugified (ASCII) and joined with "-"."""
    parts = [*parts, timezone.localdate().isoformat()]
    return "-".join(filter(None, (slugify(part) for part in parts)))[:150]


def spreadsheet_output(
    table_list: list[Table], fmt: str, stem: str, progress: Callable
) -> JobOutput:
    """Write ``table_list`` as ``fmt`` ("xlsx" or "csv") to a temporary file,
    reporting rows written to ``progress``; the ``JobOutput`` named
    ``<stem>.<fmt>``. What the writer raises propagates, and the temporary file is
    closed (removed) first."""
    if fmt not in CONTENT_TYPES:
        raise JobFailed(_("Unknown file format: %(fmt)s.") % {"fmt": fmt})
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (job_run copies, then drops it)
    try:
        writer = write_csv if fmt == "csv" else write_xlsx
        writer(table_list, spool, progress=progress)
    except BaseException:
        spool.close()
        raise
    return JobOutput(
        file=spool, filename=f"{stem}.{fmt}", content_type=CONTENT_TYPES[fmt]
    )


def report_tables_work(job: Job, progress) -> JobOutput:
    """The report's tables for the job's filters (a sheet each in .xlsx)."""
    check_user(job, REPORT_PERMISSIONS)
    filterset = job_filterset(job)
    table_list = tables.report_tables(filterset.qs)
    stem = file_stem(_("report"), filterset)
    return spreadsheet_output(table_list, job.params["fmt"], stem, progress)


def report_participants_work(job: Job, progress) -> JobOutput:
    """The people of the job's filters, one row each; personal columns when the
    job asked for them (and its user still may). Counts them first, so the job's
    page reads "N of M" (the request that started the job does not count)."""
    personal = bool(job.params.get("personal"))
    check_user(job, participant_permissions(personal))
    filterset = job_filterset(job)
    progress(0, filterset.qs.values("participant_id").distinct().count())
    table = tables.participant_table(filterset.qs, personal=personal)
    stem = file_stem(_("participants"), filterset)
    return spreadsheet_output([table], job.params["fmt"], stem, progress)


def _training(job: Job) -> Training:
    training = Training.objects.filter(pk=job.params.get("training")).first()
    if training is None:
        raise JobFailed(_("The file was not made: the training was deleted."))
    return training


def training_participants_work(job: Job, progress) -> JobOutput:
    """One training's participant list with attendance per day (a large one)."""
    personal = bool(job.params.get("personal"))
    check_user(job, participant_permissions(personal))
    training = _training(job)
    table = tables.roster_table(training, personal=personal)
    stem = training_file_stem(_("participants"), training)
    return spreadsheet_output([table], job.params["fmt"], stem, progress)


def training_summary_work(job: Job, progress) -> JobOutput:
    """One training's summary tables by sex (a large one)."""
    check_user(job, REPORT_PERMISSIONS)
    training = _training(job)
    table_list = tables.report_tables(tables.enrolments_of(training))
    stem = training_file_stem(_("report"), training)
    return spreadsheet_output(table_list, job.params["fmt"], stem, progress)
