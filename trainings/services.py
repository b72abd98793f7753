"""Writes that span trainings, enrolments, attendance and the participant registry."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from participants.models import Agency, AgencyAlias, Participant
from participants.normalisation import normalise_name
from participants.services import agency_create, participant_create
from setara.files import files_delete_on_commit
from setara.history import deleted_row, reinsert

from .imports.pending import uploads_delete
from .imports.plan import ImportPlan
from .models import Attendance, Enrolment, ImportUpload, Topic, Training
from .scores import import_row_scores, scores_import_update

#: Why a pending upload can no longer be imported (the confirm page and the job).
UPLOAD_EXPIRED = _("This upload has expired. Upload the file again.")


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
    """What ``attendance_record`` changed: rows ``created`` and rows ``updated``,
    and ``kept_theirs``: the ``(enrolment_id, date)`` cells this user changed but
    someone else had changed differently since the grid was loaded (theirs kept)."""

    created: int = 0
    updated: int = 0
    kept_theirs: list[tuple[int, datetime.date]] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated


#: A cell of the attendance grid as loaded: present, absent or not recorded.
Mark = bool | None


@transaction.atomic
def attendance_record(
    *,
    training: Training,
    enrolments: Iterable[Enrolment],
    present: set[tuple[int, datetime.date]],
    loaded: dict[tuple[int, datetime.date], Mark] | None = None,
    user=None,
) -> AttendanceResult:
    """Save an attendance grid: for each of ``enrolments`` and each training day,
    present when ``(enrolment_id, day)`` is in ``present``, absent otherwise.

    ``loaded`` is the grid as the user's page showed it (cell -> present, absent or
    None for not recorded). With it, only the cells the user changed are written;
    a cell someone else changed since then (the database differs from ``loaded``)
    that this save would have overwritten keeps their mark and is listed in
    ``kept_theirs``: two people saving the same grid from stale pages never
    silently overwrite each other. When both changed the same cell, a tick wins
    over an absence. Without ``loaded`` (a form that does not send it), the
    database is taken as what the user saw.

    A day on which nobody is ticked and nothing was recorded before stays "not
    recorded" (no rows), so saving day 1 does not mark everyone absent on day 2.
    Only differences are written, so saving the same grid twice changes nothing.
    Saves of one training's grid are serialised by a lock on the training row.
    Raises AttendanceConflict when a concurrent save or a date change makes the
    database refuse the rows; then nothing is written. Each written row gets a
    history row naming ``user`` (by default the user of the current request).
    """
    enrolment_ids = [e.pk for e in enrolments]
    # Saves of one training's grid take turns (a row lock on the training), so the
    # comparison with ``loaded`` below reads what the previous save wrote.
    list(Training.objects.select_for_update().filter(pk=training.pk).values("pk"))
    existing = {
        (a.enrolment_id, a.date): a
        for a in Attendance.objects.filter(enrolment_id__in=enrolment_ids)
    }
    recorded_days = {day for (_id, day) in existing} | {day for (_id, day) in present}
    result = AttendanceResult()
    to_create, to_update = [], []
    for day in training.days:
        if day not in recorded_days:
            continue
        for enrolment_id in enrolment_ids:
            cell = (enrolment_id, day)
            row = existing.get(cell)
            now = row.present if row else None
            before = now if loaded is None else loaded.get(cell, now)
            wanted = cell in present
            if wanted == bool(before):
                # Not changed by this user: a newer mark by someone else is kept
                # (and listed), and a gap on a recorded day becomes an absence.
                if now != before and bool(now) != wanted:
                    result.kept_theirs.append(cell)
                elif row is None and not wanted:
                    to_create.append(
                        Attendance(enrolment_id=enrolment_id, date=day, present=False)
                    )
                continue
            if now == wanted:
                continue  # someone else made the same change meanwhile
            if row is None:
                to_create.append(
                    Attendance(enrolment_id=enrolment_id, date=day, present=wanted)
                )
            else:
                # Changed by this user; if it was "not recorded" on their page and
                # is "absent" now (usually implied by a save of the same day), their
                # tick wins: a tick is someone seen in the room.
                row.present = wanted
                to_update.append(row)
    try:
        with transaction.atomic():
            bulk_create_with_history(to_create, Attendance, default_user=user)
            bulk_update_with_history(
                to_update, Attendance, ["present"], default_user=user
            )
    except IntegrityError as error:
        raise AttendanceConflict from error
    result.created, result.updated = len(to_create), len(to_update)
    return result


#: ``history_change_reason`` of enrolment and attendance rows deleted together
#: with their training, so that restoring the training brings back these and no
#: others (not the people removed from it earlier, one by one).
DELETED_WITH_TRAINING = "deleted with training"


def training_mark_deleted_with(*, training_id: int, since: datetime.datetime) -> None:
    """Mark the enrolment and attendance deletions recorded since ``since`` for
    ``training_id`` as deleted with the training (``DELETED_WITH_TRAINING``)."""
    enrolments = Enrolment.history.filter(
        training_id=training_id, history_type="-", history_date__gte=since
    )
    Attendance.history.filter(
        enrolment_id__in=enrolments.values("id"),
        history_type="-",
        history_date__gte=since,
    ).update(history_change_reason=DELETED_WITH_TRAINING)
    enrolments.update(history_change_reason=DELETED_WITH_TRAINING)


@transaction.atomic
def training_delete(*, training: Training, user=None) -> None:
    """Delete ``training`` with its enrolments and attendance, marking their
    history rows so that ``training_restore`` can bring them all back."""
    since = timezone.now()
    training_id = training.pk
    if user is not None:
        training._history_user = user
    # Its pending uploads hold people's data: their files go too, not a month later.
    uploads_delete(ImportUpload.objects.filter(training=training))
    training.delete()
    training_mark_deleted_with(training_id=training_id, since=since)


def _latest_deleted(queryset) -> list:
    """The records of ``queryset`` (deletion rows marked ``DELETED_WITH_TRAINING``)
    whose latest history row is still that deletion, as those rows."""
    latest = queryset.model.instance_type.history.filter(
        id__in=queryset.values("id")
    ).latest_of_each()
    return [
        row
        for row in latest
        if row.history_type == "-"
        and row.history_change_reason == DELETED_WITH_TRAINING
    ]


@transaction.atomic
def training_restore(*, history_id: int, user) -> Training:
    """Bring back the training deleted in history row ``history_id``, with its
    original id, and the enrolments and attendance deleted with it.

    Raises ValidationError when the training exists again or when a person of its
    enrolments has been deleted since (restore that person first). Topics are not
    kept in the history and are not restored.
    """
    row = deleted_row(Training, history_id)
    enrolment_rows = _latest_deleted(
        Enrolment.history.filter(
            training_id=row.id, history_change_reason=DELETED_WITH_TRAINING
        )
    )
    people = [r.participant_id for r in enrolment_rows]
    existing = set(
        Participant.objects.filter(pk__in=people).values_list("pk", flat=True)
    )
    missing = sorted(set(people) - existing)
    if missing:
        names = (
            Participant.history.filter(id__in=missing)
            .order_by("id", "-history_date")
            .values_list("full_name", flat=True)
        )
        raise ValidationError(
            _("Restore these participants first, then the training: %(names)s.")
            % {"names": ", ".join(dict.fromkeys(names))}
        )
    attendance_rows = _latest_deleted(
        Attendance.history.filter(
            enrolment_id__in=[r.id for r in enrolment_rows],
            history_change_reason=DELETED_WITH_TRAINING,
        )
    )
    row.instance.full_clean()  # its region may have gone meanwhile
    [training] = reinsert(Training, [row], user)
    reinsert(Enrolment, enrolment_rows, user)
    reinsert(Attendance, attendance_rows, user)
    return training


@dataclass
class EnrolmentsImportResult:
    """What ``enrolments_import`` wrote: people created, existing people enrolled,
    rows skipped as already enrolled, agencies created, attendance rows."""

    created: int = 0
    matched: int = 0
    already_enrolled: int = 0
    agencies_created: int = 0
    attendance: int = 0


class UploadAlreadyImported(Exception):
    """The uploaded file was imported already (a second click on Import, another
    tab, Back then Import); nothing was written this time."""


#: Rows of an import written per batch; ``progress`` is reported after each.
IMPORT_BATCH_ROWS = 1000


@transaction.atomic
def enrolments_import(
    *,
    training: Training,
    plan: ImportPlan,
    user=None,
    upload_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EnrolmentsImportResult:
    """Write an import plan (``trainings.imports.plan.plan_import``) in one
    transaction: the new agencies, aliases for agencies the user mapped, the new
    people, their enrolments in ``training`` and their attendance per day.

    People already enrolled are skipped and existing people are not changed; the
    test score cells of the file are written on the enrolments, new or existing
    (``trainings.scores``: an empty cell keeps a saved score). ``user`` (who
    imports) is recorded in the history rows. Raises ValidationError, writing
    nothing, when the plan has any problem or was made for another training.
    Rows are written with ``bulk_create`` (a few queries per thousand rows) after
    ``clean_fields``; the constraints ``full_clean`` would check one query per row
    (unique NIK, unique enrolment) are checked by the plan in bulk and enforced by
    the database (IntegrityError).

    With ``upload_id`` (the ImportUpload the plan was read from) the upload is
    consumed first, in this transaction, so it is imported once: when it was
    consumed already, UploadAlreadyImported is raised and nothing is written. Two
    concurrent confirms both reach the conditional UPDATE; the second waits for the
    first's row lock, then (PostgreSQL re-checks the condition after the wait)
    updates no row. The upload's file is deleted from storage once this commits.

    ``progress(done, total)``, if given, is called after each batch of
    ``IMPORT_BATCH_ROWS`` rows with the rows of ``plan.to_enrol`` written so far
    and in all; the batches are still one transaction (all or nothing).
    """
    if plan.problems:
        raise ValidationError([str(problem) for problem in plan.problems])
    if plan.training.pk != training.pk:
        raise ValidationError(_("This import was prepared for another training."))
    if upload_id is not None:
        _import_upload_consume(upload_id=upload_id)
    new_agencies = _import_agencies(training=training, plan=plan)
    result = EnrolmentsImportResult(
        already_enrolled=len(plan.already_enrolled),
        agencies_created=len(set(new_agencies.values())),
    )
    scores_import_update(training=training, row_plans=plan.already_enrolled, user=user)
    enrol = plan.to_enrol
    for start in range(0, len(enrol), IMPORT_BATCH_ROWS):
        batch = enrol[start : start + IMPORT_BATCH_ROWS]
        _import_batch(
            training, batch, new_agencies=new_agencies, user=user, result=result
        )
        if progress is not None:
            progress(start + len(batch), len(enrol))
    return result


def _import_batch(
    training: Training,
    enrol: list,
    *,
    new_agencies: dict[str, Agency],
    user,
    result: EnrolmentsImportResult,
) -> None:
    """Write one batch of a plan's ``to_enrol`` rows (people, enrolments,
    attendance), adding to ``result``'s counts."""
    people = _import_people(
        row_plans=[p for p in enrol if p.action == "create"],
        new_agencies=new_agencies,
        user=user,
    )
    result.created += len(people)
    created_people = iter(people)
    enrolments = []
    for row_plan in enrol:
        if row_plan.action == "create":
            participant = next(created_people)
        else:
            participant = row_plan.match
            result.matched += 1
        scores = import_row_scores(row_plan.row, maximum=training.score_maximum)
        enrolments.append(
            Enrolment(training=training, participant=participant, **scores)
        )
    bulk_create_with_history(enrolments, Enrolment, default_user=user)
    attendance = [
        Attendance(enrolment=enrolment, date=date, present=present)
        for enrolment, row_plan in zip(enrolments, enrol, strict=True)
        for date, present in sorted(row_plan.row.attendance.items())
    ]
    bulk_create_with_history(attendance, Attendance, default_user=user)
    result.attendance += len(attendance)


