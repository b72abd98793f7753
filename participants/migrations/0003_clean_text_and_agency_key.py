"""Clean stored text, and make agency names unique once normalised.

- The single-line text fields become ``setara.fields.SingleLineCharField`` and
  ``AgencyAlias.normalised_name`` a ``NormalisedKeyField``: the columns do not
  change, so these are state-only operations (no table rebuild on SQLite).
- Existing names, positions and villages (and their history rows) are cleaned with
  ``setara.text.clean_text``; ``Participant.normalised_name`` is computed again; a
  NIK of only zeros (a placeholder) is emptied.
- ``Agency.normalised_name`` (``normalise_key(name)``) is added and filled.
  Agencies of one region whose names are equal once normalised are merged into the
  oldest (lowest id): every row pointing at the others (participants and their
  history, aliases, referral institutions) points at it, their names are kept as
  aliases, and they are deleted. Then the unique constraints replace the old
  case-insensitive one.
"""

from collections import defaultdict

from django.db import migrations, models

import participants.normalisation
import setara.fields
from participants.normalisation import normalise_key, normalise_name
from setara.fields import clean_stored_text

BATCH = 1000


def _refresh(model, source: str, target: str, normalise) -> None:
    """Set ``target`` to ``normalise(source)`` on every row of ``model`` where it
    differs, in primary-key order, ``BATCH`` rows at a time."""
    last_pk = None
    rows = model._base_manager.order_by("pk").only(model._meta.pk.name, source, target)
    while True:
        page = rows if last_pk is None else rows.filter(pk__gt=last_pk)
        batch = list(page[:BATCH])
        if not batch:
            return
        last_pk = batch[-1].pk
        changed = []
        for row in batch:
            value = normalise(getattr(row, source))
            if getattr(row, target) != value:
                setattr(row, target, value)
                changed.append(row)
        model._base_manager.bulk_update(changed, [target])


def _repoint(agency_model, duplicate_ids: list[int], survivor_id: int) -> None:
    """Make every row whose foreign key points at one of ``duplicate_ids`` point at
    ``survivor_id``: every relation to ``agency_model`` in this migration state,
    history tables (hidden relations) included."""
    for relation in agency_model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue
        attname = relation.field.attname
        relation.related_model._base_manager.filter(
            **{f"{attname}__in": duplicate_ids}
        ).update(**{attname: survivor_id})


def _keep_as_aliases(alias_model, survivor, duplicates) -> None:
    """The names and short names of ``duplicates`` as aliases of ``survivor``
    (a short name becomes the survivor's when it has none), unless an alias
    already has that spelling once normalised."""
    for duplicate in duplicates:
        spellings = [duplicate.name]
        if duplicate.short_name and not survivor.short_name:
            survivor.short_name = duplicate.short_name
            survivor.save(update_fields=["short_name"])
        elif normalise_key(duplicate.short_name) != normalise_key(survivor.short_name):
            spellings.append(duplicate.short_name)
        for spelling in spellings:
            key = normalise_key(spelling)
            if spelling == survivor.name or not key:
                continue  # the same text as the name kept: nothing to remember
            if not alias_model.objects.filter(normalised_name=key).exists():
                alias_model.objects.create(
                    agency_id=survivor.pk, name=spelling, normalised_name=key
                )


def merge_agencies(apps) -> int:
    """Fill ``Agency.normalised_name`` and merge the agencies of one region (or
    without one) that share it into the oldest; returns how many were merged."""
    agency_model = apps.get_model("participants", "Agency")
    alias_model = apps.get_model("participants", "AgencyAlias")
    groups = defaultdict(list)
    for agency in agency_model._base_manager.order_by("pk"):
        groups[(normalise_key(agency.name), agency.region_id)].append(agency)
    merged = 0
    for survivor, *duplicates in groups.values():
        if not duplicates:
            continue
        duplicate_ids = [agency.pk for agency in duplicates]
        _repoint(agency_model, duplicate_ids, survivor.pk)
        _keep_as_aliases(alias_model, survivor, duplicates)
        agency_model._base_manager.filter(pk__in=duplicate_ids).delete()
        merged += len(duplicates)
    # Only now, with one agency per key and region left, the keys are written.
    _refresh(agency_model, "name", "normalised_name", normalise_key)
    return merged


