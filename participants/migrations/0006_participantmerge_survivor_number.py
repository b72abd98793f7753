"""ParticipantMerge.survivor_number: the kept record's number, which outlives the
foreign key (set to null when the kept record is merged away in turn), so that
undoing the later merge can link the earlier one again."""

from django.db import migrations, models


def copy_survivor_ids(apps, schema_editor):
    ParticipantMerge = apps.get_model("participants", "ParticipantMerge")
    for merge in ParticipantMerge.objects.filter(survivor__isnull=False):
        ParticipantMerge.objects.filter(pk=merge.pk).update(
            survivor_number=merge.survivor_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0005_participant_merge"),
    ]

    operations = [
        migrations.AddField(
            model_name="participantmerge",
            name="survivor_number",
            field=models.BigIntegerField(
                null=True, verbose_name="number of the kept record"
            ),
        ),
        migrations.RunPython(copy_survivor_ids, migrations.RunPython.noop),
        # A merge whose kept record is already gone keeps 0: it cannot be
        # linked again (its undo was already refused before this column).
        migrations.RunSQL(
            "UPDATE participants_participantmerge SET survivor_number = 0 "
            "WHERE survivor_number IS NULL",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="participantmerge",
            name="survivor_number",
            field=models.BigIntegerField(verbose_name="number of the kept record"),
        ),
    ]
