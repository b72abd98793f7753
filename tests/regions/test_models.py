import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import translation

from regions.models import (
    Region,
    level_of_code,
    parent_code,
    regency_code,
    within_q,
)

pytestmark = pytest.mark.django_db


def test_programme_regions_are_seeded():
    maros = Region.objects.get(code="73.09")
    assert maros.name == "Kabupaten Maros"
    assert maros.parent.code == "73"
    assert maros.parent.name == "Sulawesi Selatan"


@pytest.mark.parametrize(
    ("code", "level", "has_parent"),
    [
        ("7309", "regency", True),  # no dot
        ("73.09", "province", False),  # regency code at province level
        ("74", "province", True),  # province with a parent
        ("73.10", "city", False),  # city without a province
    ],
)
def test_code_must_match_level(code, level, has_parent):
    parent = Region.objects.get(code="73") if has_parent else None
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code=code, name="X", level=level, parent=parent)


def test_regency_code_starts_with_its_province_code():
    region = Region(
        code="74.01", name="X", level="regency", parent=Region.objects.get(code="73")
    )
    with pytest.raises(ValidationError) as error:
        region.full_clean()
    assert "code" in error.value.message_dict


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("73", "province"),
        ("73.09", "regency"),
        ("73.71", "city"),
        ("73.09.11", "district"),
        ("73.09.11.2001", "village"),
        ("91.03.01.3007", "village"),  # desa adat
        ("73.71.01.1001", "urban_village"),
    ],
)
def test_level_of_code(code, level):
    assert level_of_code(code) == level


@pytest.mark.parametrize("code", ["7308", "730911", "7309112001"])
def test_a_bps_code_is_refused_with_its_own_message(code):
    with pytest.raises(ValidationError) as error, translation.override("en"):
        level_of_code(code)
    assert error.value.code == "bps_code"
    with translation.override("en"):
        message = " ".join(error.value.messages)
    assert "BPS" in message and code in message and "73.09" in message


@pytest.mark.parametrize("code", ["", "7", "73.9", "73.70", "73.09.1", "73.09.11.0001"])
def test_a_bad_code_names_the_expected_shape(code):
    with pytest.raises(ValidationError) as error:
        level_of_code(code)
    assert error.value.code == "bad_code"
    with translation.override("en"):
        assert "73.09.11.2001" in " ".join(error.value.messages)


def test_parent_code():
    assert parent_code("73.09.11.2001") == "73.09.11"
    assert parent_code("73.09") == "73"
    assert parent_code("73") is None


def test_regency_code():
    assert regency_code("73.09.11.2001") == "73.09"
    assert regency_code("73.09.11") == "73.09"
    assert regency_code("73.71") == "73.71"
    assert regency_code("73") == "73"


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("73.09.99", "village", "73.09"),  # district code at village level
        ("73.09.99", "district", None),  # no parent
        ("73.09.99.1001", "village", "73.09"),  # kelurahan code as desa
        ("73.71", "regency", "73"),  # city code as regency
    ],
)
def test_the_database_checks_four_levels(code, level, parent):
    parent = Region.objects.get(code=parent) if parent else None
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code=code, name="X", level=level, parent=parent)


def test_clean_names_a_bps_code_and_the_parent_code():
    maros = Region.objects.get(code="73.09")
    with pytest.raises(ValidationError) as error, translation.override("en"):
        Region(code="730901", name="X", level="district", parent=maros).full_clean()
    with translation.override("en"):
        assert "BPS" in str(error.value.message_dict["code"])
    with pytest.raises(ValidationError) as error:
        Region(code="73.10.01", name="X", level="district", parent=maros).full_clean()
    assert "code" in error.value.message_dict


class TestLabel:
    def test_labels_name_the_parents(self, regions_sample):
        labels = {
            code: Region.objects.with_parents().get(code=code).label
            for code in ["73", "73.09", "73.71", "73.09.11", "73.09.11.2001"]
        }
        assert labels == {
            "73": "Prov. Sulawesi Selatan",
            "73.09": "Kabupaten Maros, Sulawesi Selatan",
            "73.71": "Kota Makassar, Sulawesi Selatan",
            "73.09.11": "Kec. Tompobulu, Kab. Maros",
            "73.09.11.2001": "Tompobulu, Kec. Tompobulu, Kab. Maros",
        }
        assert str(Region.objects.get(code="73.09")) == "Kabupaten Maros"

    def test_with_parents_builds_labels_without_queries(
        self, regions_sample, django_assert_num_queries
    ):
        with django_assert_num_queries(1):
            labels = [r.label for r in Region.objects.with_parents()]
        assert "Alak, Kec. Alak, Kota Kupang" in labels


class TestWithinQ:
    def test_a_province_includes_every_level_below_it(self, regions_sample):
        below = Region.objects.filter(within_q(regions_sample["73"], "parent"))
        assert set(below.values_list("code", flat=True)) == {
            code for code in regions_sample if code.startswith("73.")
        }

    def test_a_district_includes_its_villages_not_its_namesakes(self, regions_sample):
        below = Region.objects.filter(within_q(regions_sample["73.09.11"], "parent"))
        assert set(below.values_list("code", flat=True)) == {
            "73.09.11.2001",
            "73.09.11.2002",
        }

    def test_the_region_itself_is_included(self, regions_sample):
        maros = regions_sample["73.09"]
        district = Region.objects.filter(within_q(maros, "parent")).first()
        assert district.parent == maros

    def test_reads_the_regions_code_without_a_query(
        self, regions_sample, django_assert_num_queries
    ):
        maros = regions_sample["73.09"]
        with django_assert_num_queries(0):
            q = within_q(maros, "parent")
        assert q == Q(parent=maros) | Q(parent__code__startswith="73.09.")
