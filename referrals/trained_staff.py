"""The trained staff of the directory's institutions: how many people of each
institution's linked agency attended a training, counted for the institutions a
page shows rather than for the whole directory
(``ReferralInstitution.objects.for_directory``)."""

from itertools import islice

from django.apps import apps
from django.db.models import Exists, OuterRef
from django.db.models.query import ModelIterable

from participants.disaggregation import SEX_COLUMNS, by_sex, counting
from participants.models import Participant
from setara.data_version import cached

#: Institutions whose agencies are counted by one query (well below SQLite's
#: limit on the parameters of a statement).
TRAINED_BATCH = 500


def trained_staff_by_agency(agency_ids) -> dict[int, dict[str, int]]:
    """``{agency id: {"male", "female", "not_recorded", "total"}}``: the distinct
    staff of each of ``agency_ids`` (an iterable of ``Agency`` ids) present on at
    least one day of a training as participants; an agency with none is left
    out. The same numbers as ``ReferralInstitutionQuerySet.with_trained_staff``.

    One aggregate query, cached for the data version
    (``setara.data_version.cached``: counts only, no personal data); none for no
    agency.
    """
    agency_ids = tuple(sorted(set(agency_ids)))
    if not agency_ids:
        return {}

    def compute():
        # By name: trainings' demo loader imports this app.
        attendance = apps.get_model("trainings", "Attendance")
        attended = attendance.objects.filter(
            enrolment__participant=OuterRef("pk"),
            enrolment__role="participant",
            present=True,
        )
        rows = (
            Participant.objects.filter(agency__in=agency_ids)
            .filter(Exists(attended))
            .values("agency")
            .annotate(**by_sex(counting(), field="sex"))
            .order_by()
        )
        return {row.pop("agency"): row for row in rows}

    return cached("referrals-trained-staff", agency_ids, compute)


class TrainedStaffIterable(ModelIterable):
    """``ModelIterable`` whose institutions come with ``trained_male``,
    ``trained_female``, ``trained_not_recorded`` and ``trained_total`` (0 without
    an agency or trained staff), from ``trained_staff_by_agency``, one call per
    ``TRAINED_BATCH`` institutions."""

    def __iter__(self):
        institutions = super().__iter__()
        while batch := list(islice(institutions, TRAINED_BATCH)):
            counts = trained_staff_by_agency(
                i.agency_id for i in batch if i.agency_id is not None
            )
            for institution in batch:
                row = counts.get(institution.agency_id, {})
                for key in SEX_COLUMNS:
                    setattr(institution, f"trained_{key}", row.get(key, 0))
            yield from batch
