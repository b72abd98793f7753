"""The change history shown on record pages, and restoring deleted records.

History rows are django-simple-history's: one row per create (``+``), change
(``~``) or delete (``-``) of a training, enrolment, attendance mark, participant or
referral institution, with the user who made it. ``history_entries`` turns them
into "when / who / what changed (old -> new)" lines in a fixed number of queries;
the ``*_restore`` services bring a deleted record back with its original id.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from participants.models import Participant
from participants.normalisation import mask_nik
from referrals.models import ReferralInstitution

from .models import Attendance, Enrolment, Training

#: Permissions to read the history of a training page (training, enrolments,
#: attendance) and of a participant page. Coordinators and admins hold them.
TRAINING_HISTORY_PERMISSIONS = (
    "trainings.view_historicaltraining",
    "trainings.view_historicalenrolment",
    "trainings.view_historicalattendance",
)
PARTICIPANT_HISTORY_PERMISSIONS = ("participants.view_historicalparticipant",)

#: Restoring writes history rows back into live tables: only the Admin role holds
#: change permissions on the history models.
RESTORE_PERMISSIONS = (
    "trainings.change_historicaltraining",
    "participants.change_historicalparticipant",
    "referrals.change_historicalreferralinstitution",
)

#: ``history_change_reason`` of enrolment and attendance rows deleted together
#: with their training, so that restoring the training brings back these and no
#: others (not the people removed from it earlier, one by one).
DELETED_WITH_TRAINING = "deleted with training"

#: Fields never shown in a change: derived or bookkeeping columns.
HIDDEN_FIELDS = {"normalised_name", "created_at", "updated_at", "erased_at"}

#: Most recent entries a page shows.
HISTORY_LIMIT = 100


@dataclass
class FieldChange:
    """One field of a change: its label and old and new values, as text."""

    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    """One line of a history list: when, who, what (``action`` is ``created``,
    ``changed`` or ``deleted``), on which record, and the fields changed."""

    date: datetime.datetime
    user: str
    action: str
    record: str
    changes: list[FieldChange] = field(default_factory=list)
    #: For one bulk write (a grid save, an import): an entry per record.
    items: list["HistoryEntry"] = field(default_factory=list)

    @property
    def action_display(self) -> str:
        return {
            "created": _("created"),
            "changed": _("changed"),
            "deleted": _("deleted"),
        }[self.action]


@dataclass
class HistoryList:
    """The latest ``entries`` (newest first) and how many there are in all."""

    entries: list[HistoryEntry]
    total: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.entries)


_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _tracked_fields(history_model) -> list[models.Field]:
    return [
        f
        for f in history_model.tracked_fields
        if f.editable and f.name not in HIDDEN_FIELDS
    ]


def _display(model_field: models.Field, value, related: dict) -> str:
    """``value`` of ``model_field`` as a person reads it."""
    if value is None or value == "":
        return "—"
    if model_field.name == "nik":
        return mask_nik(value)
    if model_field.is_relation:
        return str(related.get((model_field.related_model, value), f"#{value}"))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


#: Rows of one source by the same user and action this close together are one
#: bulk write (bulk_create_with_history stamps each row with its own time).
BULK_WINDOW = datetime.timedelta(seconds=2)


def history_entries(sources: Iterable[tuple], *, limit=HISTORY_LIMIT) -> HistoryList:
    """The history rows of ``sources`` as one list, newest first, cut to ``limit``.

    Each source is ``(historical queryset, label)`` or ``(queryset, label,
    group)``: ``label(row)`` names the record of a history row ("Training",
    "Enrolment: Andi"); with ``group``, consecutive rows of that source written
    together by one user (an import, a grid save) become one entry named
    ``group(count)`` with an item per row. A change lists each field that differs
    from the previous row of the same record (``diff_against``), with related
    records by name and the NIK masked. Runs one query per source plus one per
    kind of related record named in a change, whatever the number of rows.
    """
    pending = []  # (row, model, label, changes, source number, group)
    wanted = defaultdict(set)  # related model -> ids to name
    for number, (queryset, label, *group) in enumerate(sources):
        history_model = queryset.model
        fields = _tracked_fields(history_model)
        names = [f.name for f in fields]
        rows = queryset.select_related("history_user").order_by(
            "history_date", "history_id"
        )
        previous = {}
        for row in rows:
            before = previous.get(row.id)
            previous[row.id] = row
            changes = []
            if row.history_type == "~" and before is not None:
                changes = row.diff_against(before, included_fields=names).changes
                for change in changes:
                    model_field = history_model.instance_type._meta.get_field(
                        change.field
                    )
                    if model_field.is_relation:
                        wanted[model_field.related_model] |= {change.old, change.new}
            pending.append(
                (row, history_model.instance_type, label, changes, number, group)
            )
    related = {}
    for model, ids in wanted.items():
        for pk, obj in model._default_manager.in_bulk(ids - {None}).items():
            related[(model, pk)] = obj
    pending.sort(key=lambda item: (item[0].history_date, item[0].history_id))

    entries = []  # oldest first
    open_group = None  # (key, start date, entry) of the group being filled
    for row, model, label, changes, number, group in pending:
        meta = model._meta
        entry = HistoryEntry(
            date=row.history_date,
            user=str(row.history_user) if row.history_user else "—",
            action=_ACTIONS[row.history_type],
            record=label(row),
            changes=[
                FieldChange(
                    label=str(meta.get_field(c.field).verbose_name),
                    old=_display(meta.get_field(c.field), c.old, related),
                    new=_display(meta.get_field(c.field), c.new, related),
                )
                for c in changes
            ],
        )
        key = (number, row.history_user_id, entry.action)
        if (
            group
            and open_group
            and open_group[0] == key
            and entry.date - open_group[1] <= BULK_WINDOW
        ):
            bulk = open_group[2]
            if not bulk.items:  # the second row: the first becomes an item
                bulk.items.append(
                    HistoryEntry(
                        bulk.date, bulk.user, bulk.action, bulk.record, bulk.changes
                    )
                )
                bulk.changes = []
            bulk.items.append(entry)
            bulk.record = group[0](len(bulk.items))
            bulk.date = entry.date
            continue
        entries.append(entry)
        open_group = (key, entry.date, entry) if group else None
    total = len(entries)
    shown = entries[-limit:] if limit else entries
    return HistoryList(entries=shown[::-1], total=total)


def training_history(training: Training, *, limit=HISTORY_LIMIT) -> HistoryList:
    """The history of ``training``, its enrolments and their attendance marks,
    including enrolments removed since; a fixed number of queries."""
    enrolment_history = Enrolment.history.filter(training_id=training.pk)
    enrolment_ids = enrolment_history.values("id")
    attendance_history = Attendance.history.filter(enrolment_id__in=enrolment_ids)
    people = dict(
        Participant.objects.filter(
            pk__in=enrolment_history.values("participant_id")
        ).values_list("pk", "full_name")
    )
    person_of_enrolment = dict(
        enrolment_history.order_by().values_list("id", "participant_id").distinct()
    )

    def person(participant_id):
        return people.get(participant_id, f"#{participant_id}")

    def enrolment_label(row):
        return _("Enrolment: %(name)s") % {"name": person(row.participant_id)}

    def attendance_label(row):
        participant_id = person_of_enrolment.get(row.enrolment_id)
        return _("Attendance: %(name)s, %(date)s") % {
            "name": person(participant_id),
            "date": date_format(row.date, "SHORT_DATE_FORMAT"),
        }

    def enrolments(count):
        return ngettext("%(count)s enrolment", "%(count)s enrolments", count) % {
            "count": count
        }

    def marks(count):
        return ngettext(
            "%(count)s attendance mark", "%(count)s attendance marks", count
        ) % {"count": count}

    return history_entries(
        [
            (Training.history.filter(id=training.pk), lambda row: _("Training")),
            (enrolment_history, enrolment_label, enrolments),
            (attendance_history, attendance_label, marks),
        ],
        limit=limit,
    )


def participant_history(participant: Participant, *, limit=HISTORY_LIMIT):
    """The history of ``participant``'s own record; a fixed number of queries."""
    return history_entries(
        [(Participant.history.filter(id=participant.pk), lambda row: _("Participant"))],
        limit=limit,
    )


