import io

import pytest
from django.core.management import call_command

from referrals.demo import SERVICE_NAME_CODES, load_demo_directory
from referrals.models import ReferralInstitution, ServiceType

pytestmark = pytest.mark.django_db


def test_loads_every_row_with_seeded_service_types():
    assert load_demo_directory() == 13
    assert ReferralInstitution.objects.count() == 13
    seeded = set(ServiceType.objects.values_list("code", flat=True))
    assert {c for c in SERVICE_NAME_CODES.values() if c} <= seeded
    assert ServiceType.objects.count() == 12  # no type made up from the CSV
    sapa = ReferralInstitution.objects.get(name="SAPA 129 Kementerian PPPA")
    assert sapa.phone == "129"
    assert sapa.level == ReferralInstitution.Level.NATIONAL
    assert {s.code for s in sapa.services.all()} == {"hotline"}


def test_running_again_changes_nothing():
    load_demo_directory()
    history_rows = ReferralInstitution.history.count()
    links = ReferralInstitution.services.through.objects.count()
    assert load_demo_directory() == 13
    assert ReferralInstitution.objects.count() == 13
    assert ReferralInstitution.services.through.objects.count() == links
    assert ReferralInstitution.history.count() == history_rows


def test_load_demo_links_institutions_to_the_trained_agencies():
    call_command("load_demo", stdout=io.StringIO())
    uptd = (
        ReferralInstitution.objects.with_trained_staff()
        .select_related("agency")
        .get(name="UPTD PPA Kabupaten Maros")
    )
    assert uptd.agency.name == "UPTD PPA Kabupaten Maros"
    assert uptd.trained_total > 0
    levels = set(
        ReferralInstitution.objects.serving(uptd.region).values_list("level", flat=True)
    )
    assert levels == {"kabupaten", "provinsi", "nasional"}
