"""Trainings, who took part in them (enrolments) and on which days (attendance)."""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Func, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from participants.disaggregation import by_sex, counting
from participants.functioning import WG_FIELDS, WG_STATUS_LABELS, wg_disability_case
from participants.models import Agency, Participant
from regions.models import within_q
from setara.fields import MultiLineTextField, SingleLineCharField
from setara.submission import submission_token_constraint, submission_token_field

from .dates import DayCount, days_between, format_date_range
from .reports import RegionSummaryMixin


class Topic(models.Model):
    """A training topic such as OCSEA, KBG, KBGO or child marriage; admins add more."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = SingleLineCharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.name

    @property
    def short_label(self) -> str:
        """The name without its explanation in brackets: "OCSEA", "Perkawinan anak"."""
        return self.name.split(" (")[0]


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
        participant role (facilitators and committee left out)."""
        return self.annotate(
            participant_count=Count(
                "enrolments", filter=Q(enrolments__role=Enrolment.Role.PARTICIPANT)
            )
        )

    def for_list(self):
        """Trainings with what the list page shows, in a fixed number of queries.

        Each row carries ``participant_count`` (``with_participant_count()``) and its
        region and topics, so the list runs three queries whatever its length.
        """
        return (
            self.select_related("region")
            .prefetch_related("topics")
            .with_participant_count()
            .order_by("-start_date", "title", "id")
        )

    def with_record_counts(self):
        """Trainings with ``enrolment_count`` and ``attendance_count``: what goes
        with a training when it is deleted."""
        return self.annotate(
            enrolment_count=Count("enrolments", distinct=True),
            attendance_count=Count("enrolments__attendances", distinct=True),
        )


