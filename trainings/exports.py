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

A report export starts with a cover (``filter_table``): each filter it was made
with, as the form shows it, and when it was made. File names say what the file
holds (``file_stem``, ``training_file_stem``), the same for a file sent straight
back and a job's file. A .csv follows the language of the user who asked for it
(``setara.csv_dialects``: ``;`` and decimal commas in Indonesian).
"""

import datetime
import tempfile
from collections.abc import Callable, Iterable
from urllib.parse import urlencode

from django.http import QueryDict
from django.template.defaultfilters import slugify
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jobs.models import Job
from jobs.runner import JobFailed, JobOutput, job_starter_check
from regions.models import Region
from setara.csv_dialects import csv_dialect
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
#: The longest slug of one part of a file name (a title, a filter), in characters.
NAME_PART_LENGTH = 40
#: The longest slug of a report file name's filters together, in characters.
NAME_FILTERS_LENGTH = 100


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
    job_starter_check(
        job,
        permissions,
        _(
            "The file was not made: the account that started this export may "
            "no longer export it. Ask an administrator for the role, then start "
            "the export again."
        ),
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


def filter_table(filterset: ReportFilterSet) -> Table:
    """The cover of a report export (``Table.cover``): each filter set in the
    valid ``filterset`` with its label and value as the form shows them ("Region",
    "Kabupaten Maros, Sulawesi Selatan"), or "all trainings", then the date and
    time it was made, such as "04/12/2026 10:15 WITA". Who made it is not written
    (the export log knows)."""
    rows = filter_rows(filterset) or [[_("Trainings"), _("all trainings")]]
    made = timezone.localtime()
    when = f"{date_format(made, 'SHORT_DATETIME_FORMAT')} {made.tzname()}"
    rows.append([_("Made on"), when])
    title = pgettext("spreadsheet", "Filter")
    return Table(title, [title, _("Value")], rows, widths=(34, 60), cover=True)


def filter_rows(filterset: ReportFilterSet) -> list[list[str]]:
    """``[label, value]`` of each filter set in the valid ``filterset``, in the
    form's order, in the active language; ``[]`` when unbound, invalid or none is
    set."""
    if not filterset.is_bound or not filterset.is_valid():
        return []
    data = filterset.form.cleaned_data
    rows = []
    for name, field in filterset.form.fields.items():
        text = _shown(field, data.get(name))
        if text:
            rows.append([str(field.label), text])
    return rows


def _shown(field, value) -> str:
    """A filter's cleaned ``value`` as its form ``field`` shows it: a period as
    "01/01/2023 – 31/12/2023" (or from / until one day), a region by its label, a
    choice by its name, text as typed; ``""`` when empty."""
    if isinstance(value, slice):  # DateFromToRangeFilter
        start, stop = (_day(value.start), _day(value.stop))
        if start and stop:
            return f"{start} – {stop}"
        if start:
            return _("from %(start)s") % {"start": start}
        return _("until %(end)s") % {"end": stop} if stop else ""
    if value is None or str(value).strip() == "":
        return ""
    if isinstance(value, Region):
        return value.label
    choices = {str(key): label for key, label in getattr(field, "choices", ())}
    return str(choices.get(str(value), value)).strip()


def _day(value) -> str:
    """A period's end (a datetime, a date or None) as a short date, or ``""``."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def file_stem(what: str, filterset: ReportFilterSet) -> str:
    """An ASCII file name without extension for a report export: ``what`` (a word
    in the active language, such as "report"), the filters (region, period as
    years or days, then the others as the form shows them; "all trainings"
    without filters) and today's date, such as
    ``laporan-sulawesi-selatan-2023-2026-12-04`` or
    ``peserta-maros-20230101-20230630-aparat-penegak-hukum-2026-12-04``."""
    valid = filterset.is_bound and filterset.is_valid()
    data = filterset.form.cleaned_data if valid else {}
    parts = []
    if data.get("region"):
        parts.append(region_short_name(data["region"]))
    if data.get("period"):
        parts.append(_period_words(data["period"]))
    for name, field in filterset.form.fields.items():
        if name in ("region", "period") or not data.get(name):
            continue
        text = _shown(field, data[name]).split(" (")[0]  # "OCSEA (...)": "OCSEA"
        parts.append(f"{_('training')} {text}" if name == "training" else text)
    filters = _cut("-".join(filter(None, map(_slug, parts))), NAME_FILTERS_LENGTH)
    return _stem([what, filters or _("all trainings")], timezone.localdate())


