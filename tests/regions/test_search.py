import pytest

from regions.models import Region, normalise_search_text, search_name_of

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
