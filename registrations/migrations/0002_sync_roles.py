"""The Admin role gets the permissions of the registration models (Admin has every
permission; the groups were last synced before these models existed). Programme
staff and coordinators review registrations through the enrol permissions they
already hold (registrations/views/review.py)."""

from django.db import migrations

from setara.roles import sync_roles


def sync_roles_forward(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0001_initial"),
        # After every other app's latest migration, so the sync sees every model.
        ("jobs", "0001_initial"),
        ("participants", "0008_participant_washington_group"),
        ("regions", "0005_fill_search_name"),
        ("referrals", "0008_clean_text"),
    ]

    operations = [migrations.RunPython(sync_roles_forward, migrations.RunPython.noop)]