def _period_words(period: slice) -> str:
    """The period of a file name: "2023" or "2022-2023" for whole years, else its
    days as "20230115 20230630" ("from 20230115", "until 20230630")."""
    start, stop = (
        value.date() if isinstance(value, datetime.datetime) else value
        for value in (period.start, period.stop)
    )
    whole_years = start and stop and (start.month, start.day) == (1, 1)
    if whole_years and (stop.month, stop.day) == (12, 31):
        years = sorted({start.year, stop.year})
        return " ".join(str(year) for year in years)
    start, stop = (day and day.strftime("%Y%m%d") for day in (start, stop))
    if start and stop:
        return f"{start} {stop}"
    if start:
        return _("from %(start)s") % {"start": start}
    return _("until %(end)s") % {"end": stop} if stop else ""


def region_short_name(region: Region) -> str:
    """A region's name as a file name says it: "Kabupaten Maros" -> "Maros"
    (a city keeps "Kota": Kota Bima is not Kabupaten Bima)."""
    return region.name.removeprefix("Kabupaten ")


def training_file_stem(what: str, training: Training) -> str:
    """The ASCII file name without extension of any file of one training:
    ``what`` (a word in the active language), the start of the title (at most
    ``NAME_PART_LENGTH`` characters, cut between words), the region unless the
    title names it, and the training's start date, such as
    ``peserta-pelatihan-ocsea-maros-2023-10-18``; the same for the file sent
    straight back and the job's file, whenever it is made. Reads the training's
    region (a query unless it was selected with the training)."""
    title = _slug(training.title)
    region = _slug(region_short_name(training.region))
    parts = [what, title]
    if region and f"-{region}-" not in f"-{title}-":
        parts.append(region)
    return _stem(parts, training.start_date)


def _slug(text: str) -> str:
    """``text`` as an ASCII slug of at most ``NAME_PART_LENGTH`` characters."""
    return _cut(slugify(text), NAME_PART_LENGTH)


def _cut(slug: str, length: int) -> str:
    """``slug`` cut to ``length`` characters, between words when it has any."""
    if len(slug) <= length:
        return slug
    head = slug[: length + 1]
    return (head.rsplit("-", 1)[0] if "-" in head else slug[:length]).strip("-")


def _stem(parts: list[str], day: datetime.date) -> str:
    """``parts`` slugified (ASCII; empty ones left out) and ``day``, joined with
    "-"."""
    slugs = [slugify(part) for part in parts]
    return "-".join(filter(None, [*slugs, day.isoformat()]))


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
        if fmt == "csv":  # in the language of the job (csv_dialects)
            write_csv(table_list, spool, progress=progress, dialect=csv_dialect())
        else:
            write_xlsx(table_list, spool, progress=progress)
    except BaseException:
        spool.close()
        raise
    return JobOutput(
        file=spool, filename=f"{stem}.{fmt}", content_type=CONTENT_TYPES[fmt]
    )


def report_tables_work(job: Job, progress) -> JobOutput:
    """The report's tables for the job's filters (a sheet each in .xlsx), after
    the cover with the filters."""
    check_user(job, REPORT_PERMISSIONS)
    filterset = job_filterset(job)
    table_list = [filter_table(filterset), *tables.report_tables(filterset.qs)]
    stem = file_stem(_("report"), filterset)
    return spreadsheet_output(table_list, job.params["fmt"], stem, progress)


def report_participants_work(job: Job, progress) -> JobOutput:
    """The people of the job's filters, one row each, after the cover with the
    filters; personal columns when the job asked for them (and its user still
    may). Counts them first, so the job's page reads "N of M" (the request that
    started the job does not count)."""
    personal = bool(job.params.get("personal"))
    check_user(job, participant_permissions(personal))
    filterset = job_filterset(job)
    progress(0, filterset.qs.values("participant_id").distinct().count())
    table = tables.participant_table(filterset.qs, personal=personal)
    stem = file_stem(_("participants"), filterset)
    table_list = [filter_table(filterset), table]
    return spreadsheet_output(table_list, job.params["fmt"], stem, progress)


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
    stem = training_file_stem(_("summary by sex"), training)
    return spreadsheet_output(table_list, job.params["fmt"], stem, progress)