class Training(models.Model):
    """A multi-day training event of the programme."""

    title = SingleLineCharField(_("title"), max_length=300)
    programme = SingleLineCharField(_("programme"), max_length=60, default="SETARA")
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), related_name="trainings", blank=True
    )
    organiser = SingleLineCharField(
        _("organiser"), max_length=200, blank=True, default="Yayasan BaKTI"
    )
    partners = MultiLineTextField(
        _("partners"),
        blank=True,
        help_text=_("Supporting and co-organising institutions, one per line."),
    )
    venue = SingleLineCharField(_("venue"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    objectives = MultiLineTextField(_("objectives"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The create form's one-time token: a second POST finds this training.
    submission_token = submission_token_field()

    objects = TrainingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "title"]
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="training_end_not_before_start",
                violation_error_message=_(
                    "The end date cannot be before the start date."
                ),
            ),
            submission_token_constraint("training_unique_submission_token"),
        ]
        indexes = [models.Index(fields=["start_date"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("trainings:detail", args=[self.pk])

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": _("The end date cannot be before the start date.")}
            )

    @property
    def days(self) -> list[datetime.date]:
        """The calendar days of the training, first to last."""
        return days_between(self.start_date, self.end_date)

    @property
    def date_range_display(self) -> str:
        """The dates as Indonesian reports write them: ``18–20 Oktober 2023``."""
        return format_date_range(self.start_date, self.end_date)


class EnrolmentQuerySet(RegionSummaryMixin, models.QuerySet):
    def participants(self):
        """Enrolments in the participant role (not facilitators or committee)."""
        return self.filter(role=Enrolment.Role.PARTICIPANT)

    def for_roster(self):
        """Enrolments with participant, agency and attendance loaded, by name."""
        return (
            self.select_related("participant__agency")
            .prefetch_related(
                models.Prefetch(
                    "attendances", queryset=Attendance.objects.order_by("date")
                )
            )
            .order_by("participant__full_name", "id")
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
        ``not_recorded``, ``total``; participants without an agency come as type
        ``None``."""
        return (
            self.values(agency_type=F("participant__agency__type"))
            .annotate(**by_sex(counting()))
            .order_by("agency_type")
        )

    # Every count below is made by the database; each method is one query
    # whatever the number of rows.

    def with_days_attended(self):
        """Enrolments annotated with ``days_attended``, the days marked present,
        counted by a subquery so it can be summed or compared after grouping."""
        # COUNT as a plain function, not an aggregate, so the subquery has no
        # GROUP BY and always returns one row (0 when nothing is recorded).
        present = (
            Attendance.objects.present()
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
        """One row per agency, by type then name: ``agency_id``, ``agency_name``,
        ``agency_type``, and ``participations_<sex>`` enrolments for each sex suffix
        (``_male`` ... ``_total``); participants without an agency form one row with
        ``agency_id`` None."""
        return (
            self.values(
                agency_id=F("participant__agency"),
                agency_name=F("participant__agency__name"),
                agency_type=F("participant__agency__type"),
            )
            .annotate(**by_sex(counting(), prefix="participations_"))
            .order_by(
                F("agency_type").asc(nulls_last=True),
                F("agency_name").asc(nulls_last=True),
            )
        )

    def in_trainings_page(self, start: int, stop: int):
        """These enrolments, kept to the trainings at positions ``start`` to
        ``stop`` (zero-based, stop excluded) in report order, latest first."""
        trainings = (
            Training.objects.filter(pk__in=self.values("training"))
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


class Enrolment(models.Model):
    """A participant taking part in one training, in a given role."""

    class Role(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        FACILITATOR = "facilitator", _("Facilitator")
        COMMITTEE = "committee", _("Committee")

    training = models.ForeignKey(
        Training,
        verbose_name=_("training"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    participant = models.ForeignKey(
        Participant,
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.PARTICIPANT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = EnrolmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["training", "participant__full_name", "id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["training", "participant"],
                name="enrolment_one_per_person_per_training",
                violation_error_message=_(
                    "This person is already enrolled in this training."
                ),
            ),
            models.CheckConstraint(
                condition=Q(role__in=["participant", "facilitator", "committee"]),
                name="enrolment_role_choice",
            ),
        ]

    def __str__(self):
        return f"{self.participant} – {self.training}"

    def attendance_marks(self, days: list[datetime.date]) -> list[bool | None]:
        """Present (True), absent (False) or not recorded (None) for each of ``days``.

        Uses the prefetched ``attendances`` when there are any (see ``for_roster``).
        """
        by_date = {a.date: a.present for a in self.attendances.all()}
        return [by_date.get(day) for day in days]


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


class Attendance(models.Model):
    """Whether an enrolled person was present on one day of the training.

    The database refuses a date outside the training's days (a trigger, see
    migration 0002), as well as a second row for the same enrolment and day.
    """

    enrolment = models.ForeignKey(
        Enrolment,
        verbose_name=_("enrolment"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    date = models.DateField(_("date"))
    present = models.BooleanField(_("present"), default=True)

    objects = AttendanceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["enrolment", "date"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "date"],
                name="attendance_one_per_enrolment_per_day",
                violation_error_message=_(
                    "Attendance for this person on this day is already recorded."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.enrolment.participant} {self.date:%d/%m/%Y}"

    def clean(self):
        if self.date and self.enrolment_id:
            training = self.enrolment.training
            if not training.start_date <= self.date <= training.end_date:
                raise ValidationError(
                    {
                        "date": _(
                            "Attendance can only be recorded on the training's days "
                            "(%(range)s)."
                        )
                        % {"range": training.date_range_display}
                    }
                )


def import_upload_path(upload: "ImportUpload", filename: str) -> str:
    """Where an upload's file lies in storage:
    ``imports/<year>/<month>/<random>/<name>``. The random part (not the session's
    token, which stays a secret of the session) makes the path unguessable and
    unique."""
    return f"imports/{timezone.now():%Y/%m}/{secrets.token_urlsafe(12)}/{filename}"


class ImportUpload(models.Model):
    """A sign-in sheet uploaded for import, waiting between preview and confirm.

    The row is in the database and the file in Django's default storage (one
    ``MEDIA_ROOT`` shared by the app servers of one machine, or an S3-compatible
    bucket), so the confirm works on any app server. Only the uploading user, in
    the session that holds ``token``, can use it (see
    ``trainings.imports.pending.UploadStore``). ``parsed`` caches the file's
    clean rows as JSON text for the days and options in ``parsed_key`` (text, not
    a JSON column: PostgreSQL's jsonb refuses the NUL a cell may hold).
    ``consumed_at`` is set, in the import's own transaction, when the import is
    written, so a second confirm writes nothing; the file and rows are dropped then.
    Rows older than ``IMPORT_UPLOAD_EXPIRY`` are deleted with their file on the
    next upload and by ``manage.py jobs_clean_up``
    (``trainings.imports.pending.uploads_clean_up``).
    """

    token = models.CharField(max_length=64, unique=True, editable=False)
    training = models.ForeignKey(
        Training,
        verbose_name=_("training"),
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
    )
    # CASCADE: an upload is of no use without its user, and must not block
    # deleting the user for a day.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
    )
    filename = models.CharField(_("file name"), max_length=200)
    # Empty once imported (the file is deleted then).
    file = models.FileField(
        _("file"), upload_to=import_upload_path, max_length=300, blank=True
    )
    options = models.JSONField(default=dict)
    parsed_key = models.CharField(max_length=200, blank=True)
    parsed = models.TextField(blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True, db_index=True)
    consumed_at = models.DateTimeField(_("imported"), null=True, blank=True)

    class Meta:
        verbose_name = _("uploaded sign-in sheet")
        verbose_name_plural = _("uploaded sign-in sheets")

    def __str__(self):
        return self.filename
