"""Merges of duplicate participants and agencies, recorded so an admin can undo
them; coordinators get the permission to merge participants (setara/roles.py)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from setara.roles import sync_roles


def sync(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0004_submission_token"),
        ("trainings", "0006_sync_roles"),
        ("referrals", "0007_sync_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AgencyMerge",
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
                (
                    "duplicate_id",
                    models.BigIntegerField(verbose_name="number of the merged record"),
                ),
                (
                    "duplicate_data",
                    models.JSONField(default=dict, verbose_name="merged agency"),
                ),
                ("repointed", models.JSONField(default=dict)),
                ("moved_alias_ids", models.JSONField(default=list)),
                ("created_alias_ids", models.JSONField(default=list)),
                (
                    "created_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="merged at"),
                ),
                (
                    "undone_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="undone at"
                    ),
                ),
                (
                    "survivor",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="merges_kept",
                        to="participants.agency",
                        verbose_name="kept agency",
                    ),
                ),
                (
                    "undone_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="undone by",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="merged by",
                    ),
                ),
            ],
            options={
                "verbose_name": "agency merge",
                "verbose_name_plural": "agency merges",
                "ordering": ["-created_at", "-id"],
                "permissions": [
                    ("merge_agency", "Can merge duplicate agencies"),
                    ("undo_agencymerge", "Can undo a merge of agencies"),
                ],
            },
        ),
        migrations.CreateModel(
            name="ParticipantMerge",
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
                (
                    "duplicate_id",
                    models.BigIntegerField(verbose_name="number of the merged record"),
                ),
                (
                    "duplicate_data",
                    models.JSONField(default=dict, verbose_name="merged record"),
                ),
                ("survivor_before", models.JSONField(default=dict)),
                ("survivor_after", models.JSONField(default=dict)),
                ("moved_enrolment_ids", models.JSONField(default=list)),
                ("removed_enrolments", models.JSONField(default=list)),
                ("attendance_changes", models.JSONField(default=list)),
                (
                    "created_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="merged at"),
                ),
                (
                    "undone_at",
                    models.DateTimeField(
                        blank=True, null=True, verbose_name="undone at"
                    ),
                ),
                (
                    "survivor",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="merges_kept",
                        to="participants.participant",
                        verbose_name="kept record",
                    ),
                ),
                (
                    "undone_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="undone by",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="merged by",
                    ),
                ),
            ],
            options={
                "verbose_name": "participant merge",
                "verbose_name_plural": "participant merges",
                "ordering": ["-created_at", "-id"],
                "permissions": [
                    ("merge_participant", "Can merge duplicate participants"),
                    ("undo_participantmerge", "Can undo a merge of participants"),
                ],
            },
        ),
        migrations.RunPython(sync, migrations.RunPython.noop),
    ]