# Restoring deleted records (admins)
# ------------------------------------------------------------------------------
def deleted_records(model) -> list:
    """The latest deletion history row of each ``model`` record that is still
    deleted, newest first, with ``history_user`` loaded; one query."""
    rows = (
        model.history.filter(history_type="-")
        .exclude(id__in=model.objects.values("pk"))
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
    seen, latest = set(), []
    for row in rows:
        if row.id not in seen:
            seen.add(row.id)
            latest.append(row)
    return latest


def _deleted_row(model, history_id: int):
    """The deletion history row ``history_id`` of a ``model`` record that is still
    deleted; ValidationError otherwise."""
    row = model.history.filter(history_id=history_id, history_type="-").first()
    if row is None or model.objects.filter(pk=row.id).exists():
        raise ValidationError(_("This record is not deleted any more."))
    return row


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
    training.delete()
    training_mark_deleted_with(training_id=training_id, since=since)


def _reinsert(model, rows, user) -> list:
    """Insert the records of deletion history ``rows`` of ``model`` again, with
    their original ids and timestamps (``auto_now`` fields would set new ones), and
    record a "created" history row naming ``user`` for each; a few queries."""
    instances = [row.instance for row in rows]
    if not instances:
        return []
    stamps = [
        f.attname
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    original = [[getattr(i, name) for name in stamps] for i in instances]
    model.objects.bulk_create(instances)
    if stamps:
        for instance, values in zip(instances, original, strict=True):
            for name, value in zip(stamps, values, strict=True):
                setattr(instance, name, value)
        model.objects.bulk_update(instances, stamps)
    model.history.bulk_history_create(instances, default_user=user)
    return instances


@transaction.atomic
def training_restore(*, history_id: int, user) -> Training:
    """Bring back the training deleted in history row ``history_id``, with its
    original id, and the enrolments and attendance deleted with it.

    Raises ValidationError when the training exists again or when a person of its
    enrolments has been deleted since (restore that person first). Topics are not
    kept in the history and are not restored.
    """
    row = _deleted_row(Training, history_id)
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
    [training] = _reinsert(Training, [row], user)
    _reinsert(Enrolment, enrolment_rows, user)
    _reinsert(Attendance, attendance_rows, user)
    return training


@transaction.atomic
def participant_restore(*, history_id: int, user) -> Participant:
    """Bring back the participant deleted in history row ``history_id`` with the
    original id; ValidationError when it exists again or another person has taken
    its NIK meanwhile."""
    row = _deleted_row(Participant, history_id)
    row.instance.full_clean()
    [participant] = _reinsert(Participant, [row], user)
    return participant


@transaction.atomic
def referral_institution_restore(*, history_id: int, user) -> ReferralInstitution:
    """Bring back the referral institution deleted in history row ``history_id``,
    with its original id, services and target groups; ValidationError when it
    exists again or another institution has taken its name in the region."""
    row = _deleted_row(ReferralInstitution, history_id)
    row.instance.full_clean()
    [institution] = _reinsert(ReferralInstitution, [row], user)
    # The deletion row has no services: Django removes the links first. The
    # row before it has them.
    before = (
        ReferralInstitution.history.filter(
            id=row.id, history_date__lte=row.history_date
        )
        .exclude(history_type="-")
        .order_by("-history_date", "-history_id")
        .first()
    )
    if before is not None:
        institution.services.set([s.servicetype_id for s in before.services.all()])
        institution.target_groups.set(
            [t.targetgroup_id for t in before.target_groups.all()]
        )
    return institution


#: Kind in the restore URL -> (model, restore service).
RESTORABLE = {
    "training": (Training, training_restore),
    "participant": (Participant, participant_restore),
    "referral-institution": (ReferralInstitution, referral_institution_restore),
}
