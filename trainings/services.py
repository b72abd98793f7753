"""Writes that span trainings, enrolments, attendance and the participant registry."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from participants.models import Agency, Participant
from participants.services import agency_create, participant_create

from .models import Attendance, Enrolment, Topic, Training


class AttendanceConflict(Exception):
    """Someone else changed this training's attendance or dates while the grid was
    being saved; nothing was written."""


@transaction.atomic
def training_save(
    *, training: Training, topics: Iterable[Topic] | None = None
) -> Training:
    """Create or update a training, keeping its recorded attendance valid.

    Raises ValidationError on the date fields, naming the days, when new dates would
    leave attendance outside the training (the database refuses that too, with a
    trigger; its IntegrityError is turned into the same message).
    """
    training.full_clean()
    if training.pk:
        stranded = _stranded_attendance_days(training)
        if stranded:
            raise _stranded_error(stranded)
    try:
        with transaction.atomic():
            training.save()
    except IntegrityError as error:
        stranded = _stranded_attendance_days(training)
        if stranded:
            raise _stranded_error(stranded) from error
        raise
    if topics is not None:
        training.topics.set(topics)
    return training


def _stranded_attendance_days(training: Training) -> list[datetime.date]:
    return list(
        Attendance.objects.filter(enrolment__training_id=training.pk)
        .exclude(date__range=(training.start_date, training.end_date))
        .values_list("date", flat=True)
        .distinct()
        .order_by("date")
    )


def _stranded_error(days: list[datetime.date]) -> ValidationError:
    message = ngettext(
        "Attendance is recorded on %(days)s, outside the new dates. Keep that day "
        "in the training, or clear its attendance first.",
        "Attendance is recorded on %(days)s, outside the new dates. Keep those "
        "days in the training, or clear their attendance first.",
        len(days),
    ) % {"days": ", ".join(date_format(day, "SHORT_DATE_FORMAT") for day in days)}
    return ValidationError({"start_date": message, "end_date": message})


@transaction.atomic
def enrolment_create(
    *,
    training: Training,
    participant: Participant,
    role: str = Enrolment.Role.PARTICIPANT,
) -> Enrolment:
    """Enrol an existing participant; raises ValidationError if they are already
    enrolled in this training or the role is unknown."""
    enrolment = Enrolment(training=training, participant=participant, role=role)
    enrolment.full_clean()
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError as error:  # enrolled by someone else a moment ago
        raise ValidationError(
            _("This person is already enrolled in this training.")
        ) from error
    return enrolment


@transaction.atomic
def participant_create_and_enrol(
    *,
    training: Training,
    participant_fields: dict,
    agency: Agency | None = None,
    new_agency_name: str = "",
    new_agency_type: str = Agency.Type.OTHER,
    role: str = Enrolment.Role.PARTICIPANT,
) -> Enrolment:
    """Add a new person to the registry and enrol them, all or nothing.

    ``participant_fields`` are Participant field values (``full_name``, ``sex``...).
    With ``new_agency_name`` an agency of that name is created first, in the
    training's region. Raises ValidationError for any invalid value; then nothing is
    written.
    """
    if new_agency_name:
        agency = agency_create(
            name=new_agency_name, type=new_agency_type, region=training.region
        )
    participant = participant_create(agency=agency, **participant_fields)
    return enrolment_create(training=training, participant=participant, role=role)


@dataclass
class AttendanceResult:
    """What ``attendance_record`` changed: rows ``created`` and rows ``updated``."""

    created: int = 0
    updated: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated


@transaction.atomic
def attendance_record(
    *,
    training: Training,
    enrolments: Iterable[Enrolment],
    present: set[tuple[int, datetime.date]],
    user=None,
) -> AttendanceResult:
    """Save an attendance grid: for each of ``enrolments`` and each training day,
    present when ``(enrolment_id, day)`` is in ``present``, absent otherwise.

    A day on which nobody is ticked and nothing was recorded before stays "not
    recorded" (no rows), so saving day 1 does not mark everyone absent on day 2.
    Only differences are written, so saving the same grid twice changes nothing.
    Raises AttendanceConflict when a concurrent save or a date change makes the
    database refuse the rows; then nothing is written. Each written row gets a
    history row naming ``user`` (by default the user of the current request).
    """
    enrolment_ids = [e.pk for e in enrolments]
    days = training.days
    existing = {
        (a.enrolment_id, a.date): a
        for a in Attendance.objects.filter(enrolment_id__in=enrolment_ids)
    }
    recorded_days = {day for (_id, day) in existing} | {day for (_id, day) in present}
    to_create, to_update = [], []
    for day in days:
        if day not in recorded_days:
            continue
        for enrolment_id in enrolment_ids:
            is_present = (enrolment_id, day) in present
            row = existing.get((enrolment_id, day))
            if row is None:
                to_create.append(
                    Attendance(enrolment_id=enrolment_id, date=day, present=is_present)
                )
            elif row.present != is_present:
                row.present = is_present
                to_update.append(row)
    try:
        with transaction.atomic():
            bulk_create_with_history(to_create, Attendance, default_user=user)
            bulk_update_with_history(
                to_update, Attendance, ["present"], default_user=user
            )
    except IntegrityError as error:
        raise AttendanceConflict from error
    return AttendanceResult(created=len(to_create), updated=len(to_update))
