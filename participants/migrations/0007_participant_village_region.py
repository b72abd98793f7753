"""A participant's village as a region (desa or kelurahan), beside the village as
written.

No data migration: the free text ("Ds. Tompobulu", "Bontoa kec. Mandai") cannot be
mapped to a region safely (the same name is used in several districts and
regencies, and the text rarely names the district), so existing people keep their
text and get a region when someone picks it.
"""

import django.db.models.deletion
from django.db import migrations, models

import setara.fields

VILLAGE_LEVELS = {"level__in": ("village", "urban_village")}
AS_WRITTEN = setara.fields.SingleLineCharField(
    blank=True,
    help_text="As written, for a village not found among the regions.",
    max_length=120,
    verbose_name="village as written",
)


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0006_participantmerge_survivor_number"),
        ("regions", "0005_fill_search_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalparticipant",
            name="village_region",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The village (desa or kelurahan) among the regions.",
                limit_choices_to=VILLAGE_LEVELS,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="regions.region",
                verbose_name="village (desa/kelurahan)",
            ),
        ),
        migrations.AddField(
            model_name="participant",
            name="village_region",
            field=models.ForeignKey(
                blank=True,
                help_text="The village (desa or kelurahan) among the regions.",
                limit_choices_to=VILLAGE_LEVELS,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="participants",
                to="regions.region",
                verbose_name="village (desa/kelurahan)",
            ),
        ),
        migrations.AlterField(
            model_name="historicalparticipant",
            name="village",
            field=AS_WRITTEN,
        ),
        migrations.AlterField(
            model_name="participant",
            name="village",
            field=AS_WRITTEN.clone(),
        ),
    ]
