"""Change history shown on record pages, and the mechanics of restoring a deleted
record, for every app.

History rows are django-simple-history's: one row per create (``+``), change
(``~``) or delete (``-``) of a training, enrolment, attendance mark, participant or
referral institution, with the user who made it. ``history_entries`` turns rows of
any of them into "when / who / what changed (old -> new)" lines in a fixed number
of queries; each app says which rows belong on its pages (``trainings.history``,
the participant and institution pages). ``display_value`` is how a value reads
there and on the admin's history pages (``setara.admin_site``): "—" when empty,
labels, names, masked NIKs. ``deleted_records``, ``deleted_row`` and
``reinsert`` are what each app's ``<entity>_restore`` service is built from.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import DeletedObject

from participants.normalisation import mask_nik

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


#: What a history shows for an empty value (None, "", no related records).
EMPTY = "—"


def display_value(model_field: models.Field, value, related: dict | None = None) -> str:
    """``value`` of ``model_field`` as a person reads it, on the app's history
    and the admin's: ``EMPTY`` for None, "", an empty list and a related record
    that was never set; a choice's label; yes or no; a local date and time; a
    NIK masked; a related record by name, from ``related`` (``{(model, pk):
    record}``) when ``value`` is its key, or "#12 (deleted)" when it is gone
    (a key not in ``related``, or simple_history's ``DeletedObject``)."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, DeletedObject):
        return _deleted(value.pk)
    if model_field.name == "nik":
        return mask_nik(value)
    if isinstance(value, models.Model):
        return str(value)
    if model_field.is_relation:
        found = (related or {}).get((model_field.related_model, value))
        return _deleted(value) if found is None else str(found)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _deleted(pk) -> str:
    """A related record that is gone, by its number; ``EMPTY`` without one."""
    if pk is None:
        return EMPTY
    return str(_("#%(number)s (deleted)") % {"number": pk})


#: Rows of one source by the same user and action this close together are one
#: bulk write (bulk_create_with_history stamps each row with its own time).
BULK_WINDOW = datetime.timedelta(seconds=2)


def _read_sources(sources: Iterable[tuple]):
    """Every history row of ``sources`` with the fields it changed, oldest first,
    as ``(row, model, label, changes, source number, group)``, and the related
    records those changes name, as ``{(model, pk): record}``."""
    pending = []
    wanted = defaultdict(set)  # related model -> ids to name
    for number, (queryset, label, *group) in enumerate(sources):
        history_model = queryset.model
        model = history_model.instance_type
        names = [f.name for f in _tracked_fields(history_model)]
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
                    model_field = model._meta.get_field(change.field)
                    if model_field.is_relation:
                        wanted[model_field.related_model] |= {change.old, change.new}
            pending.append((row, model, label, changes, number, group))
    related = {}
    for model, ids in wanted.items():
        for pk, obj in model._default_manager.in_bulk(ids - {None}).items():
            related[(model, pk)] = obj
    pending.sort(key=lambda item: (item[0].history_date, item[0].history_id))
    return pending, related


def _entry(row, model, label, changes, related: dict) -> HistoryEntry:
    """One history row as a line: when, who, what, and each changed field."""
    meta = model._meta
    return HistoryEntry(
        date=row.history_date,
        user=str(row.history_user) if row.history_user else EMPTY,
        action=_ACTIONS[row.history_type],
        record=label(row),
        changes=[
            FieldChange(
                label=str(meta.get_field(c.field).verbose_name),
                old=display_value(meta.get_field(c.field), c.old, related),
                new=display_value(meta.get_field(c.field), c.new, related),
            )
            for c in changes
        ],
    )


def _add_to_bulk(bulk: HistoryEntry, entry: HistoryEntry, name) -> None:
    """Fold ``entry`` into the bulk write ``bulk``, which ``name(count)`` names."""
    if not bulk.items:  # the second row: the first becomes an item
        bulk.items.append(
            HistoryEntry(bulk.date, bulk.user, bulk.action, bulk.record, bulk.changes)
        )
        bulk.changes = []
    bulk.items.append(entry)
    bulk.record = name(len(bulk.items))
    bulk.date = entry.date


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
    pending, related = _read_sources(sources)
    entries = []  # oldest first
    open_group = None  # (key, start date, entry) of the group being filled
    for row, model, label, changes, number, group in pending:
        entry = _entry(row, model, label, changes, related)
        key = (number, row.history_user_id, entry.action)
        if (
            group
            and open_group
            and open_group[0] == key
            and entry.date - open_group[1] <= BULK_WINDOW
        ):
            _add_to_bulk(open_group[2], entry, group[0])
            continue
        entries.append(entry)
        open_group = (key, entry.date, entry) if group else None
    total = len(entries)
    shown = entries[-limit:] if limit else entries
    return HistoryList(entries=shown[::-1], total=total)


def record_history(record, label: str, *, limit=HISTORY_LIMIT) -> HistoryList:
    """The history of one record's own row (a participant, a referral
    institution), each line naming it ``label``; a fixed number of queries."""
    rows = type(record).history.filter(id=record.pk)
    return history_entries([(rows, lambda row: label)], limit=limit)


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


def deleted_row(model, history_id: int):
    """The deletion history row ``history_id`` of a ``model`` record that is still
    deleted; ValidationError otherwise."""
    row = model.history.filter(history_id=history_id, history_type="-").first()
    if row is None or model.objects.filter(pk=row.id).exists():
        raise ValidationError(_("This record is not deleted any more."))
    return row


def reinsert(model, rows, user) -> list:
    """Insert the records of deletion history ``rows`` of ``model`` again, with
    their original ids and timestamps (``auto_now`` fields would set new ones), and
    record a "created" history row naming ``user`` for each; a few queries.
    Returns the inserted instances."""
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
