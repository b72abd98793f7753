"""Report counts by place: where the trainings were held, rolled up to their
regency/city and province by the Kemendagri code (``73.09.11.2001`` is in
``73.09`` and ``73``), counted in the database.

A mixin of ``trainings.models.EnrolmentQuerySet`` (kept here so that module stays
short); it names fields only, so it imports no model.
"""

from django.db.models import Count
from django.db.models.functions import Substr

from participants.disaggregation import by_sex, counting

#: How many leading characters of a Kemendagri code name the province ("73") and
#: the regency/city ("73.09") a region lies in, by ``region_summary`` level.
REGION_CODE_PREFIX = {"province": 2, "regency": 5}


class RegionSummaryMixin:
    """Summaries by region of an enrolment queryset."""

    def region_summary(self, level: str):
        """One row per province (``level`` "province") or regency/city ("regency")
        of the trainings' regions, by code: ``region_code`` (the first 2 or 5
        characters of the training region's code, so a training held in a district
        or village counts in its regency and province; a training held at province
        level has the province code among the regencies), ``trainings``, and for
        each sex suffix ``participations_<sex>`` (enrolments) and
        ``persons_<sex>`` (distinct participants). One query; raises KeyError for
        another ``level``."""
        code = Substr("training__region__code", 1, REGION_CODE_PREFIX[level])
        return (
            self.values(region_code=code)
            .annotate(
                trainings=Count("training", distinct=True),
                **by_sex(counting(), prefix="participations_"),
                **by_sex(counting("participant", distinct=True), prefix="persons_"),
            )
            .order_by("region_code")
        )
