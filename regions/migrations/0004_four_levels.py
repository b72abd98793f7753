"""Four levels of regions (issue 13): province, regency/city, district, village
(desa/kelurahan). Codes grow to 13 characters (``73.09.11.2001``); ``is_active``
marks regions a newer decree dropped; ``search_name`` is the name the pickers
search, with the ``region_search`` index (filled for existing rows by 0005). The two seeded rows (73,
73.09) satisfy the new constraint as they are."""

import django.db.models.deletion
from django.db import migrations, models

LEVELS = [
    ("province", "Province"),
    ("regency", "Regency"),
    ("city", "City"),
    ("district", "District"),
    ("village", "Village (desa)"),
    ("urban_village", "Urban village (kelurahan)"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0003_clean_text"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="region",
            name="region_code_matches_level",
        ),
        migrations.AlterField(
            model_name="region",
            name="code",
            field=models.CharField(
                help_text=(
                    "Kemendagri code: 73 for a province, 73.09 for a regency or "
                    "city, 73.09.11 for a district, 73.09.11.2001 for a village."
                ),
                max_length=13,
                unique=True,
                verbose_name="region code",
            ),
        ),
        migrations.AlterField(
            model_name="region",
            name="level",
            field=models.CharField(choices=LEVELS, max_length=13, verbose_name="level"),
        ),
        migrations.AlterField(
            model_name="region",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="children",
                to="regions.region",
                verbose_name="parent region",
            ),
        ),
        migrations.AddField(
            model_name="region",
            name="is_active",
            field=models.BooleanField(
                default=True,
                help_text=(
                    "Inactive regions are no longer in the latest decree; they "
                    "stay for the records that name them."
                ),
                verbose_name="active",
            ),
        ),
        migrations.AddField(
            model_name="region",
            name="search_name",
            field=models.CharField(
                default="",
                editable=False,
                help_text="The name as searched: lower case, without punctuation.",
                max_length=120,
                verbose_name="search name",
            ),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="region",
            index=models.Index(
                fields=["search_name", "level", "is_active", "code"],
                name="region_search",
                opclasses=[
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "bool_ops",
                    "varchar_pattern_ops",
                ],
            ),
        ),
        migrations.AddConstraint(
            model_name="region",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("code__regex", "^[0-9]{2}$"),
                        ("level", "province"),
                        ("parent__isnull", True),
                    ),
                    models.Q(
                        ("parent__isnull", False),
                        models.Q(
                            models.Q(
                                ("code__regex", "^[0-9]{2}\\.(0[1-9]|[1-6][0-9])$"),
                                ("level", "regency"),
                            ),
                            models.Q(
                                ("code__regex", "^[0-9]{2}\\.(7[1-9]|[89][0-9])$"),
                                ("level", "city"),
                            ),
                            models.Q(
                                ("code__regex", "^[0-9]{2}\\.[0-9]{2}\\.[0-9]{2}$"),
                                ("level", "district"),
                            ),
                            models.Q(
                                (
                                    "code__regex",
                                    "^[0-9]{2}\\.[0-9]{2}\\.[0-9]{2}\\.[2-9][0-9]{3}$",
                                ),
                                ("level", "village"),
                            ),
                            models.Q(
                                (
                                    "code__regex",
                                    "^[0-9]{2}\\.[0-9]{2}\\.[0-9]{2}\\.1[0-9]{3}$",
                                ),
                                ("level", "urban_village"),
                            ),
                            _connector="OR",
                        ),
                    ),
                    _connector="OR",
                ),
                name="region_code_matches_level",
                violation_error_message=(
                    "The code does not match the level: 73 for a province (no "
                    "parent), 73.01-73.69 for a regency, 73.71-73.99 for a city, "
                    "73.09.11 for a district, 73.09.11.2001 for a village (desa) "
                    "and 73.71.01.1001 for an urban village (kelurahan)."
                ),
            ),
        ),
    ]
