"""Give the roles the permissions of the history and export-log models."""

from django.db import migrations

from setara.roles import sync_roles


def forward(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0002_history_erasure_and_export_log"),
        ("referrals", "0007_sync_roles"),
        ("trainings", "0005_history"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
