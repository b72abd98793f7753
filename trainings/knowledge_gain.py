"""Knowledge gain from the pre-test and post-test: average pre, post and gain, and
how many improved and passed, by sex (L / P / not recorded / total) and by agency
type, counted by the database.

Two layers in this module:

- ``KnowledgeGainMixin``, a mixin of ``trainings.querysets.EnrolmentQuerySet``:
  ``knowledge_gain()`` (one aggregate query) and ``knowledge_gain_by_agency_type()``
  (one grouped query). Like ``reports.RegionSummaryMixin`` it names fields only, so
  it imports no trainings model.
- ``gain_report()``, ``report_gain()`` and ``gain_table()``: those numbers laid out,
  with the shares, for the training page, the report page and the .xlsx/.csv (the
  same cells in each).

Missing scores: an enrolment with both scores is *paired*; one with only a pre-test
or only a post-test counts in ``pre_only`` or ``post_only`` and in no average or
share: an absent score is never a zero.

Across trainings: two trainings can have different maxima (a test out of 20, another
out of 100), so their raw scores cannot be averaged together. With ``relative=True``
each score is first taken as a percentage of its own training's maximum, ``score *
100 / maximum`` (the maximum being ``Training.test_max_score``, or 100 when unset, as
``Training.score_maximum``), computed in SQL, and the averages are of those
percentages: "scores as % of the maximum". The report uses it when its filters take
in more than one training; one training keeps the raw scores staff typed. Passing is
judged on the raw post-test score against a pass mark: a fixed one, or with
``OWN_PASS_MARK`` the pass mark of each enrolment's own training, so a pass share
across trainings holds everyone to their own training's mark, and counts only the
people whose training has one.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, F, FloatField, Q, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from participants.disaggregation import SEX_COLUMNS, agency_type_rank, by_sex, counting
from participants.models import Agency
from setara.spreadsheets import Table

#: The pass mark of each enrolment's own training (``Training.test_pass_mark``), for
#: the ``pass_mark`` argument of the ``KnowledgeGainMixin`` methods.
OWN_PASS_MARK = F("training__test_pass_mark")
#: A training's maximum score when ``test_max_score`` is empty, as
#: ``Training.score_maximum``, the score grid and its checks and the SQL here use.
DEFAULT_SCORE_MAXIMUM = Decimal(100)
#: The measures of ``knowledge_gain()``, each with the four sex suffixes.
MEASURES = (
    "paired",
    "pre_only",
    "post_only",
    "pre_avg",
    "post_avg",
    "gain_avg",
    "improved",
    "passed",
)

#: Enrolments with at least one score, with both, or with only one of the two.
SCORED = Q(pre_score__isnull=False) | Q(post_score__isnull=False)
PAIRED = Q(pre_score__isnull=False, post_score__isnull=False)
PRE_ONLY = Q(pre_score__isnull=False, post_score__isnull=True)
POST_ONLY = Q(pre_score__isnull=True, post_score__isnull=False)
IMPROVED = Q(post_score__gt=F("pre_score"))

#: Sums of scores (or of percentages) over many enrolments: wide enough for any
#: count of them, six places kept so every database rounds the same way.
_SUM_FIELD = DecimalField(max_digits=30, decimal_places=6)
_SUM_PLACES = Decimal("0.000001")
_ONE_PLACE = Decimal("0.1")


def _score(field: str, relative: bool):
    """The SQL value of score ``field`` ("pre_score", "post_score"): as stored, or
    when ``relative`` as a percentage of its training's maximum (floating point, so
    SQLite never divides integers)."""
    if not relative:
        return F(field)
    maximum = Coalesce("training__test_max_score", Value(DEFAULT_SCORE_MAXIMUM))
    return (
        Cast(field, FloatField())
        * Value(100.0, output_field=FloatField())
        / Cast(maximum, FloatField())
    )


def _passing(pass_mark, relative: bool) -> tuple[Q, Q] | None:
    """``(passed, assessed)``: the conditions, among paired enrolments, of passing
    and of having a pass mark to pass; None without a pass mark. ``pass_mark`` is
    a number (raw score), None, or ``OWN_PASS_MARK``; ValueError for a number with
    ``relative`` (raw marks of several trainings do not compare)."""
    if pass_mark is None:
        return None
    if pass_mark is OWN_PASS_MARK:
        return (
            Q(post_score__gte=F("training__test_pass_mark")),
            Q(training__test_pass_mark__isnull=False),
        )
    if relative:
        raise ValueError("Across trainings, pass with each training's own mark.")
    return Q(post_score__gte=pass_mark), Q()


def _aggregates(passing: tuple[Q, Q] | None, relative: bool) -> dict:
    """Every aggregate of ``knowledge_gain`` before ``_finish``: the counts, and
    ``pre_sum_<sex>`` / ``post_sum_<sex>``, the paired scores summed."""

    def total(field):
        return lambda condition: Sum(
            _score(field, relative), filter=condition, output_field=_SUM_FIELD
        )

    aggregates = {
        **by_sex(counting(), prefix="paired_", where=PAIRED),
        **by_sex(counting(), prefix="pre_only_", where=PRE_ONLY),
        **by_sex(counting(), prefix="post_only_", where=POST_ONLY),
        **by_sex(total("pre_score"), prefix="pre_sum_", where=PAIRED),
        **by_sex(total("post_score"), prefix="post_sum_", where=PAIRED),
        **by_sex(counting(), prefix="improved_", where=PAIRED & IMPROVED),
    }
    if passing is not None:
        passed, assessed = passing
        aggregates |= by_sex(counting(), prefix="passed_", where=PAIRED & passed)
        aggregates |= by_sex(counting(), prefix="assessed_", where=PAIRED & assessed)
    return aggregates


def _decimal(value) -> Decimal:
    """A sum from the database (Decimal, float or None) as a Decimal to six places:
    PostgreSQL sums numbers exactly, SQLite and floating point nearly."""
    if value is None:
        return Decimal(0)
    return Decimal(str(value)).quantize(_SUM_PLACES)


def _average(total: Decimal, count: int) -> Decimal | None:
    """``total / count`` rounded half up to one decimal; None when ``count`` is 0."""
    if not count:
        return None
    return (total / count).quantize(_ONE_PLACE, rounding=ROUND_HALF_UP)


def _finish(data: dict, pass_mark) -> dict:
    """``data`` (aggregated by ``_aggregates``) with the averages made from the sums
    (which leave): ``pre_avg``, ``post_avg`` and ``gain_avg`` (the average of post
    minus pre, not the difference of two rounded averages); ``passed`` and
    ``assessed`` None without a pass mark, or with ``OWN_PASS_MARK`` when nobody
    paired here has one."""
    for sex in SEX_COLUMNS:
        paired = data[f"paired_{sex}"]
        pre = _decimal(data.pop(f"pre_sum_{sex}"))
        post = _decimal(data.pop(f"post_sum_{sex}"))
        data[f"pre_avg_{sex}"] = _average(pre, paired)
        data[f"post_avg_{sex}"] = _average(post, paired)
        data[f"gain_avg_{sex}"] = _average(post - pre, paired)
    if pass_mark is None or (pass_mark is OWN_PASS_MARK and not data["assessed_total"]):
        for sex in SEX_COLUMNS:
            data[f"passed_{sex}"] = data[f"assessed_{sex}"] = None
    return data


class KnowledgeGainMixin:
    """The pre-test and post-test results of an enrolment queryset (a mixin of
    ``EnrolmentQuerySet``). Counts whatever enrolments it is given: callers apply
    ``.participants()`` first (facilitators and committee are not participants)."""

    def knowledge_gain(self, pass_mark=None, *, relative: bool = False) -> dict:
        """The knowledge gain of these enrolments in one aggregate query: a dict
        with ``f"{measure}_{sex}"`` for each measure of ``MEASURES`` and each sex
        suffix (``male``, ``female``, ``not_recorded``, ``total``), plus
        ``assessed_<sex>``:

        - ``paired``: enrolments with both scores; ``pre_only``, ``post_only``:
          with only one (counted apart, never as a zero);
        - ``pre_avg``, ``post_avg``, ``gain_avg``: averages over the paired ones
          (Decimal, one decimal, half up; None when none is paired); in the
          scores' units, or with ``relative`` in % of each training's maximum;
        - ``improved``: paired with post above pre;
        - ``passed``: paired with the post-test score at least ``pass_mark``, and
          ``assessed`` the paired ones measured against a pass mark (all of them
          with a number; with ``OWN_PASS_MARK``, those whose training has one);
          both None when ``pass_mark`` is None, or with ``OWN_PASS_MARK`` when
          no paired enrolment's training has one.

        ``pass_mark``: a raw score (Decimal, int), None or ``OWN_PASS_MARK``;
        ValueError for a number with ``relative``.
        """
        passing = _passing(pass_mark, relative)
        return _finish(self.aggregate(**_aggregates(passing, relative)), pass_mark)

    def knowledge_gain_by_agency_type(
        self, pass_mark=None, *, relative: bool = False
    ) -> list[dict]:
        """The measures of ``knowledge_gain`` per agency type of the participants,
        in one grouped query: one dict per type with at least one score, with
        ``agency_type`` (an ``Agency.Type`` value, None for "no agency") and the
        same keys, in ``Agency.Type`` order then "no agency". Same arguments and
        errors as ``knowledge_gain``."""
        passing = _passing(pass_mark, relative)
        rows = (
            self.filter(SCORED)
            .values(agency_type=F("participant__agency__type"))
            .annotate(**_aggregates(passing, relative))
            .order_by(agency_type_rank("participant__agency__type"))
        )
        return [_finish(row, pass_mark) for row in rows]


# Laid out for the pages and the files
# ------------------------------------------------------------------------------
def share(part: int | None, whole: int | None) -> Decimal | None:
    """``part`` as a percentage of ``whole``, one decimal, half up; None when
    either is None or ``whole`` is 0."""
    if part is None or not whole:
        return None
    return (Decimal(100 * part) / whole).quantize(_ONE_PLACE, rounding=ROUND_HALF_UP)


def has_scores(gain: dict) -> bool:
    """Whether ``gain`` (``knowledge_gain()`` or a row of it) counts any score."""
    return bool(
        gain["paired_total"] or gain["pre_only_total"] or gain["post_only_total"]
    )


def measures(data: dict, sex: str = "total") -> dict:
    """One row's numbers from ``knowledge_gain()`` data (or an agency-type row) for
    sex suffix ``sex``, with the shares: ``improved_share`` (of the paired) and
    ``passed_share`` (of those with a pass mark), in % (``share``)."""
    row = {measure: data[f"{measure}_{sex}"] for measure in MEASURES}
    row["improved_share"] = share(row["improved"], row["paired"])
    row["passed_share"] = share(row["passed"], data[f"assessed_{sex}"])
    return row


def _columns(relative: bool, with_pass: bool) -> list[tuple[str, str]]:
    """``(key, label)`` of each number column, in order; passing only
    ``with_pass``; the averages say "% of maximum" when ``relative``."""
    if relative:
        averages = [
            # xgettext:no-python-format
            ("pre_avg", _("Average pre-test (% of maximum)")),
            # xgettext:no-python-format
            ("post_avg", _("Average post-test (% of maximum)")),
            ("gain_avg", _("Average gain (percentage points)")),
        ]
    else:
        averages = [
            ("pre_avg", _("Average pre-test")),
            ("post_avg", _("Average post-test")),
            ("gain_avg", _("Average gain")),
        ]
    passing = [("passed", _("Passed")), ("passed_share", _("Passed (%)"))]
    return [
        ("paired", _("With both scores")),
        *averages,
        ("improved", _("Improved")),
        ("improved_share", _("Improved (%)")),
        *(passing if with_pass else []),
        ("pre_only", _("Only pre-test")),
        ("post_only", _("Only post-test")),
    ]


def _text(value) -> str:
    """A number for the page in the active language ("71,3", "1.250" in
    Indonesian); empty for None."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return number_format(value, 1, force_grouping=True)
    return number_format(value, force_grouping=True)


