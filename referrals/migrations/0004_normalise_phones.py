"""Store existing phone numbers as +62... (or a short number such as 129) before
migration 0005 makes the database refuse anything else.

A value that is not a phone number is moved into the notes, so nothing is lost.
"""

import re

from django.db import migrations

SHORT_NUMBER_RE = r"^(1[0-9]{2}|14[0-9]{3}|1500[0-9]{3,4})$"


def _normalise(raw):
    # Frozen copy of referrals.models.normalise_directory_phone as of this migration.
    from participants.normalisation import normalise_phone

    compact = re.sub(r"[\s\-().]", "", str(raw or "").strip())
    if re.fullmatch(SHORT_NUMBER_RE, compact):
        return compact
    return normalise_phone(raw)


def forward(apps, schema_editor):
    from participants.normalisation import InvalidPhoneNumber

    ReferralInstitution = apps.get_model("referrals", "ReferralInstitution")
    for institution in ReferralInstitution.objects.exclude(phone=""):
        try:
            institution.phone = _normalise(institution.phone)
        except InvalidPhoneNumber:
            institution.notes = (
                f"{institution.notes}\nPhone: {institution.phone}".strip()
            )
            institution.phone = ""
        institution.save(update_fields=["phone", "notes"])


class Migration(migrations.Migration):
    dependencies = [("referrals", "0003_seed_service_types")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
