"""Report counts by place and month: where the trainings were held, rolled up to
their regency/city and province by the Kemendagri code (``73.09.11.2001`` is in
``73.09`` and ``73``), and when they started, counted in the database.

A mixin of ``trainings.querysets.EnrolmentQuerySet`` (kept here so that module stays
short); it names fields only, so it imports no model.
"""

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    IntegerField,
    Max,
    Q,
    Value,
    When,
)
from django.db.models.functions import Substr, TruncMonth

from participants.disaggregation import by_sex, counting
from participants.functioning import WG_YES, wg_disability_case
from regions.models import LEVEL_DEPTH

#: How many leading characters of a Kemendagri code name the province ("73") and
#: the regency/city ("73.09") a region lies in, by ``region_summary`` level.
REGION_CODE_PREFIX = {"province": 2, "regency": 5}
#: The groupings of ``breakdown_summary``, in the order of its rows.
BREAKDOWNS = ("month", "province", "regency")


def _counts() -> dict:
    """The counts of every breakdown row: trainings, and participations and
    distinct persons by sex."""
    return {
        "trainings": Count("training", distinct=True),
        **by_sex(counting(), prefix="participations_"),
        **by_sex(counting("participant", distinct=True), prefix="persons_"),
    }


def _region_name(level: str):
    """The name of the province (``level`` "province") or regency/city
    ("regency") a training was held in, reached through the parents of its region
    (a region's parent is its code without the last part, so the ancestor at a
    depth is the region whose code is that prefix): an aggregate, the same on
    every row of a group, so the names need no second query. A training held at
    province level gives the province's name among the regencies."""
    whens = []
    for region_level, depth in LEVEL_DEPTH.items():
        steps = max(0, depth - LEVEL_DEPTH[level])
        path = "training__region" + "__parent" * steps + "__name"
        whens.append(When(training__region__level=region_level, then=F(path)))
    return Max(Case(*whens, output_field=CharField()))


class RegionSummaryMixin:
    """Summaries by region and month of an enrolment queryset, and the training
    page's people counts."""

    def people_summary(self) -> dict:
        """The training page's counts of these enrolments in one query, split by
        sex (``male``, ``female``, ``not_recorded``, ``total``) for everyone, with
        the prefix ``disability_`` for those whose disability is recorded as yes,
        and ``wg_disability_`` for those with a disability by the WG-SS cut-off
        (``participants.functioning``)."""
        return self.annotate(wg_status=wg_disability_case("participant__")).aggregate(
            **by_sex(counting()),
            **by_sex(
                counting(), prefix="disability_", where=Q(participant__disability="yes")
            ),
            **by_sex(counting(), prefix="wg_disability_", where=Q(wg_status=WG_YES)),
        )

    def region_summary(self, level: str):
        """One row per province (``level`` "province") or regency/city ("regency")
        of the trainings' regions, by code: ``region_code`` (the first 2 or 5
        characters of the training region's code, so a training held in a district
        or village counts in its regency and province; a training held at province
        level has the province code among the regencies), ``region_name`` (that
        province's or regency's name), ``trainings``, and for each sex suffix
        ``participations_<sex>`` (enrolments) and ``persons_<sex>`` (distinct
        participants). One query; raises KeyError for another ``level``. The
        rows of that breakdown of ``breakdown_summary`` (``_grouped``)."""
        if level not in REGION_CODE_PREFIX:
            raise KeyError(level)
        return _grouped(self, level)

    def month_summary(self):
        """One row per month in which trainings started: ``month`` (first day of
        the month) and ``participations_<sex>`` for each sex suffix. One query;
        the month rows of ``breakdown_summary`` (``_grouped``)."""
        return _grouped(self, "month")

    def breakdown_summary(self):
        """The report's breakdowns by month, province and regency/city in one
        query (a UNION ALL of three groupings, each ``_grouped``), rows in that
        order: ``breakdown`` ("month", "province" or "regency", as
        ``BREAKDOWNS``), ``month`` (the first day of the month the trainings
        started, on month rows), ``region_code`` and ``region_name`` (on
        province and regency rows, as ``region_summary``), ``trainings``,
        ``participations_<sex>`` and ``persons_<sex>`` (month rows count
        participations only: None for the others). Months and codes ascending
        within their breakdown."""
        first, *others = (_grouped(self, name, tagged=True) for name in BREAKDOWNS)
        return first.union(*others, all=True).order_by(
            "breakdown", "month", "region_code"
        )


def _grouped(enrolments, breakdown: str, *, tagged: bool = False):
    """``enrolments`` grouped by one breakdown of ``BREAKDOWNS``, in one query:
    by "month" (``month``, the first day of the month the training started,
    and ``participations_<sex>``; the page shows participations by month only,
    so the distinct counts, the costly part, are left out) or by a
    ``REGION_CODE_PREFIX`` level (``region_code``, ``region_name`` and
    ``_counts()``), ordered by that key. ``tagged`` gives every breakdown the
    same columns in the same order, for ``breakdown_summary``'s UNION:
    ``breakdown`` (its name), ``month``, ``region_code``, ``region_name`` and
    every count of ``_counts()``, None (NULL) where the breakdown has none,
    unordered."""
    if breakdown == "month":
        key = {"month": TruncMonth("training__start_date", output_field=DateField())}
        name = None
        counts = by_sex(counting(), prefix="participations_")
    else:
        prefix = REGION_CODE_PREFIX[breakdown]
        key = {"region_code": Substr("training__region__code", 1, prefix)}
        name = {"region_name": _region_name(breakdown)}
        counts = _counts()
    if not tagged:
        return enrolments.values(**key).annotate(**name or {}, **counts).order_by(*key)
    columns = {
        "breakdown": Value(breakdown, output_field=CharField()),
        "month": Value(None, output_field=DateField()),
        "region_code": Value(None, output_field=CharField()),
        **key,
    }
    name = name or {"region_name": Value(None, output_field=CharField())}
    every_count = {
        count: counts[count] if count in counts else Value(None, IntegerField())
        for count in _counts()
    }
    return enrolments.order_by().values(**columns).annotate(**name, **every_count)
