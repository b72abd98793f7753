"""Seed the programme's service types and target groups with stable codes.

The list is the one in issue 6 (services a child or family is referred to in the
SETARA referral pathway), named in Indonesian as the directory is read. Service
types that the earlier demo loader created from the sample CSV's English names
(slugified, e.g. "shelter", "medical-examination") are merged into these: their
institutions move to the seeded type and the old type is deleted. Types with no
counterpart ("case-management", "referral", "oversight") are left for admins.
"""

from django.db import migrations

#: code -> (position on the pathway, Indonesian name)
SERVICE_TYPES = {
    "hotline": (10, "Layanan pengaduan (hotline)"),
    "psychosocial-support": (20, "Dukungan kesehatan mental dan psikososial (DKMP)"),
    "health": (30, "Layanan kesehatan dan pemeriksaan medis"),
    "police-reporting": (40, "Pelaporan ke kepolisian"),
    "prosecution": (50, "Penuntutan (kejaksaan)"),
    "legal-aid": (60, "Bantuan hukum"),
    "safe-house": (70, "Rumah aman (shelter)"),
    "civil-registration": (80, "Pencatatan sipil dan akta kelahiran"),
    "education": (90, "Pendidikan"),
    "social-rehabilitation": (100, "Rehabilitasi sosial"),
    "online-exploitation-reporting": (
        110,
        "Pelaporan eksploitasi seksual anak di ranah daring",
    ),
    "family-counselling": (120, "Konseling keluarga"),
}

TARGET_GROUPS = {
    "children": "Anak",
    "women": "Perempuan",
    "persons-with-disabilities": "Penyandang disabilitas",
}

#: Codes the earlier demo loader made (slugified CSV names) -> seeded code.
OLD_DEMO_CODES = {
    "mental-health-and-psychosocial-support": "psychosocial-support",
    "investigation": "police-reporting",
    "birth-registration": "civil-registration",
    "shelter": "safe-house",
    "medical-examination": "health",
    "complaints": "hotline",
    "online-child-exploitation": "online-exploitation-reporting",
    "witness-and-victim-protection": "legal-aid",
    "restitution": "legal-aid",
}


def seed(apps, schema_editor):
    ServiceType = apps.get_model("referrals", "ServiceType")
    TargetGroup = apps.get_model("referrals", "TargetGroup")
    for code, (position, name) in SERVICE_TYPES.items():
        ServiceType.objects.update_or_create(
            code=code, defaults={"name": name, "position": position}
        )
    for code, name in TARGET_GROUPS.items():
        TargetGroup.objects.get_or_create(code=code, defaults={"name": name})
    for old_code, new_code in OLD_DEMO_CODES.items():
        old = ServiceType.objects.filter(code=old_code).first()
        if old is None:
            continue
        new = ServiceType.objects.get(code=new_code)
        new.institutions.add(*old.institutions.all())
        old.delete()


def unseed(apps, schema_editor):
    # Merged types cannot be split again; only unused seeded rows are removed.
    ServiceType = apps.get_model("referrals", "ServiceType")
    TargetGroup = apps.get_model("referrals", "TargetGroup")
    ServiceType.objects.filter(
        code__in=list(SERVICE_TYPES), institutions__isnull=True
    ).delete()
    TargetGroup.objects.filter(
        code__in=list(TARGET_GROUPS), institutions__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_directory_fields")]

    operations = [migrations.RunPython(seed, unseed)]