def _import_upload_consume(*, upload_id: int) -> None:
    """Mark the upload imported and drop its file (from storage, once the
    transaction commits) and parsed rows; raises UploadAlreadyImported when it was
    imported already, ValidationError when it is gone (expired and deleted
    meanwhile)."""
    name = (
        ImportUpload.objects.filter(pk=upload_id).values_list("file", flat=True).first()
    )
    consumed = ImportUpload.objects.filter(pk=upload_id, consumed_at=None).update(
        consumed_at=timezone.now(), file="", parsed=""
    )
    if consumed == 1:
        files_delete_on_commit([name])
        return
    if ImportUpload.objects.filter(pk=upload_id).exists():
        raise UploadAlreadyImported
    raise ValidationError(str(UPLOAD_EXPIRED))


def _import_agencies(*, training: Training, plan: ImportPlan) -> dict[str, Agency]:
    """Create the plan's new agencies in the training's region, and remember each
    name the user mapped to an agency as its alias; returns unknown agency key ->
    new Agency."""
    new_agencies = {}
    aliases = {}  # unknown agency key -> (agency id, name)
    for unknown in plan.unknown_agencies:
        if unknown.choice is None and not unknown.same_as:
            new_agencies[unknown.key] = agency_create(
                name=unknown.name, type=unknown.type, region=training.region
            )
    for unknown in plan.unknown_agencies:
        if unknown.same_as:
            new_agencies[unknown.key] = new_agencies[unknown.same_as]
            aliases[unknown.key] = (new_agencies[unknown.key].pk, unknown.name)
        elif unknown.choice is not None:
            aliases[unknown.key] = (unknown.choice, unknown.name)
    taken = set(
        AgencyAlias.objects.filter(normalised_name__in=list(aliases)).values_list(
            "normalised_name", flat=True
        )
    )
    for key, (agency_id, name) in aliases.items():
        if key not in taken:
            AgencyAlias(agency_id=agency_id, name=name).save()
    return new_agencies


def _import_people(
    *, row_plans: list, new_agencies: dict[str, Agency], user
) -> list[Participant]:
    """Create the people of these "create" rows of a plan, in row order."""
    people = []
    for row_plan in row_plans:
        row = row_plan.row
        person = Participant(
            full_name=row.full_name,
            normalised_name=normalise_name(row.full_name),
            sex=row.sex,
            agency=row_plan.agency or new_agencies.get(row.agency_key),
            position=row.position,
            phone=row.phone,
            nik=row.nik,
            village=row.village_as_written,
            village_region=row_plan.village,
            email=row.email,
            birth_date=row.birth_date,
            birth_year=row.birth_date.year if row.birth_date else None,
        )
        # The agency and village come from the plan; validating them would cost a
        # query a row.
        person.clean_fields(exclude=["agency", "village_region"])
        people.append(person)
    bulk_create_with_history(people, Participant, default_user=user)
    return people
