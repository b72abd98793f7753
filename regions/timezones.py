"""The time zone of a region: Indonesia's three zones, by province.

Indonesia keeps three time zones (Keputusan Presiden No. 41 Tahun 1987 on the
division of the Republic of Indonesia into three time zones):

- WIB, Waktu Indonesia Barat, UTC+7 (``Asia/Jakarta``): Sumatra, the Riau and
  Bangka Belitung islands, Java, West and Central Kalimantan;
- WITA, Waktu Indonesia Tengah, UTC+8 (``Asia/Makassar``): Bali, Nusa Tenggara,
  South, East and North Kalimantan, Sulawesi;
- WIT, Waktu Indonesia Timur, UTC+9 (``Asia/Jayapura``): Maluku and Papua.

Provinces are named by their Kemendagri codes (Kepmendagri No. 300.2.2-2138
Tahun 2025, see ``regions/data/SOURCE.md``), the first part of every region's
code, so a regency, district or village has its province's zone. No province is
split between two zones.
"""

from zoneinfo import ZoneInfo

from django.conf import settings

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")

#: Province code (two digits) -> its time zone.
PROVINCE_ZONES: dict[str, ZoneInfo] = {
    # Aceh .. Kepulauan Bangka Belitung (11-19), Kepulauan Riau (21), DKI Jakarta
    # .. Banten (31-36), Kalimantan Barat (61), Kalimantan Tengah (62).
    **dict.fromkeys((*map(str, range(11, 20)), "21"), WIB),
    **{str(code): WIB for code in range(31, 37)},
    "61": WIB,
    "62": WIB,
    # Bali (51), NTB (52), NTT (53), Kalimantan Selatan, Timur, Utara (63-65),
    # Sulawesi Utara .. Sulawesi Barat (71-76).
    **dict.fromkeys(("51", "52", "53", "63", "64", "65"), WITA),
    **{str(code): WITA for code in range(71, 77)},
    # Maluku (81), Maluku Utara (82), Papua and the provinces formed from it in
    # 2022 (91-96).
    "81": WIT,
    "82": WIT,
    **{str(code): WIT for code in range(91, 97)},
}


def timezone_of(region) -> ZoneInfo:
    """The time zone of ``region`` (a ``regions.models.Region`` at any level, or
    its Kemendagri code as text), from its province's code: ``timezone_of("53.71")``
    (Kota Kupang) is ``Asia/Makassar``.

    A code whose province is not in ``PROVINCE_ZONES`` (or no region) falls back to
    the site's ``settings.TIME_ZONE``; it never raises for a well-formed region.
    """
    code = region if isinstance(region, str) else getattr(region, "code", "") or ""
    province = code.strip().split(".", 1)[0]
    return PROVINCE_ZONES.get(province) or ZoneInfo(settings.TIME_ZONE)