def _row(key: str, label: str, numbers: dict, columns) -> dict:
    """A row for the page and the file: ``key`` (for ``data-row``), ``label``,
    ``values`` (numbers in column order) and ``cells`` (``key`` and ``text`` each)."""
    values = [numbers[column] for column, _label in columns]
    cells = [
        {"key": column, "text": _text(value)}
        for (column, _label), value in zip(columns, values, strict=True)
    ]
    return {"key": key, "label": label, "values": values, "cells": cells}


def gain_report(
    enrolments, *, pass_mark=None, relative: bool = False, gain: dict | None = None
) -> dict | None:
    """The knowledge gain of ``enrolments`` (participant enrolments) laid out for
    a page or a file; None when none has a score. Two queries (one when there is
    no score). Arguments as ``KnowledgeGainMixin.knowledge_gain``.

    ``{"relative", "with_pass" (a pass mark applies to someone), "columns"
    (``[{"key", "label"}]``), "by_sex" (rows L, P, not recorded, total),
    "by_agency_type" (a row per type with a score, then the total)}``; each row is
    ``{"key", "label", "values", "cells"}`` (``_row``). ``gain``: the
    ``knowledge_gain`` of the same enrolments and arguments when the caller has
    it already (the training page's activity report counts it), saving a query.
    """
    if gain is None:
        gain = enrolments.knowledge_gain(pass_mark, relative=relative)
    if not has_scores(gain):
        return None
    with_pass = gain["passed_total"] is not None
    columns = _columns(relative, with_pass)
    sex_labels = ("L", "P", _("Not recorded"), _("Total"))
    by_sex = [
        _row(sex, label, measures(gain, sex), columns)
        for sex, label in zip(SEX_COLUMNS, sex_labels, strict=True)
    ]
    by_type = [
        _row(
            row["agency_type"] or "none",
            Agency.type_label(row["agency_type"]),
            measures(row),
            columns,
        )
        for row in enrolments.knowledge_gain_by_agency_type(
            pass_mark, relative=relative
        )
    ]
    return {
        "relative": relative,
        "with_pass": with_pass,
        "columns": [{"key": key, "label": label} for key, label in columns],
        "by_sex": by_sex,
        "by_agency_type": [*by_type, by_sex[-1]],
    }


def report_gain(enrolments, trainings: int) -> dict | None:
    """``gain_report`` of a report's ``enrolments`` spanning ``trainings``
    trainings (``report_summary()["trainings"]``): each training's own pass mark;
    raw scores for one training, % of each training's maximum for more."""
    return gain_report(enrolments, pass_mark=OWN_PASS_MARK, relative=trainings > 1)


def gain_table(report: dict) -> Table:
    """A ``gain_report`` as one sheet, "Knowledge gain": a row per sex, then per
    agency type, the first column saying which; averages and shares as numbers."""
    header = [
        _("Breakdown"),
        _("Group"),
        *(column["label"] for column in report["columns"]),
    ]
    rows = [
        *([_("Sex"), row["label"], *row["values"]] for row in report["by_sex"]),
        *(
            [_("Agency type"), row["label"], *row["values"]]
            for row in report["by_agency_type"]
        ),
    ]
    return Table(_("Knowledge gain"), header, rows)


def gain_tables(enrolments, trainings: int) -> list[Table]:
    """The report export's knowledge-gain sheet (``report_gain``), or none when no
    enrolment has a score."""
    report = report_gain(enrolments, trainings)
    return [gain_table(report)] if report else []
