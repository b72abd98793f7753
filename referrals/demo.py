"""Load the sample referral directory shipped in ``referrals/demo/``."""

import csv
from pathlib import Path

from django.utils.text import slugify

from regions.models import Region

from .models import ReferralInstitution, ServiceType

DIRECTORY_CSV = Path(__file__).parent / "demo" / "referral-directory-sample.csv"


def load_demo_directory(path: Path = DIRECTORY_CSV) -> int:
    """Create the sample institutions and their service types; return how many rows
    the file has. Existing institutions (same name and region) are left as they are.

    Columns: name, level (kabupaten/provinsi/nasional), province, regency,
    service_types (separated by ";"), phone, notes. Regions are looked up by name in
    the seeded regions ("Sulawesi Selatan", "Maros" -> Kabupaten Maros).

    Raises Region.DoesNotExist if a row names a region that is not seeded.
    """
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        level = row["level"].strip()
        region = None
        if level == ReferralInstitution.Level.PROVINCE:
            region = Region.objects.get(name=row["province"].strip(), level="province")
        elif level == ReferralInstitution.Level.REGENCY:
            region = Region.objects.get(
                name__iendswith=row["regency"].strip(),
                parent__name=row["province"].strip(),
            )
        institution, _ = ReferralInstitution.objects.get_or_create(
            name=row["name"].strip(),
            region=region,
            defaults={
                "level": level,
                "phone": row["phone"].strip(),
                "notes": row["notes"].strip(),
            },
        )
        services = []
        for name in filter(None, (s.strip() for s in row["service_types"].split(";"))):
            service, _ = ServiceType.objects.get_or_create(
                code=slugify(name)[:60], defaults={"name": name}
            )
            services.append(service)
        institution.services.add(*services)
    return len(rows)
