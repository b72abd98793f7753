import datetime
from zoneinfo import ZoneInfo

import pytest

from regions.models import Region
from regions.timezones import PROVINCE_ZONES, timezone_of
from tests.factories import ProvinceFactory, RegencyFactory


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("31.71", "Asia/Jakarta"),  # Kota Jakarta Pusat: WIB
        ("11", "Asia/Jakarta"),  # Aceh
        ("21.71", "Asia/Jakarta"),  # Kota Batam
        ("62.71", "Asia/Jakarta"),  # Kota Palangka Raya
        ("53.71", "Asia/Makassar"),  # Kota Kupang: WITA
        ("73.09.11.2001", "Asia/Makassar"),  # a village of Maros
        ("51.71", "Asia/Makassar"),  # Kota Denpasar
        ("65.01", "Asia/Makassar"),  # Malinau, Kalimantan Utara
        ("91.71", "Asia/Jayapura"),  # Kota Jayapura: WIT
        ("81.71", "Asia/Jayapura"),  # Kota Ambon
        ("96.71", "Asia/Jayapura"),  # Kota Sorong, Papua Barat Daya
    ],
)
def test_zone_by_province_code(code, zone):
    assert timezone_of(code) == ZoneInfo(zone)


def test_every_province_has_a_zone(db):
    provinces = set(Region.objects.provinces().values_list("code", flat=True))
    assert provinces <= set(PROVINCE_ZONES)


@pytest.mark.django_db
def test_zone_of_a_region_row():
    kupang = RegencyFactory(
        parent=ProvinceFactory(code="53", name="Nusa Tenggara Timur"),
        code="53.71",
        name="Kota Kupang",
        level=Region.Level.CITY,
    )
    assert timezone_of(kupang) == ZoneInfo("Asia/Makassar")


def test_unknown_province_falls_back_to_the_site_zone(settings):
    settings.TIME_ZONE = "Asia/Makassar"
    assert timezone_of("99.01") == ZoneInfo("Asia/Makassar")
    assert timezone_of(None) == ZoneInfo("Asia/Makassar")


def test_late_evening_in_jakarta_is_the_next_day_in_jayapura():
    late = datetime.datetime(2026, 12, 4, 23, 30, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert late.astimezone(timezone_of("31.71")).date() == datetime.date(2026, 12, 4)
    assert late.astimezone(timezone_of("53.71")).date() == datetime.date(2026, 12, 5)
    assert late.astimezone(timezone_of("91.71")).date() == datetime.date(2026, 12, 5)
