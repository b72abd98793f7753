"""An upload waiting for import confirmation keeps its file in Django's storage
(``MEDIA_ROOT``, or an S3-compatible bucket) instead of a database column.

The uploads pending at migration time are dropped, in both directions: they expire
within a day anyway, and their users upload the file again."""

from django.db import migrations, models

import trainings.models


def drop_pending_uploads(apps, schema_editor):
    apps.get_model("trainings", "ImportUpload").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("trainings", "0008_import_upload_and_submission_token"),
    ]

    operations = [
        migrations.RunPython(drop_pending_uploads, drop_pending_uploads),
        migrations.RemoveField(model_name="importupload", name="data"),
        migrations.AddField(
            model_name="importupload",
            name="file",
            field=models.FileField(
                blank=True,
                max_length=300,
                upload_to=trainings.models.import_upload_path,
                verbose_name="file",
            ),
        ),
    ]
