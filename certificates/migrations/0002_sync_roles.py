"""The roles get the certificate permissions (``setara.roles``): programme staff
issue and print certificates (view, add); coordinators also revoke them (the
custom ``revoke_certificate``) and read their history; the Admin role has every
permission."""

from django.db import migrations

from setara.roles import sync_roles


def sync_roles_forward(apps, schema_editor):
    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        # After every other app's latest migration, so the sync sees every model.
        ("jobs", "0001_initial"),
        ("participants", "0008_participant_washington_group"),
        ("regions", "0005_fill_search_name"),
        ("referrals", "0008_clean_text"),
        ("registrations", "0002_sync_roles"),
        ("trainings", "0010_scores_and_certificate_rule"),
    ]

    operations = [migrations.RunPython(sync_roles_forward, migrations.RunPython.noop)]
