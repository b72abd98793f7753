"""Clean stored text of the referral directory: institutions (and their history),
service types and target groups.

The single-line fields become ``setara.fields.SingleLineCharField`` and the
multi-line ones ``MultiLineTextField``; the columns do not change, so these are
state-only operations (no table rebuild). The rows are then cleaned with
``setara.text``. Two institutions of one region whose names become equal once
cleaned (they differed only by a no-break or zero-width space) would break the
unique name constraint: the later one keeps its name with its id appended, for an
admin to merge or rename.
"""

from django.db import migrations

import setara.fields
from setara.fields import clean_stored_text
from setara.text import clean_text


def _untangle_names(institution_model) -> None:
    """Append `` (<id>)`` to an institution's name when, once cleaned, it would be
    the name of an earlier institution of the same region (the constraint
    compares names without spaces, ignoring case)."""
    seen = set()
    for row in institution_model._base_manager.order_by("pk"):
        name = clean_text(row.name) or f"#{row.pk}"
        key = (name.replace(" ", "").lower(), row.region_id)
        if key in seen:
            row.name = f"{name[:190]} ({row.pk})"
            row.save(update_fields=["name"])
            key = (row.name.replace(" ", "").lower(), row.region_id)
        seen.add(key)


def forward(apps, schema_editor):
    _untangle_names(apps.get_model("referrals", "ReferralInstitution"))
    for name in (
        "ReferralInstitution",
        "HistoricalReferralInstitution",
        "ServiceType",
        "TargetGroup",
    ):
        clean_stored_text(apps.get_model("referrals", name))


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0007_sync_roles"),
    ]

    operations = [
        # The columns stay as they are: only the field classes change.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="historicalreferralinstitution",
                    name="accessibility",
                    field=setara.fields.MultiLineTextField(
                        blank=True,
                        help_text="Access for persons with disabilities, sign language, ramps.",
                        verbose_name="accessibility",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalreferralinstitution",
                    name="address",
                    field=setara.fields.MultiLineTextField(
                        blank=True, verbose_name="address"
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalreferralinstitution",
                    name="cost",
                    field=setara.fields.SingleLineCharField(
                        blank=True,
                        help_text="For example: free.",
                        max_length=200,
                        verbose_name="cost",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalreferralinstitution",
                    name="eligibility",
                    field=setara.fields.MultiLineTextField(
                        blank=True,
                        help_text="Who can use the service.",
                        verbose_name="eligibility",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalreferralinstitution",
                    name="focal_person",
                    field=setara.fields.SingleLineCharField(
                        blank=True,
                        help_text="Name and position of the contact person for referrals.",
                        max_length=200,
                        verbose_name="focal person",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalreferralinstitution",
                    name="languages",
                    field=setara.fields.SingleLineCharField(
                        blank=True,
                        help_text="For example: Bahasa Indonesia, Bugis, Makassar.",
                        max_length=200,
                        verbose_name="languages",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalreferralinstitution",
                    name="name",
                    field=setara.fields.SingleLineCharField(
                        max_length=200, verbose_name="name"
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalreferralinstitution",
                    name="notes",
                    field=setara.fields.MultiLineTextField(
                        blank=True, verbose_name="notes"
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalreferralinstitution",
                    name="opening_hours",
                    field=setara.fields.SingleLineCharField(
                        blank=True,
                        help_text="For example: Senin–Jumat 08.00–16.00 WITA; hotline 24 jam.",
                        max_length=200,
                        verbose_name="opening hours",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalreferralinstitution",
                    name="requirements",
                    field=setara.fields.MultiLineTextField(
                        blank=True,
                        help_text="Documents or steps needed, e.g. a letter of referral, KTP/KK.",
                        verbose_name="requirements (persyaratan)",
                    ),
                ),
                migrations.AlterField(
                    model_name="referralinstitution",
                    name="accessibility",
                    field=setara.fields.MultiLineTextField(
                        blank=True,
                        help_text="Access for persons with disabilities, sign language, ramps.",
                        verbose_name="accessibility",
                    ),
                ),
                migrations.AlterField(
                    model_name="referralinstitution",
                    name="address",
                    field=setara.fields.MultiLineTextField(
                        blank=True, verbose_name="address"
                    ),
                ),
                migrations.AlterField(
                    model_name="referralinstitution",
                    name="cost",
                    field=setara.fields.SingleLineCharField(
                        blank=True,
                        help_text="For example: free.",
                        max_length=200,
                        verbose_name="cost",
                    ),
                ),
                migrations.AlterField(
                    model_name="referralinstitution",
                    name="eligibility",
                    field=setara.fields.MultiLineTextField(
                        blank=True,
                        help_text="Who can use the service.",
                        verbose_name="eligibility",
                    ),
                ),
                migrations.AlterField(
                    model_name="referralinstitution",
                    name="focal_person",
                    field=setara.fields.SingleLineCharField(
                        blank=True,
                        help_text="Name and position of the contact person for referrals.",
                        max_length=200,
                        verbose_name="focal person",
                    ),
                ),
                migrations.AlterField(
                    model_name="referralinstitution",
                    name="languages",
                    field=setara.fields.SingleLineCharField(
                        blank=True,
                        help_text="For example: Bahasa Indonesia, Bugis, Makassar.",
                        max_length=200,
                        verbose_name="languages",
                    ),
                ),
                migrations.AlterField(
                    model_name="referralinstitution",
                    name="name",
                    field=setara.fields.SingleLineCharField(
                        max_length=200, verbose_name="name"
                    ),
                ),
                migrations.AlterField(
                    model_name="referralinstitution",
                    name="notes",
                    field=setara.fields.MultiLineTextField(
                        blank=True, verbose_name="notes"
                    ),
                ),
                migrations.AlterField(
                    model_name="referralinstitution",
                    name="opening_hours",
                    field=setara.fields.SingleLineCharField(
                        blank=True,
                        help_text="For example: Senin–Jumat 08.00–16.00 WITA; hotline 24 jam.",
                        max_length=200,
                        verbose_name="opening hours",
                    ),
                ),
                migrations.AlterField(
                    model_name="referralinstitution",
                    name="requirements",
                    field=setara.fields.MultiLineTextField(
                        blank=True,
                        help_text="Documents or steps needed, e.g. a letter of referral, KTP/KK.",
                        verbose_name="requirements (persyaratan)",
                    ),
                ),
                migrations.AlterField(
                    model_name="servicetype",
                    name="name",
                    field=setara.fields.SingleLineCharField(
                        max_length=120, verbose_name="name"
                    ),
                ),
                migrations.AlterField(
                    model_name="targetgroup",
                    name="name",
                    field=setara.fields.SingleLineCharField(
                        max_length=120, verbose_name="name"
                    ),
                ),
            ],
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
