"""Pre-test and post-test scores on enrolments; the maximum score, pass mark and
certificate rule on trainings.

The new NOT NULL column and the CHECK constraints make SQLite rebuild the trainings
table, which a trigger of 0002 refers to: on SQLite the triggers are dropped first
and created again last (PostgreSQL alters the table in place and keeps them).
"""

from importlib import import_module

from django.db import migrations, models

_triggers = import_module("trainings.migrations.0002_attendance_within_training_days")


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


drop_sqlite_triggers = _sqlite(_triggers.SQLITE_REVERSE)
create_sqlite_triggers = _sqlite(_triggers.SQLITE_FORWARD)


class Migration(migrations.Migration):

    dependencies = [
        ('participants', '0008_participant_washington_group'),
        ('regions', '0005_fill_search_name'),
        ('trainings', '0009_importupload_file'),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, create_sqlite_triggers),
        migrations.AddField(
            model_name='enrolment',
            name='post_score',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name='post-test score'),
        ),
        migrations.AddField(
            model_name='enrolment',
            name='pre_score',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name='pre-test score'),
        ),
        migrations.AddField(
            model_name='historicalenrolment',
            name='post_score',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name='post-test score'),
        ),
        migrations.AddField(
            model_name='historicalenrolment',
            name='pre_score',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=6, null=True, verbose_name='pre-test score'),
        ),
        migrations.AddField(
            model_name='historicaltraining',
            name='certificate_min_days',
            field=models.PositiveSmallIntegerField(blank=True, help_text='The days a participant must be present to receive a certificate; empty means every day.', null=True, verbose_name='certificate: days present'),
        ),
        migrations.AddField(
            model_name='historicaltraining',
            name='certificate_requires_pass',
            field=models.BooleanField(default=False, verbose_name='certificate: post-test at least the pass mark'),
        ),
        migrations.AddField(
            model_name='historicaltraining',
            name='test_max_score',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='The highest score of the pre-test and post-test; empty means 100.', max_digits=6, null=True, verbose_name='maximum test score'),
        ),
        migrations.AddField(
            model_name='historicaltraining',
            name='test_pass_mark',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='The post-test score a participant needs to pass; optional.', max_digits=6, null=True, verbose_name='pass mark'),
        ),
        migrations.AddField(
            model_name='training',
            name='certificate_min_days',
            field=models.PositiveSmallIntegerField(blank=True, help_text='The days a participant must be present to receive a certificate; empty means every day.', null=True, verbose_name='certificate: days present'),
        ),
        migrations.AddField(
            model_name='training',
            name='certificate_requires_pass',
            field=models.BooleanField(default=False, verbose_name='certificate: post-test at least the pass mark'),
        ),
        migrations.AddField(
            model_name='training',
            name='test_max_score',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='The highest score of the pre-test and post-test; empty means 100.', max_digits=6, null=True, verbose_name='maximum test score'),
        ),
        migrations.AddField(
            model_name='training',
            name='test_pass_mark',
            field=models.DecimalField(blank=True, decimal_places=2, help_text='The post-test score a participant needs to pass; optional.', max_digits=6, null=True, verbose_name='pass mark'),
        ),
        migrations.AddConstraint(
            model_name='enrolment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('pre_score__isnull', True), ('pre_score__gte', 0), _connector='OR'), models.Q(('post_score__isnull', True), ('post_score__gte', 0), _connector='OR')), name='enrolment_scores_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='training',
            constraint=models.CheckConstraint(condition=models.Q(('test_max_score__isnull', True), ('test_max_score__gt', 0), _connector='OR'), name='training_test_max_score_positive'),
        ),
        migrations.AddConstraint(
            model_name='training',
            constraint=models.CheckConstraint(condition=models.Q(('test_pass_mark__isnull', True), ('test_pass_mark__gte', 0), _connector='OR'), name='training_test_pass_mark_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='training',
            constraint=models.CheckConstraint(condition=models.Q(('test_max_score__isnull', True), ('test_pass_mark__isnull', True), ('test_pass_mark__lte', models.F('test_max_score')), _connector='OR'), name='training_pass_mark_within_maximum', violation_error_message='The pass mark cannot be above the maximum score.'),
        ),
        migrations.RunPython(create_sqlite_triggers, drop_sqlite_triggers),
]
