"""Merging two records of one person, and undoing it: the write side.

``participant_merge`` keeps one record (the survivor), moves the other's
enrolments and attendance to it, deletes the other and writes a
``participants.ParticipantMerge`` with everything ``participant_merge_undo`` needs
to put the registry back as it was. It lives here, above the apps, because it
rewrites enrolments and attendance by the rules of ``trainings`` (one enrolment
per person and training, a day present if present on either record) and
``participants`` must not import ``trainings``; ``setara.privacy`` sits here for
the same reason. Which records are probably one person is read by
``participants.duplicates``; agencies merge in ``participants.merging``.

Every row written gets a change-history row naming the user and the reason
("merged participant #12 into #7"), and the deleted record stays in its history.
"""

import datetime
import uuid
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant, ParticipantMerge
from trainings.models import Attendance, Enrolment, Training

#: The fields of a person the merge screen offers to choose, in screen order.
#: Choosing the birth date also takes the birth year that goes with it.
MERGE_FIELDS = [
    "full_name",
    "sex",
    "agency",
    "position",
    "village_region",
    "village",
    "phone",
    "nik",
    "email",
    "birth_date",
    "disability",
]

#: The survivor's columns a merge may change, as recorded before and after.
SURVIVOR_COLUMNS = [
    "full_name",
    "sex",
    "agency_id",
    "position",
    "village_region_id",
    "village",
    "phone",
    "nik",
    "email",
    "birth_date",
    "birth_year",
    "disability",
]

GONE = _(
    "One of these records no longer exists: it may have been merged or deleted "
    "a moment ago."
)


def _json(value):
    if isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, uuid.UUID):  # submission_token
        return str(value)
    return value


def _columns(instance, names) -> dict:
    return {name: _json(getattr(instance, name)) for name in names}


def _snapshot(instance) -> dict:
    """Every column of ``instance`` as JSON-ready values."""
    return _columns(instance, [f.attname for f in type(instance)._meta.concrete_fields])


def _from_json(model, data: dict) -> dict:
    """``data`` (a ``_snapshot``) as model values again."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return {
        name: value if fields[name].is_relation else fields[name].to_python(value)
        for name, value in data.items()
    }


def _tag(instance, user, reason):
    """Have django-simple-history name ``user`` and ``reason`` on the row it
    writes when ``instance`` is saved or deleted."""
    instance._history_user = user
    instance._change_reason = reason
    return instance


def default_choices(first: Participant, second: Participant) -> dict[str, str]:
    """For each of ``MERGE_FIELDS``, ``"first"`` or ``"second"``: whose value the
    merge screen proposes. The value of the record with more enrolments (the
    first on a tie), unless it is empty and the other's is not. ``first`` and
    ``second`` carry ``enrolment_count``."""
    main, other = "first", "second"
    if second.enrolment_count > first.enrolment_count:
        main, other = other, main
    people = {"first": first, "second": second}
    choices = {}
    for name in MERGE_FIELDS:
        attname = Participant._meta.get_field(name).attname
        empty = getattr(people[main], attname) in ("", None, "not_asked")
        has_other = getattr(people[other], attname) not in ("", None, "not_asked")
        choices[name] = other if empty and has_other else main
    return choices


def chosen_values(people: dict[str, Participant], choices: dict[str, str]) -> dict:
    """The values ``choices`` (field -> ``"first"``/``"second"``) pick from
    ``people`` (``{"first": ..., "second": ...}``), as ``participant_merge`` takes
    them."""
    values = {}
    for name in MERGE_FIELDS:
        source = people[choices.get(name, "first")]
        values[name] = getattr(source, name)
        if name == "birth_date":
            values["birth_year"] = source.birth_year
    return values


def _lock_people(survivor: Participant, duplicate: Participant):
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("A record cannot be merged with itself."))
    locked = {
        p.pk: p
        for p in Participant.objects.select_for_update()
        .filter(pk__in=[survivor.pk, duplicate.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(GONE)
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    if survivor.erased_at or duplicate.erased_at:
        raise ValidationError(
            _("A record whose personal data was erased cannot be merged.")
        )
    if survivor.nik and duplicate.nik and survivor.nik != duplicate.nik:
        # The identity rule: two different NIKs are two people, never one.
        raise ValidationError(
            _("These records have different NIKs: they are two people.")
        )
    return survivor, duplicate


def _merge_marks(kept: Enrolment, marks: list, own: list, user, reason) -> list:
    """Put the duplicate's attendance ``marks`` onto ``kept`` (whose marks are
    ``own``): a day is present if present on either, absent if absent on every
    record that has it. Returns the changes as ``attendance_changes`` items."""
    by_date = {mark.date: mark for mark in own}
    changes = []
    for mark in marks:
        current = by_date.get(mark.date)
        if current is None:
            added = Attendance(enrolment=kept, date=mark.date, present=mark.present)
            _tag(added, user, reason).save()
            old = None
        elif mark.present and not current.present:
            current.present = True
            _tag(current, user, reason).save(update_fields=["present"])
            added, old = current, False
        else:
            continue
        changes.append(
            {
                "id": added.pk,
                "enrolment_id": kept.pk,
                "date": mark.date.isoformat(),
                "old": old,
                "new": added.present,
            }
        )
    return changes


def _move_enrolments(survivor, duplicate, user, reason) -> dict:
    """Move the duplicate's enrolments to the survivor; in a training both are in,
    merge the attendance into the survivor's enrolment and delete the
    duplicate's. Returns the ``ParticipantMerge`` fields that record it."""
    enrolments = list(
        Enrolment.objects.select_for_update(of=("self",))
        .filter(participant__in=[survivor.pk, duplicate.pk])
        .order_by("pk")
    )
    marks = defaultdict(list)
    for mark in (
        Attendance.objects.select_for_update(of=("self",))
        .filter(enrolment__in=[e.pk for e in enrolments])
        .order_by("date", "pk")
    ):
        marks[mark.enrolment_id].append(mark)
    kept = {e.training_id: e for e in enrolments if e.participant_id == survivor.pk}
    record = {"moved_enrolment_ids": [], "removed_enrolments": []}
    record["attendance_changes"] = []
    for enrolment in (e for e in enrolments if e.participant_id == duplicate.pk):
        same = kept.get(enrolment.training_id)
        if same is None:
            enrolment.participant = survivor
            _tag(enrolment, user, reason).save(update_fields=["participant"])
            record["moved_enrolment_ids"].append(enrolment.pk)
            continue
        own = marks[enrolment.pk]
        record["attendance_changes"] += _merge_marks(
            same, own, marks[same.pk], user, reason
        )
        removed = _columns(enrolment, ["id", "training_id", "role", "created_at"])
        removed["attendances"] = [_columns(m, ["id", "date", "present"]) for m in own]
        record["removed_enrolments"].append(removed)
        for mark in own:
            _tag(mark, user, reason).delete()
        _tag(enrolment, user, reason).delete()
    return record


