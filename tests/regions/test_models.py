import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from regions.models import Region

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
