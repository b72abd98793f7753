"""Clean stored text: topic names and the text of trainings (and their history).

The single-line fields become ``setara.fields.SingleLineCharField`` and the
multi-line ones ``MultiLineTextField``. The columns do not change, so these are
state-only operations: no table is rebuilt, and on SQLite the triggers of
migration 0002 (attendance within the training's days) stay in place. The rows
are then cleaned with ``setara.text``; only the text columns are written, so the
trigger on a training's dates does not fire.
"""

from django.db import migrations

import setara.fields
from setara.fields import clean_stored_text


def forward(apps, schema_editor):
    for name in ("Topic", "Training", "HistoricalTraining"):
        clean_stored_text(apps.get_model("trainings", name))


def _training_fields():
    """(name, field) of the training's text fields, as the model declares them."""
    single = setara.fields.SingleLineCharField
    multi = setara.fields.MultiLineTextField
    return [
        (
            "objectives",
            multi(blank=True, verbose_name="objectives"),
        ),
        (
            "organiser",
            single(
                blank=True,
                default="Yayasan BaKTI",
                max_length=200,
                verbose_name="organiser",
            ),
        ),
        (
            "partners",
            multi(
                blank=True,
                help_text="Supporting and co-organising institutions, one per line.",
                verbose_name="partners",
            ),
        ),
        (
            "programme",
            single(default="SETARA", max_length=60, verbose_name="programme"),
        ),
        ("title", single(max_length=300, verbose_name="title")),
        ("venue", single(blank=True, max_length=200, verbose_name="venue")),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("trainings", "0006_sync_roles"),
        ("participants", "0003_clean_text_and_agency_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="topic",
                    name="name",
                    field=setara.fields.SingleLineCharField(
                        max_length=120, verbose_name="name"
                    ),
                ),
                *[
                    migrations.AlterField(model_name=model, name=name, field=field)
                    for model in ("historicaltraining", "training")
                    for name, field in _training_fields()
                ],
            ],
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
