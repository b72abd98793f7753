import datetime

import pytest
import tablib
from django.forms.models import model_to_dict

from referrals.models import ReferralInstitution, ServiceType, TargetGroup
from referrals.resources import ReferralInstitutionResource
from regions.models import Region
from tests.factories import (
    AgencyFactory,
    NationalInstitutionFactory,
    ProvincialInstitutionFactory,
    ReferralInstitutionFactory,
    TargetGroupFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def snapshot():
    """Every institution as a dict of its fields, keyed by name and region."""
    rows = {}
    for institution in ReferralInstitution.objects.all():
        data = model_to_dict(institution, exclude=["id"])
        data["services"] = sorted(s.code for s in institution.services.all())
        data["target_groups"] = sorted(t.code for t in institution.target_groups.all())
        rows[(institution.name, institution.region_id)] = data
    return rows


@pytest.fixture
def directory():
    maros = Region.objects.get(code="73.09")
    verifier = UserFactory(username="verifier")
    children = TargetGroupFactory(code="children", name="Anak")
    full = ReferralInstitutionFactory(
        name="UPTD PPA Kabupaten Maros",
        region=maros,
        address="Jl. Jenderal Sudirman, Maros",
        phone="+62411371234",
        phone_alt="129",
        whatsapp="+6281234567890",
        email="uptdppa@maroskab.go.id",
        website="https://maroskab.go.id",
        opening_hours="Senin–Jumat 08.00–16.00 WITA",
        focal_person="Kepala UPTD",
        eligibility="Anak dan perempuan korban kekerasan",
        requirements="KTP/KK bila ada",
        cost="Gratis",
        accessibility="Ramp di pintu masuk",
        languages="Bahasa Indonesia, Bugis, Makassar",
        notes="Catatan",
        agency=AgencyFactory(name="UPTD PPA Maros", region=maros),
        last_verified_on=datetime.date(2025, 1, 15),
        verified_by=verifier,
    )
    full.services.add(*ServiceType.objects.filter(code__in=["hotline", "legal-aid"]))
    full.target_groups.add(children)
    ProvincialInstitutionFactory(name="UPTD PPA Provinsi", is_active=False)
    NationalInstitutionFactory(name="SAPA 129", phone="129")


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_records(directory, file_format):
    before = snapshot()
    exported = ReferralInstitutionResource().export().export(file_format)
    ReferralInstitution.objects.all().delete()

    dataset = tablib.Dataset().load(exported, format=file_format)
    result = ReferralInstitutionResource().import_data(dataset, raise_errors=True)

    assert not result.has_validation_errors()
    assert snapshot() == before


def test_reimporting_an_unchanged_export_changes_nothing(directory):
    dataset = ReferralInstitutionResource().export()
    result = ReferralInstitutionResource().import_data(dataset)
    assert result.totals["skip"] == 3
    assert result.totals["new"] == result.totals["update"] == 0


def test_import_matches_existing_name_ignoring_case_and_spaces(directory):
    dataset = tablib.Dataset(
        ["uptd ppa  kabupaten maros", "kabupaten", "73.09", "0411-999 888"],
        headers=["name", "level", "region", "phone"],
    )
    result = ReferralInstitutionResource().import_data(dataset)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["update"] == 1
    assert ReferralInstitution.objects.count() == 3
    updated = ReferralInstitution.objects.get(region__code="73.09")
    assert updated.phone == "+62411999888"


@pytest.mark.parametrize(
    ("column", "value", "hint"),
    [
        ("level", "desa", "Kabupaten/Kota, Provinsi, Nasional"),
        ("region", "99.99", "73.09"),
        ("services", "hotline;astrology", "Bantuan hukum"),
        ("phone", "kantor", "129"),
        ("email", "bukan-email", ""),
    ],
)
def test_bad_values_are_reported_on_their_row_and_nothing_is_saved(column, value, hint):
    row = {
        "name": "Lembaga Baru",
        "level": "kabupaten",
        "region": "73.09",
        "services": "hotline",
        "phone": "",
        "email": "",
    }
    row[column] = value
    dataset = tablib.Dataset(list(row.values()), headers=list(row))
    result = ReferralInstitutionResource().import_data(dataset)
    assert result.has_validation_errors()
    invalid = result.invalid_rows[0]
    assert invalid.number == 1
    # Under the column's header, as the import page lists it.
    header = str(ReferralInstitutionResource().fields[column].column_name)
    assert header in invalid.field_specific_errors
    assert hint in " ".join(str(m) for m in invalid.field_specific_errors[header])
    assert not ReferralInstitution.objects.filter(name="Lembaga Baru").exists()


def test_target_groups_and_the_region_are_exported_by_name(directory):
    """Names, not codes (tests/referrals/test_directory_export.py has the
    rest of the columns)."""
    dataset = ReferralInstitutionResource().export()
    row = dict(
        zip(
            dataset.headers,
            dataset[dataset["Nama"].index("UPTD PPA Kabupaten Maros")],
            strict=True,
        )
    )
    assert row["Kelompok sasaran"] == "Anak"
    assert row["Wilayah"] == "Kabupaten Maros"
    assert row["Diverifikasi oleh"] == "verifier"
    assert TargetGroup.objects.filter(code="children").exists()
