"""Load the sample referral directory shipped in ``referrals/demo/``."""

import csv
from pathlib import Path

from django.db import transaction

from participants.models import Agency
from regions.models import Region

from .models import ReferralInstitution, ServiceType

DIRECTORY_CSV = Path(__file__).parent / "demo" / "referral-directory-sample.csv"

#: The sample CSV's service names -> seeded service type code (migration 0003).
#: ``None`` marks names that describe how an institution works rather than a
#: service a family is referred to; they are not stored.
SERVICE_NAME_CODES: dict[str, str | None] = {
    "psychosocial support": "psychosocial-support",
    "mental health and psychosocial support": "psychosocial-support",
    "police reporting": "police-reporting",
    "investigation": "police-reporting",
    "prosecution": "prosecution",
    "birth registration": "civil-registration",
    "civil registration": "civil-registration",
    "family counselling": "family-counselling",
    "social rehabilitation": "social-rehabilitation",
    "shelter": "safe-house",
    "health": "health",
    "medical examination": "health",
    "hotline": "hotline",
    "complaints": "hotline",
    "online child exploitation": "online-exploitation-reporting",
    "witness and victim protection": "legal-aid",
    "restitution": "legal-aid",
    "case management": None,
    "referral": None,
    "oversight": None,
}

#: Sample institution -> how the demo agencies (trainings/demo/agencies.csv) name
#: it, so the directory can show how many of its staff were trained.
DEMO_AGENCY_NAMES = {
    "UPTD PPA Kabupaten Maros": "UPTD PPA Kabupaten Maros",
    "Unit PPA Satreskrim Polres Maros": "Polres Maros",
    "Kejaksaan Negeri Maros": "Kejaksaan Negeri Maros",
    "PUSPAGA Kabupaten Maros": "PUSPAGA Kabupaten Maros",
    "Dinas Sosial Kabupaten Maros": "Dinas Sosial Kabupaten Maros",
}


@transaction.atomic
def load_demo_directory(path: Path = DIRECTORY_CSV) -> int:
    """Create the sample institutions with their seeded service types; return how
    many rows the file has. Existing institutions (same name and region) keep their
    fields; missing service links and agency links are added, so running it again
    changes nothing.

    Columns: name, level (kabupaten/provinsi/nasional), province, regency,
    service_types (names separated by ";", mapped by ``SERVICE_NAME_CODES``),
    phone, notes. Regions are looked up by name in the seeded regions
    ("Sulawesi Selatan", "Maros" -> Kabupaten Maros). Institutions are linked to the
    demo agency of ``DEMO_AGENCY_NAMES`` when it has been loaded.

    Raises Region.DoesNotExist if a row names a region that is not seeded,
    ValueError naming the row for an unknown service name, and ValidationError for
    an invalid row (e.g. a phone number that cannot be normalised).
    """
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    service_types = {s.code: s for s in ServiceType.objects.all()}
    for line, row in enumerate(rows, start=2):
        level = row["level"].strip()
        region = None
        if level == ReferralInstitution.Level.PROVINCE:
            region = Region.objects.get(name=row["province"].strip(), level="province")
        elif level == ReferralInstitution.Level.REGENCY:
            region = Region.objects.get(
                name__iendswith=row["regency"].strip(),
                parent__name=row["province"].strip(),
            )
        name = row["name"].strip()
        institution = ReferralInstitution.objects.filter(
            name__iexact=name, region=region
        ).first()
        if institution is None:
            institution = ReferralInstitution(
                name=name,
                level=level,
                region=region,
                phone=row["phone"].strip(),
                notes=row["notes"].strip(),
            )
            institution.full_clean()
            institution.save()
        services = []
        for service_name in filter(
            None, (s.strip().lower() for s in row["service_types"].split(";"))
        ):
            if service_name not in SERVICE_NAME_CODES:
                raise ValueError(
                    f"{path.name} line {line}: unknown service {service_name!r}; "
                    f"known: {', '.join(sorted(SERVICE_NAME_CODES))}"
                )
            code = SERVICE_NAME_CODES[service_name]
            if code:
                services.append(service_types[code])
        linked = set(institution.services.values_list("pk", flat=True))
        missing = [s for s in services if s.pk not in linked]
        if missing:
            institution.services.add(*missing)
        if institution.agency_id is None and name in DEMO_AGENCY_NAMES:
            agency, _candidates = Agency.objects.resolve(
                DEMO_AGENCY_NAMES[name], region
            )
            if agency and agency.region_id == region.pk:
                institution.agency = agency
                institution.save(update_fields=["agency", "updated_at"])
    return len(rows)
