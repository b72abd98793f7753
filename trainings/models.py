"""Trainings, who took part in them (enrolments) and on which days (attendance)."""

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from participants.models import Participant
from setara.fields import MultiLineTextField, SingleLineCharField
from setara.reference_names import TOPIC_NAMES_EN, localised_name
from setara.submission import submission_token_constraint, submission_token_field

from .dates import days_between, format_date_range
from .knowledge_gain import DEFAULT_SCORE_MAXIMUM
from .querysets import AttendanceQuerySet, EnrolmentQuerySet, TrainingQuerySet


class Topic(models.Model):
    """A training topic such as OCSEA, KBG, KBGO or child marriage; admins add more."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = SingleLineCharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language: ``name``, or the English name of a
        seeded topic under the English interface (``setara.reference_names``)."""
        return localised_name(self.name, self.code, TOPIC_NAMES_EN)

    @property
    def short_label(self) -> str:
        """The name without its explanation in brackets: "OCSEA", "Perkawinan anak"."""
        return self.display_name.split(" (")[0]


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
    # Pre-test and post-test (trainings.scores): scores run from 0 to the maximum.
    test_max_score = models.DecimalField(
        _("maximum test score"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "The highest score of the pre-test and post-test; empty means 100."
        ),
    )
    test_pass_mark = models.DecimalField(
        _("pass mark"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The post-test score a participant needs to pass; optional."),
    )
    # The certificate rule (certificates.eligibility): days present, and the pass mark.
    certificate_min_days = models.PositiveSmallIntegerField(
        _("certificate: days present"),
        null=True,
        blank=True,
        help_text=_(
            "The days a participant must be present to receive a certificate; "
            "empty means every day."
        ),
    )
    certificate_requires_pass = models.BooleanField(
        _("certificate: post-test at least the pass mark"), default=False
    )
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
            models.CheckConstraint(
                condition=Q(test_max_score__isnull=True) | Q(test_max_score__gt=0),
                name="training_test_max_score_positive",
            ),
            models.CheckConstraint(
                condition=Q(test_pass_mark__isnull=True) | Q(test_pass_mark__gte=0),
                name="training_test_pass_mark_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(test_max_score__isnull=True)
                | Q(test_pass_mark__isnull=True)
                | Q(test_pass_mark__lte=F("test_max_score")),
                name="training_pass_mark_within_maximum",
                violation_error_message=_(
                    "The pass mark cannot be above the maximum score."
                ),
            ),
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
    def score_maximum(self) -> Decimal:
        """The highest pre/post-test score: ``test_max_score``, or 100 when unset."""
        if self.test_max_score is None:
            return DEFAULT_SCORE_MAXIMUM
        return self.test_max_score

    @property
    def place_display(self) -> str:
        """Where the training was held, as the sign-in sheet, the activity report
        and the certificate print it: the venue, followed by the region unless
        the venue already names it ("Aula Kantor Bupati, Kabupaten Maros"); the
        region alone without a venue. Reads ``region``."""
        region = str(self.region)
        venue = self.venue.strip()
        if not venue:
            return region
        return venue if region.casefold() in venue.casefold() else f"{venue}, {region}"

    @property
    def partner_names(self) -> list[str]:
        """The partners, one per non-blank line of ``partners``, stripped: what
        the certificate and the activity report name."""
        return [line.strip() for line in self.partners.splitlines() if line.strip()]

    @property
    def date_range_display(self) -> str:
        """The dates as Indonesian reports write them: ``18–20 Oktober 2023``."""
        return format_date_range(self.start_date, self.end_date)


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
    # Pre-test and post-test scores (trainings.scores), 0..training.score_maximum.
    pre_score = models.DecimalField(
        _("pre-test score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    post_score = models.DecimalField(
        _("post-test score"), max_digits=6, decimal_places=2, null=True, blank=True
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
            models.CheckConstraint(
                condition=(Q(pre_score__isnull=True) | Q(pre_score__gte=0))
                & (Q(post_score__isnull=True) | Q(post_score__gte=0)),
                name="enrolment_scores_not_negative",
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
