"""A participant added on the enrol page remembers the one-time token of the form
that created them, so the same form sent twice adds one person."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0003_clean_text_and_agency_key"),
    ]

    operations = [
        # Nullable and unique only through a partial index: SQLite adds them
        # without rebuilding the table.
        migrations.AddField(
            model_name="historicalparticipant",
            name="submission_token",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="participant",
            name="submission_token",
            field=models.UUIDField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("submission_token__isnull", False)),
                fields=("submission_token",),
                name="participant_unique_submission_token",
            ),
        ),
    ]
