import pytest

from regions.models import (
    PROVINCE_ALIASES,
    Region,
    normalise_search_text,
    search_name_of,
)

pytestmark = pytest.mark.django_db


def codes(text, queryset=None):
    queryset = queryset if queryset is not None else Region.objects.all()
    return list(queryset.search(text).values_list("code", flat=True))


def test_normalised_text_ignores_case_accents_spaces_and_punctuation():
    assert normalise_search_text("  Kab.  MARÓS-") == "kab maros"
    assert search_name_of("Kabupaten Maros", "regency") == "maros"
    assert search_name_of("Kota Administrasi Jakarta Pusat", "city") == "jakarta pusat"
    # Only regency and city names lose their first word.
    assert search_name_of("Kota Baru", "village") == "kota baru"


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("maros", "73.09"),
        ("MAROS", "73.09"),
        ("kab maros", "73.09"),
        ("Kab. Maros", "73.09"),
        ("kabupaten maros", "73.09"),
        ("kota makassar", "73.71"),
        ("makassar", "73.71"),
        ("tompobulu", "73.09.11"),
        ("kec tompobulu", "73.09.11"),
        ("kupang", "53.71"),
        ("sulawesi sel", "73"),
    ],
)
def test_search_finds_the_best_match_first(regions_sample, text, first):
    assert codes(text)[0] == first


def test_search_orders_exact_names_then_higher_levels(regions_sample):
    assert codes("tompobulu") == ["73.09.11", "73.04.10.2006", "73.09.11.2001"]


def test_a_level_word_narrows_the_level(regions_sample):
    assert codes("kec tompobulu") == ["73.09.11"]
    assert codes("kota kupang") == ["53.71"]
    assert codes("kel alak") == ["53.71.01.1008"]


def test_a_level_word_can_also_be_part_of_a_name(regions_sample):
    kota_baru = Region.objects.create(
        code="73.09.11.2099",
        name="Kota Baru",
        level="village",
        parent=regions_sample["73.09.11"],
    )
    assert codes("kota baru") == [kota_baru.code]


def test_search_matches_the_start_of_names_only(regions_sample):
    assert codes("ompobulu") == []
    assert codes("") == []
    assert codes(" .. ") == []


def test_search_composes_with_levels_and_active(regions_sample):
    Region.objects.filter(code="73.04.10.2006").update(is_active=False)
    villages = Region.objects.active().at_levels("village", "urban_village")
    assert codes("tompobulu", villages) == ["73.09.11.2001"]


def test_queryset_levels(regions_sample):
    assert set(Region.objects.provinces().values_list("code", flat=True)) == {
        "53",
        "73",
    }
    assert list(Region.objects.regencies().values_list("code", flat=True)) == [
        "53.71",
        "73.04",
        "73.09",
        "73.71",
    ]


@pytest.fixture
def kupang(regions_sample):
    """Manulai I (a desa of Kabupaten Kupang) and Manulai II (a kelurahan of Kota
    Kupang), as in the decree; Kupang Barat is their only district here."""
    ntt = regions_sample["53"]
    kab = Region.objects.create(
        code="53.01", name="Kabupaten Kupang", level="regency", parent=ntt
    )
    district = Region.objects.create(
        code="53.01.05", name="Kupang Barat", level="district", parent=kab
    )
    Region.objects.create(
        code="53.01.05.2003", name="Manulai I", level="village", parent=district
    )
    Region.objects.create(
        code="53.71.01.1010",
        name="Manulai II",
        level="urban_village",
        parent=regions_sample["53.71.01"],
    )
    return regions_sample


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("ntt", "53"),
        ("NTT", "53"),
        ("sulsel", "73"),
        ("Sul-Sel", "73"),
    ],
)
def test_a_province_short_name_finds_the_province(regions_sample, text, province):
    assert codes(text) == [province]


def test_every_short_name_is_a_province_of_the_decree():
    # Codes of the decree's 38 provinces (regions/data), not of BPS.
    provinces = {
        *[
            "11",
            "12",
            "13",
            "14",
            "15",
            "16",
            "17",
            "18",
            "19",
            "21",
            "31",
            "32",
            "33",
            "34",
            "35",
            "36",
            "51",
            "52",
            "53",
        ],
        *[
            "61",
            "62",
            "63",
            "64",
            "65",
            "71",
            "72",
            "73",
            "74",
            "75",
            "76",
            "81",
            "82",
            "91",
            "92",
            "93",
            "94",
            "95",
            "96",
        ],
    }
    assert set(PROVINCE_ALIASES.values()) <= provinces
    for short in [
        "ntt",
        "ntb",
        "sulsel",
        "sulbar",
        "sulteng",
        "sultra",
        "sulut",
        "kalbar",
        "kalteng",
        "kalsel",
        "kaltim",
        "kaltara",
        "sumut",
        "sumbar",
        "sumsel",
        "jabar",
        "jateng",
        "jatim",
        "diy",
        "dki",
        "babel",
        "kepri",
        "malut",
        "pabar",
    ]:
        assert short in PROVINCE_ALIASES
        assert normalise_search_text(short) == short


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("tompobulu maros", ["73.09.11", "73.09.11.2001"]),
        ("tompobulu jeneponto", ["73.04.10.2006"]),
        ("tompobulu kab maros", ["73.09.11", "73.09.11.2001"]),
        ("kec tompobulu maros", ["73.09.11"]),
        ("tompobulu sulsel", ["73.09.11", "73.04.10.2006", "73.09.11.2001"]),
        ("tompobulu rumbia jeneponto", ["73.04.10.2006"]),
        ("tompobulu maros sulsel", ["73.09.11", "73.09.11.2001"]),
        ("manulai kupang", ["53.01.05.2003", "53.71.01.1010"]),
        ("manulai kota kupang", ["53.71.01.1010"]),
        ("manulai ntt", ["53.01.05.2003", "53.71.01.1010"]),
        ("tompobulu makassar", []),
        ("alak kupang", ["53.71.01", "53.71.01.1008"]),
    ],
)
def test_words_after_the_name_narrow_to_a_place_above(kupang, text, found):
    assert codes(text) == found


def test_regions_near_the_given_place_come_first(kupang):
    assert codes("manulai") == ["53.01.05.2003", "53.71.01.1010"]
    near_kota = Region.objects.search("manulai", near="53.71")
    assert list(near_kota.values_list("code", flat=True)) == [
        "53.71.01.1010",
        "53.01.05.2003",
    ]
    # Then the province of the place: Jeneponto's Tompobulu before none.
    near_maros = Region.objects.search("tompobulu", near="73.09", limit=5)
    assert list(near_maros.values_list("code", flat=True)) == [
        "73.09.11",
        "73.09.11.2001",
        "73.04.10.2006",
    ]
    assert list(
        Region.objects.search("tompobulu", near="73.04").values_list("code", flat=True)
    ) == ["73.04.10.2006", "73.09.11", "73.09.11.2001"]


@pytest.mark.parametrize("near", ["", "x", "73.09\n", "7309", "73.09'--"])
def test_a_near_that_is_not_a_code_is_ignored(regions_sample, near):
    found = Region.objects.search("tompobulu", near=near)
    assert list(found.values_list("code", flat=True)) == codes("tompobulu")


def test_search_pages_with_offset(regions_sample):
    every = codes("tompobulu")
    pages = [
        list(
            Region.objects.search("tompobulu", limit=2, offset=offset).values_list(
                "code", flat=True
            )
        )
        for offset in (0, 2, 4)
    ]
    assert pages == [every[:2], every[2:], []]
