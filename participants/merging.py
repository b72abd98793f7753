"""Merging two records of one agency, and undoing it.

``agency_merge`` re-points every row that names the duplicate agency (its staff,
the referral institutions linked to it, anything that points at an agency) to the
survivor, keeps the duplicate's names as aliases of the survivor, deletes the
duplicate and writes an ``AgencyMerge`` for ``agency_merge_undo``. It walks the
relations Django knows of rather than naming other apps, so it needs nothing
from them; rows of models with a change history get a history row naming the
user and the reason. Merging people is ``setara.merging``.
"""

import datetime

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Agency, AgencyAlias, AgencyMerge
from .normalisation import normalise_key


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _relations():
    """The foreign keys to Agency that merging re-points: ``(model, field)``;
    aliases and the merge records are handled on their own."""
    for relation in Agency._meta.related_objects:
        if relation.one_to_many and relation.related_model not in (
            AgencyAlias,
            AgencyMerge,
        ):
            yield relation.related_model, relation.field


def _repoint(rows, field, agency, user, reason) -> None:
    for row in rows:
        setattr(row, field.name, agency)
        row._history_user = user
        row._change_reason = reason
        row.save(update_fields=[field.name])


def _lock_agencies(survivor: Agency, duplicate: Agency):
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("An agency cannot be merged with itself."))
    locked = {
        a.pk: a
        for a in Agency.objects.select_for_update()
        .filter(pk__in=[survivor.pk, duplicate.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise ValidationError(
            _("One of these agencies no longer exists: it may have been merged.")
        )
    return locked[survivor.pk], locked[duplicate.pk]


def _alias_names(survivor: Agency, duplicate: Agency) -> list[str]:
    """The duplicate's name and short name, when no alias and not the survivor's
    own names say them already."""
    taken = {normalise_key(survivor.name), normalise_key(survivor.short_name)}
    names = []
    for name in (duplicate.name, duplicate.short_name):
        key = normalise_key(name)
        if key and key not in taken:
            taken.add(key)
            names.append(name)
    existing = set(
        AgencyAlias.objects.filter(
            normalised_name__in=[normalise_key(n) for n in names]
        ).values_list("normalised_name", flat=True)
    )
    return [name for name in names if normalise_key(name) not in existing]


@transaction.atomic
def agency_merge(*, survivor: Agency, duplicate: Agency, user) -> AgencyMerge:
    """Merge ``duplicate`` into ``survivor`` (two records of one agency).

    Every row pointing at the duplicate (participants, referral institutions...)
    points at the survivor after, the duplicate's aliases become the survivor's,
    its name and short name become aliases of the survivor (unless an alias or
    the survivor's names say them already), and the duplicate is deleted. The
    survivor's own fields stay. Raises ValidationError, writing nothing, when
    the two are one agency or one no longer exists (merged a moment ago).
    """
    survivor, duplicate = _lock_agencies(survivor, duplicate)
    reason = f"merged agency #{duplicate.pk} into #{survivor.pk}"
    merge = AgencyMerge(
        survivor=survivor,
        duplicate_id=duplicate.pk,
        duplicate_data={
            f.attname: _jsonable(getattr(duplicate, f.attname))
            for f in Agency._meta.concrete_fields
        },
        user=user,
    )
    for model, field in _relations():
        rows = list(
            model._default_manager.select_for_update()
            .filter(**{field.name: duplicate})
            .order_by("pk")
        )
        if rows:
            merge.repointed[f"{model._meta.label}.{field.name}"] = [r.pk for r in rows]
            _repoint(rows, field, survivor, user, reason)
    aliases = AgencyAlias.objects.filter(agency=duplicate)
    merge.moved_alias_ids = list(aliases.order_by("pk").values_list("pk", flat=True))
    aliases.update(agency=survivor)
    for name in _alias_names(survivor, duplicate):
        alias = AgencyAlias.objects.create(agency=survivor, name=name)
        merge.created_alias_ids.append(alias.pk)
    duplicate.delete()
    merge.save()
    return merge


@transaction.atomic
def agency_merge_undo(*, merge: AgencyMerge, user) -> Agency:
    """Undo ``merge``: the merged agency comes back with its original id and
    fields, with its aliases, and the rows the merge re-pointed that still point
    at the survivor point at it again (rows deleted or re-pointed since stay as
    they are). Returns the restored agency.

    Raises ValidationError, changing nothing, when the merge was undone already,
    the kept agency was deleted or merged since, the merged agency exists again,
    or its name is taken again in its region.
    """
    merge = AgencyMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge was undone already."))
    survivor = Agency.objects.select_for_update().filter(pk=merge.survivor_id).first()
    if survivor is None:
        raise ValidationError(
            _(
                "The kept agency was deleted or merged into another since, so this "
                "merge can no longer be undone."
            )
        )
    if Agency.objects.filter(pk=merge.duplicate_id).exists():
        raise ValidationError(_("The merged agency exists again."))
    reason = f"undid merge of agency #{merge.duplicate_id} into #{survivor.pk}"
    AgencyAlias.objects.filter(pk__in=merge.created_alias_ids).delete()
    duplicate = Agency(**merge.duplicate_data)
    duplicate.full_clean()  # its name may be another agency's again
    try:
        with transaction.atomic():
            duplicate.save(force_insert=True)
    except IntegrityError as error:
        raise ValidationError(
            _("The agency could not be put back: %(error)s") % {"error": error}
        ) from error
    AgencyAlias.objects.filter(pk__in=merge.moved_alias_ids, agency=survivor).update(
        agency=duplicate
    )
    for key, ids in merge.repointed.items():
        label, _dot, name = key.rpartition(".")
        model = apps.get_model(label)
        field = model._meta.get_field(name)
        rows = model._default_manager.select_for_update().filter(
            pk__in=ids, **{name: survivor}
        )
        _repoint(list(rows.order_by("pk")), field, duplicate, user, reason)
    merge.undone_at = timezone.now()
    merge.undone_by = user
    merge.save(update_fields=["undone_at", "undone_by"])
    return duplicate
