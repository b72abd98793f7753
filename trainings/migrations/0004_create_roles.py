"""Create the role groups (Programme staff, Coordinator, Admin); see setara/roles.py."""

from django.db import migrations

from setara.roles import sync_roles


def forward(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("regions", "0002_seed_sulawesi_selatan"),
        ("participants", "0001_initial"),
        ("referrals", "0001_initial"),
        ("trainings", "0003_seed_topics"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
