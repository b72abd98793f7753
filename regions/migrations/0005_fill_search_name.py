"""Fill ``Region.search_name`` for the rows that existed before 0004 (the seeded
73 and 73.09, and any an admin added), with the rule the model applies on save."""

from django.db import migrations

from regions.models import search_name_of


def forward(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    regions = list(Region.objects.only("name", "level"))
    for region in regions:
        region.search_name = search_name_of(region.name, region.level)
    Region.objects.bulk_update(regions, ["search_name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("regions", "0004_four_levels"),
    ]

    # Backwards: 0004's reversal drops the column.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
