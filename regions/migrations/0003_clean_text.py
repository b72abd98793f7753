"""Clean stored region names: ``Region.name`` becomes
``setara.fields.SingleLineCharField`` (the column does not change: a state-only
operation) and existing names go through ``setara.text.clean_text``."""

from django.db import migrations

import setara.fields
from setara.fields import clean_stored_text


def forward(apps, schema_editor):
    clean_stored_text(apps.get_model("regions", "Region"))


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0002_seed_sulawesi_selatan"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="region",
                    name="name",
                    field=setara.fields.SingleLineCharField(
                        max_length=120, verbose_name="name"
                    ),
                ),
            ],
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
