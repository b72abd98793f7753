"""Uploads waiting for import confirmation move from one server's disk into the
database (any app server can confirm; a confirmed upload is consumed once), and a
new training remembers the one-time token of the form that created it. The Admin
role gets the permissions of the new model (its read-only admin page)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from setara.roles import sync_roles


def sync(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("trainings", "0007_clean_text"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportUpload",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("token", models.CharField(editable=False, max_length=64, unique=True)),
                (
                    "filename",
                    models.CharField(max_length=200, verbose_name="file name"),
                ),
                ("data", models.BinaryField()),
                ("options", models.JSONField(default=dict)),
                ("parsed_key", models.CharField(blank=True, max_length=200)),
                ("parsed", models.TextField(blank=True)),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="uploaded"
                    ),
                ),
                (
                    "consumed_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="imported"
                    ),
                ),
                (
                    "training",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="trainings.training",
                        verbose_name="training",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="uploaded by",
                    ),
                ),
            ],
            options={
                "verbose_name": "uploaded sign-in sheet",
                "verbose_name_plural": "uploaded sign-in sheets",
            },
        ),
        # Nullable, no default, no UNIQUE in the column itself: SQLite adds these
        # columns and the partial unique index without rebuilding the tables, so
        # the attendance triggers of 0002 on trainings_training stay in place.
        migrations.AddField(
            model_name="historicaltraining",
            name="submission_token",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="training",
            name="submission_token",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name="training",
            constraint=models.UniqueConstraint(
                condition=models.Q(("submission_token__isnull", False)),
                fields=("submission_token",),
                name="training_unique_submission_token",
            ),
        ),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]