@transaction.atomic
def participant_merge(
    *, survivor: Participant, duplicate: Participant, values: dict, user
) -> ParticipantMerge:
    """Merge ``duplicate`` into ``survivor`` (two records of one person).

    ``values`` maps fields of ``MERGE_FIELDS`` (and ``birth_year``) to the
    survivor's new values (``chosen_values`` builds it); fields left out keep the
    survivor's. The duplicate's enrolments move to the survivor; in a training
    both were enrolled in, the survivor's enrolment remains, present on a day if
    either record was, absent if a record says absent and none says present. The
    duplicate is then deleted; its history keeps it, and every write has a
    history row naming ``user`` and "merged participant #<duplicate> into
    #<survivor>". Both rows are locked first. Raises ValidationError (and writes
    nothing) when a record no longer exists (merged a moment ago), both are one
    record, one was erased, or the chosen values are invalid.
    """
    survivor, duplicate = _lock_people(survivor, duplicate)
    reason = f"merged participant #{duplicate.pk} into #{survivor.pk}"
    merge = ParticipantMerge(
        survivor=survivor,
        survivor_number=survivor.pk,
        duplicate_id=duplicate.pk,
        duplicate_data=_snapshot(duplicate),
        survivor_before=_columns(survivor, SURVIVOR_COLUMNS),
        user=user,
    )
    for key, value in _move_enrolments(survivor, duplicate, user, reason).items():
        setattr(merge, key, value)
    _tag(duplicate, user, reason).delete()
    for name, value in values.items():
        if name in MERGE_FIELDS or name == "birth_year":
            setattr(survivor, name, value)
    survivor.full_clean()
    _tag(survivor, user, reason).save()
    merge.survivor_after = _columns(survivor, SURVIVOR_COLUMNS)
    merge.save()
    return merge


def _check_undo(merge: ParticipantMerge) -> Participant:
    """The locked survivor of ``merge`` when the merge can be undone;
    ValidationError naming what changed since otherwise."""
    if merge.undone_at is not None:
        raise ValidationError(_("This merge was undone already."))
    survivor = Participant.objects.select_for_update().filter(pk=merge.survivor_id)
    survivor = survivor.first()
    if survivor is None:
        raise ValidationError(
            _(
                "The kept record was deleted or merged into another record since, "
                "so this merge can no longer be undone."
            )
        )
    later = ParticipantMerge.objects.filter(
        survivor=survivor, undone_at__isnull=True, pk__gt=merge.pk
    )
    if later.exists():
        raise ValidationError(
            _("The kept record was merged again later: undo that merge first.")
        )
    if Participant.objects.filter(pk=merge.duplicate_id).exists():
        raise ValidationError(_("The merged record exists again (it was restored)."))
    if _columns(survivor, SURVIVOR_COLUMNS) != merge.survivor_after:
        raise ValidationError(
            _(
                "The kept record was edited after the merge; undoing would lose "
                "that edit. Change it back first, or edit the records by hand."
            )
        )
    return survivor


