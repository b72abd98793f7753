"""The Admin role gets the permissions of django-otp's device models (Admin has
every permission; the groups were last synced before these models existed), so
admins can see and delete two-factor devices in the admin (accounts/admin.py)."""

from django.db import migrations

from setara.roles import sync_roles


def sync_roles_forward(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
        # After the other apps' latest migrations, so the sync sees every model.
        ("jobs", "0001_initial"),
        ("participants", "0008_participant_washington_group"),
        ("regions", "0005_fill_search_name"),
        ("referrals", "0008_clean_text"),
        ("registrations", "0002_sync_roles"),
        ("trainings", "0010_scores_and_certificate_rule"),
    ]

    operations = [migrations.RunPython(sync_roles_forward, migrations.RunPython.noop)]
