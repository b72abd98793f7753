"""Give the roles the permissions of the new directory models (target groups, the
change history): admins get all of them, the other roles keep view-only access to
the directory as listed in setara/roles.py."""

from django.db import migrations

from setara.roles import sync_roles


def forward(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0006_history"),
        ("trainings", "0004_create_roles"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