def refresh_alias_keys(apps) -> None:
    """``AgencyAlias.normalised_name`` computed again (``normalise_key`` now cleans
    invisible characters first); an alias whose new key another alias already has
    is deleted, as it says nothing new."""
    alias_model = apps.get_model("participants", "AgencyAlias")
    seen = set()
    changed = []
    for alias in alias_model._base_manager.order_by("pk"):
        key = normalise_key(alias.name)
        if key in seen:
            alias.delete()
            continue
        seen.add(key)
        if alias.normalised_name != key:
            alias.normalised_name = key
            changed.append(alias)
    for alias in changed:
        alias.save(update_fields=["normalised_name"])


def forward(apps, schema_editor):
    for name in ("Participant", "HistoricalParticipant", "Agency", "AgencyAlias"):
        clean_stored_text(apps.get_model("participants", name))
    for name in ("Participant", "HistoricalParticipant"):
        model = apps.get_model("participants", name)
        _refresh(model, "full_name", "normalised_name", normalise_name)
        model._base_manager.filter(nik="0" * 16).update(nik="")
    merge_agencies(apps)
    refresh_alias_keys(apps)
    if schema_editor.connection.vendor == "postgresql":
        # Fire the deferred foreign-key checks of the rows moved above now, or
        # PostgreSQL refuses to alter participants_agency ("pending trigger
        # events") when the constraints are added.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _single_line(**kwargs):
    return setara.fields.SingleLineCharField(**kwargs)


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0002_history_erasure_and_export_log"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="agency",
            name="agency_unique_name_per_region",
        ),
        # The columns stay as they are: only the field classes change.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="agency",
                    name="name",
                    field=_single_line(max_length=200, verbose_name="name"),
                ),
                migrations.AlterField(
                    model_name="agency",
                    name="short_name",
                    field=_single_line(
                        blank=True,
                        help_text="For example DP3A.",
                        max_length=60,
                        verbose_name="short name",
                    ),
                ),
                migrations.AlterField(
                    model_name="agencyalias",
                    name="name",
                    field=_single_line(max_length=200, verbose_name="alias"),
                ),
                migrations.AlterField(
                    model_name="agencyalias",
                    name="normalised_name",
                    field=setara.fields.NormalisedKeyField(
                        max_length=200,
                        normalise=participants.normalisation.normalise_key,
                        source="name",
                        unique=True,
                    ),
                ),
                *[
                    migrations.AlterField(model_name=model, name=name, field=field)
                    for model in ("historicalparticipant", "participant")
                    for name, field in (
                        (
                            "full_name",
                            _single_line(
                                help_text="As written, with titles.",
                                max_length=200,
                                verbose_name="full name",
                            ),
                        ),
                        (
                            "position",
                            _single_line(
                                blank=True, max_length=200, verbose_name="position"
                            ),
                        ),
                        (
                            "village",
                            _single_line(
                                blank=True,
                                max_length=120,
                                verbose_name="village (desa/kelurahan)",
                            ),
                        ),
                    )
                ],
            ],
        ),
        migrations.AddField(
            model_name="agency",
            name="normalised_name",
            field=setara.fields.NormalisedKeyField(
                default="",
                max_length=200,
                normalise=participants.normalisation.normalise_key,
                source="name",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="agency",
            constraint=models.UniqueConstraint(
                fields=("normalised_name", "region"),
                name="agency_unique_normalised_name_per_region",
                violation_error_code="duplicate_name",
                violation_error_message=(
                    "An agency with this name already exists in this region."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="agency",
            constraint=models.UniqueConstraint(
                condition=models.Q(("region__isnull", True)),
                fields=("normalised_name",),
                name="agency_unique_normalised_name_without_region",
                violation_error_code="duplicate_name",
                violation_error_message=(
                    "An agency without a region already has this name."
                ),
            ),
        ),
    ]
