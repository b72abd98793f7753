"""Seed the programme's province and regency.

Codes from Kepmendagri No. 100.1.1-6117 Tahun 2022: 73 = Sulawesi Selatan,
73.09 = Kabupaten Maros.
"""

from django.db import migrations

REGIONS = [
    ("73", "Sulawesi Selatan", "province", None),
    ("73.09", "Kabupaten Maros", "regency", "73"),
]


def seed(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    for code, name, level, parent_code in REGIONS:
        parent = Region.objects.get(code=parent_code) if parent_code else None
        Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent}
        )


def unseed(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    for code, *_ in reversed(REGIONS):
        Region.objects.filter(code=code).delete()


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
