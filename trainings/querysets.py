"""The query sets of trainings, enrolments and attendance: the filters and the
counting that pages and reports share (the report groupings are in ``reports``)."""

from itertools import islice

from django.db import models
from django.db.models import (
    Count,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable

from participants.disaggregation import SEX_KEYS, agency_type_rank, by_sex, counting
from participants.functioning import WG_FIELDS, WG_STATUS_LABELS, wg_disability_case
from participants.models import Agency, Participant
from regions.models import within_q

from .dates import DayCount
from .knowledge_gain import KnowledgeGainMixin
from .reports import RegionSummaryMixin

#: ``Enrolment.Role.PARTICIPANT``: the role counted as a participant (facilitators
#: and committee are not).
ROLE_PARTICIPANT = "participant"


def _model(name: str) -> type[models.Model]:
    """The trainings model ``name``; looked up when called, since ``models`` imports
    this module."""
    from django.apps import apps

    return apps.get_model("trainings", name)


#: Trainings counted by one query of ``_ParticipantCountIterable`` (kept well
#: below SQLite's limit on the parameters of a statement).
_COUNT_BATCH = 500


def set_participant_counts(trainings: list) -> None:
    """Set ``participant_count``, ``participants_male``, ``participants_female``
    and ``participants_not_recorded`` (integers, 0 when nobody is enrolled) on
    each of ``trainings`` (``Training`` instances), counted by one aggregate
    query over their enrolments in the participant role; the same numbers as
    ``TrainingQuerySet.with_participant_count``."""
    if not trainings:
        return
    rows = (
        _model("Enrolment")
        .objects.participants()
        .filter(training__in=[training.pk for training in trainings])
        .values("training")
        .annotate(**by_sex(counting(), prefix="participants_"))
        .order_by()
    )
    counts = {row.pop("training"): row for row in rows}
    for training in trainings:
        row = counts.get(training.pk, {})
        training.participant_count = row.get("participants_total", 0)
        for key in SEX_KEYS:
            name = f"participants_{key}"
            setattr(training, name, row.get(name, 0))


class _ParticipantCountIterable(ModelIterable):
    """``ModelIterable`` whose trainings come with their participant counts
    (``set_participant_counts``), one query per batch of ``_COUNT_BATCH``."""

    def __iter__(self):
        trainings = super().__iter__()
        while batch := list(islice(trainings, _COUNT_BATCH)):
            set_participant_counts(batch)
            yield from batch


class TrainingQuerySet(models.QuerySet):
    def in_year(self, year: int):
        """Trainings that start in ``year``."""
        return self.filter(start_date__year=year)

    def in_region(self, region):
        """Trainings held in ``region`` (a ``Region``) or in any region below it,
        at every level (``regions.models.within_q``)."""
        return self.filter(within_q(region))

    def with_participant_count(self):
        """Trainings annotated with ``participant_count``: their enrolments in the
        participant role (facilitators and committee left out), and the same by
        sex, ``participants_male``, ``participants_female`` and
        ``participants_not_recorded`` (``participants.disaggregation.by_sex``),
        counted in the same query."""
        counts = by_sex(
            counting("enrolments"),
            field="enrolments__participant__sex",
            prefix="participants_",
            where=Q(enrolments__role=ROLE_PARTICIPANT),
        )
        return self.annotate(
            participant_count=counts.pop("participants_total"), **counts
        )

    def for_list(self):
        """Trainings with what the list page shows, in a fixed number of queries.

        Each training fetched carries ``participant_count`` and its split by sex,
        ``participants_male``, ``participants_female`` and
        ``participants_not_recorded`` (as ``with_participant_count()`` gives),
        its region and its topics: three queries whatever the number of rows.
        The counts are made after the trainings are fetched, by one aggregate
        query over the enrolments of those trainings only
        (``_ParticipantCountIterable``), so a page (``[20:40]``) counts its own
        twenty trainings and ``count()`` stays a plain count of trainings.
        """
        trainings = (
            self.select_related("region")
            .prefetch_related("topics")
            .order_by("-start_date", "title", "id")
        )
        trainings._iterable_class = _ParticipantCountIterable
        return trainings

    def with_record_counts(self):
        """Trainings with ``enrolment_count`` and ``attendance_count``: what goes
        with a training when it is deleted."""
        return self.annotate(
            enrolment_count=Count("enrolments", distinct=True),
            attendance_count=Count("enrolments__attendances", distinct=True),
        )


class EnrolmentQuerySet(RegionSummaryMixin, KnowledgeGainMixin, models.QuerySet):
    def participants(self):
        """Enrolments in the participant role (not facilitators or committee)."""
        return self.filter(role=ROLE_PARTICIPANT)

    def by_name(self):
        """Enrolments with participant and agency loaded, by the person's name
        (then id): the order of every list of a training's people."""
        return self.select_related("participant__agency").order_by(
            "participant__full_name", "id"
        )

    def for_roster(self):
        """``by_name()`` with each enrolment's attendance loaded, by date."""
        return self.by_name().prefetch_related(
            models.Prefetch(
                "attendances",
                queryset=_model("Attendance").objects.order_by("date"),
            )
        )

    def with_attendance_count(self):
        """Enrolments with training, participant and ``attendance_count`` (attendance
        rows, present or absent): what goes with an enrolment when it is removed."""
        return self.select_related("training", "participant").annotate(
            attendance_count=Count("attendances")
        )

    def with_days_present(self):
        """Enrolments with their training and ``days_present`` (days marked present)."""
        return (
            self.select_related("training")
            .annotate(
                days_present=Count("attendances", filter=Q(attendances__present=True))
            )
            .order_by("-training__start_date")
        )

    def sex_summary(self) -> dict:
        """Count enrolments by sex in one query: ``{"male", "female",
        "not_recorded", "total"}``; the three parts always add up to the total."""
        return self.aggregate(**by_sex(counting()))

    def agency_type_summary(self):
        """One row per agency type: ``agency_type``, ``male``, ``female``,
        ``not_recorded``, ``total``, in ``Agency.Type``'s order (as every table
        and file shows them); participants without an agency come last, as type
        ``None``."""
        return (
            self.values(agency_type=F("participant__agency__type"))
            .annotate(**by_sex(counting()))
            .order_by(agency_type_rank("participant__agency__type"))
        )

    # Every count below is made by the database; each method is one query
    # whatever the number of rows.

    def with_days_attended(self):
        """Enrolments annotated with ``days_attended``, the days marked present,
        counted by a subquery so it can be summed or compared after grouping."""
        # COUNT as a plain function, not an aggregate, so the subquery has no
        # GROUP BY and always returns one row (0 when nothing is recorded).
        present = (
            _model("Attendance")
            .objects.present()
            .filter(enrolment=OuterRef("pk"))
            .order_by()
            .annotate(days=Func(F("pk"), function="COUNT"))
            .values("days")
        )
        return self.annotate(
            days_attended=Subquery(present, output_field=models.IntegerField())
        )

    def report_summary(self) -> dict:
        """The headline numbers of a report in one query, as a flat dict.

        ``trainings``: trainings with at least one of these enrolments; ``max_days``:
        days of the longest of them (0 when there is none); ``villages``: villages
        reached, the distinct villages (``Participant.village_region``) of these
        participants, those without one left out. For each sex suffix
        ``_male``, ``_female``, ``_not_recorded`` and ``_total``:
        ``participations`` (enrolments), ``persons`` (distinct participants),
        ``person_days`` (days marked present), ``type_<agency type>`` (enrolments
        whose participant's agency has that type; ``type_none`` without an agency)
        and ``disability_<yes|no|not_asked>`` (distinct participants), and
        ``wg_<yes|no|not_asked>`` (distinct participants by their WG-SS answers,
        ``participants.functioning.wg_disability_case``).
        """
        aggregates = {
            "trainings": Count("training", distinct=True),
            "max_days": Max(DayCount("training__start_date", "training__end_date")),
            "villages": Count("participant__village_region", distinct=True),
            **by_sex(counting(), prefix="participations_"),
            **by_sex(counting("participant", distinct=True), prefix="persons_"),
            **by_sex(
                lambda c: Coalesce(Sum("days_attended", filter=c), 0),
                prefix="person_days_",
            ),
            **by_sex(
                counting(),
                prefix="type_none_",
                where=Q(participant__agency__isnull=True),
            ),
        }
        for agency_type in Agency.Type.values:
            aggregates.update(
                by_sex(
                    counting(),
                    prefix=f"type_{agency_type}_",
                    where=Q(participant__agency__type=agency_type),
                )
            )
        for disability in Participant.Disability.values:
            aggregates.update(
                by_sex(
                    counting("participant", distinct=True),
                    prefix=f"disability_{disability}_",
                    where=Q(participant__disability=disability),
                )
            )
        for status in WG_STATUS_LABELS:
            aggregates.update(
                by_sex(
                    counting("participant", distinct=True),
                    prefix=f"wg_{status}_",
                    where=Q(wg_status=status),
                )
            )
        summary = (
            self.with_days_attended()
            .annotate(wg_status=wg_disability_case("participant__"))
            .aggregate(**aggregates)
        )
        summary["max_days"] = summary["max_days"] or 0
        return summary

    def span_summary(self) -> dict:
        """``{"trainings", "max_days"}``: how many trainings these enrolments are in
        and the days of the longest (0 when none); a light ``report_summary``."""
        summary = self.aggregate(
            trainings=Count("training", distinct=True),
            max_days=Max(DayCount("training__start_date", "training__end_date")),
        )
        summary["max_days"] = summary["max_days"] or 0
        return summary

    def agency_summary(self):
        """One row per agency, by type in the order of the agency-type table
        (``Agency.Type``, then no agency), then by name: ``agency_id``,
        ``agency_name``, ``agency_type``, and ``participations_<sex>`` enrolments
        for each sex suffix (``_male`` ... ``_total``); participants without an
        agency form one row with ``agency_id`` None."""
        return (
            self.values(
                agency_id=F("participant__agency"),
                agency_name=F("participant__agency__name"),
                agency_type=F("participant__agency__type"),
            )
            .annotate(**by_sex(counting(), prefix="participations_"))
            .order_by(
                agency_type_rank("participant__agency__type"),
                F("agency_name").asc(nulls_last=True),
                "agency_id",
            )
        )

    def in_trainings_page(self, start: int, stop: int):
        """These enrolments, kept to the trainings at positions ``start`` to
        ``stop`` (zero-based, stop excluded) in report order, latest first."""
        trainings = (
            _model("Training")
            .objects.filter(pk__in=self.values("training"))
            .order_by("-start_date", "title", "pk")
            .values("pk")[start:stop]
        )
        return self.filter(training__in=trainings)

    def training_summary(self):
        """One row per training, latest first, counting these enrolments:
        ``training_id``, ``title``, ``region``, ``start_date``, ``end_date``,
        ``days`` (length of the training), ``participations_<sex>``, ``person_days``
        (days marked present) and ``attended_every_day`` (enrolments present on
        every day of their training). People present per day come from
        ``AttendanceQuerySet.training_day_summary()``."""
        length = DayCount("training__start_date", "training__end_date")
        return (
            self.with_days_attended()
            .values(
                "training_id",
                title=F("training__title"),
                region=F("training__region__name"),
                start_date=F("training__start_date"),
                end_date=F("training__end_date"),
            )
            .annotate(
                days=length,
                **by_sex(counting(), prefix="participations_"),
                person_days=Coalesce(Sum("days_attended"), 0),
                attended_every_day=Count("id", filter=Q(days_attended=length)),
            )
            .order_by("-start_date", "title", "training_id")
        )

    def participant_summary(self):
        """One row per person, by name: ``participant_id``, the participant's
        ``full_name``, ``sex``, ``birth_date``, ``disability``, ``position``,
        ``phone``, ``nik``, ``village``, ``village_region_id``, ``agency_name``,
        ``agency_type``, the six WG-SS answers (``WG_FIELDS``) and ``wg_status``
        (``wg_disability_case``), and ``participations`` (enrolments) and
        ``days_attended_total`` over these enrolments."""
        return (
            self.with_days_attended()
            .values(
                "participant_id",
                full_name=F("participant__full_name"),
                sex=F("participant__sex"),
                birth_date=F("participant__birth_date"),
                disability=F("participant__disability"),
                position=F("participant__position"),
                phone=F("participant__phone"),
                nik=F("participant__nik"),
                village=F("participant__village"),
                village_region_id=F("participant__village_region_id"),
                agency_name=F("participant__agency__name"),
                agency_type=F("participant__agency__type"),
                **{name: F(f"participant__{name}") for name in WG_FIELDS},
                wg_status=wg_disability_case("participant__"),
            )
            .annotate(
                participations=Count("id"), days_attended_total=Sum("days_attended")
            )
            .order_by("full_name", "participant_id")
        )


class AttendanceQuerySet(models.QuerySet):
    def present(self):
        """Attendance marked present."""
        return self.filter(present=True)

    def training_day_summary(self):
        """One row per training and day with someone present: ``training_id``,
        ``date`` and ``present_<sex>`` for each sex suffix (``_male``, ``_female``,
        ``_not_recorded``, ``_total``), counting people present."""
        return (
            self.present()
            .values("date", training_id=F("enrolment__training"))
            .annotate(
                **by_sex(
                    counting(), field="enrolment__participant__sex", prefix="present_"
                )
            )
            .order_by("training_id", "date")
        )