def _check_enrolments(merge: ParticipantMerge) -> tuple[list, list]:
    """The locked moved enrolments and changed attendance marks of ``merge``;
    ValidationError when one was removed or changed since."""
    moved = list(
        Enrolment.objects.select_for_update()
        .filter(pk__in=merge.moved_enrolment_ids, participant_id=merge.survivor_id)
        .order_by("pk")
    )
    changes = {c["id"]: c for c in merge.attendance_changes}
    marks = list(
        Attendance.objects.select_for_update().filter(pk__in=changes).order_by("pk")
    )
    still = all(
        m.present == changes[m.pk]["new"]
        and m.enrolment_id == changes[m.pk]["enrolment_id"]
        for m in marks
    )
    trainings = {e["training_id"] for e in merge.removed_enrolments}
    if (
        len(moved) != len(merge.moved_enrolment_ids)
        or len(marks) != len(changes)
        or not still
        or Training.objects.filter(pk__in=trainings).count() != len(trainings)
    ):
        raise ValidationError(
            _(
                "Enrolments or attendance touched by this merge were changed or "
                "removed since, so it can no longer be undone."
            )
        )
    return moved, marks


def _restore_removed(merge, duplicate, user, reason) -> None:
    """Insert the enrolments the merge removed, and their attendance, again with
    their original ids and creation times."""
    for data in merge.removed_enrolments:
        enrolment = Enrolment(
            pk=data["id"],
            training_id=data["training_id"],
            participant=duplicate,
            role=data["role"],
        )
        _tag(enrolment, user, reason).save(force_insert=True)
        Enrolment.objects.filter(pk=enrolment.pk).update(
            created_at=datetime.datetime.fromisoformat(data["created_at"])
        )
        for mark in data["attendances"]:
            _tag(
                Attendance(
                    pk=mark["id"],
                    enrolment=enrolment,
                    date=datetime.date.fromisoformat(mark["date"]),
                    present=mark["present"],
                ),
                user,
                reason,
            ).save(force_insert=True)


def _reinsert_duplicate(merge, user, reason) -> Participant:
    data = _from_json(Participant, merge.duplicate_data)
    duplicate = Participant(**data)
    duplicate.validate_unique()
    duplicate.validate_constraints()
    _tag(duplicate, user, reason).save(force_insert=True)
    stamps = {k: data[k] for k in ("created_at", "updated_at")}
    Participant.objects.filter(pk=duplicate.pk).update(**stamps)
    return duplicate


@transaction.atomic
def participant_merge_undo(*, merge: ParticipantMerge, user) -> Participant:
    """Undo ``merge``: the merged record comes back with its original id and
    data, its enrolments move back, the enrolments removed as duplicates and
    their attendance come back, and the kept record's fields and attendance
    marks return to what they were. Returns the restored record.

    Raises ValidationError, and changes nothing, when later changes make that
    impossible: the merge was undone already, the kept record was deleted,
    merged again or edited since, the merged record was restored, or an
    enrolment or attendance mark the merge touched changed since.
    """
    merge = ParticipantMerge.objects.select_for_update().get(pk=merge.pk)
    survivor = _check_undo(merge)
    moved, marks = _check_enrolments(merge)
    reason = f"undid merge of participant #{merge.duplicate_id} into #{survivor.pk}"
    changes = {c["id"]: c for c in merge.attendance_changes}
    for mark in marks:
        if changes[mark.pk]["old"] is None:
            _tag(mark, user, reason).delete()
        else:
            mark.present = changes[mark.pk]["old"]
            _tag(mark, user, reason).save(update_fields=["present"])
    before = _from_json(Participant, merge.survivor_before)
    for name, value in before.items():
        setattr(survivor, name, value)
    _tag(survivor, user, reason).save()
    try:
        with transaction.atomic():
            duplicate = _reinsert_duplicate(merge, user, reason)
            for enrolment in moved:
                enrolment.participant = duplicate
                _tag(enrolment, user, reason).save(update_fields=["participant"])
            _restore_removed(merge, duplicate, user, reason)
    except IntegrityError as error:
        raise ValidationError(
            _("The records could not be put back as they were: %(error)s")
            % {"error": error}
        ) from error
    merge.undone_at = timezone.now()
    merge.undone_by = user
    merge.save(update_fields=["undone_at", "undone_by"])
    # Earlier merges into the record that is back lost their link when it was
    # merged away (the foreign key is set to null): link them again, so they
    # can be undone in turn.
    ParticipantMerge.objects.filter(
        survivor__isnull=True, survivor_number=duplicate.pk
    ).update(survivor=duplicate)
    return duplicate
