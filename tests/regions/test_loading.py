import gzip
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from regions.loading import DEFAULT_PATH, RegionFileError, regions_load
from regions.models import Region
from tests.factories import TrainingFactory

pytestmark = pytest.mark.django_db

SAMPLE = """code,name
73,Sulawesi Selatan
73.09,Kabupaten Maros
73.09.11,Tompobulu
73.09.11.2001,Tompobulu
73.71,Kota Makassar
73.71.01,Mariso
73.71.01.1001,Bontorannu
"""


def load(text, **kwargs):
    return regions_load(io.StringIO(text), **kwargs)


def test_loads_every_level_with_parents_from_the_codes():
    result = load(SAMPLE)
    village = Region.objects.with_parents().get(code="73.09.11.2001")
    assert village.level == Region.Level.VILLAGE
    assert village.parent.code == "73.09.11"
    assert village.parent.parent.code == "73.09"
    assert Region.objects.get(code="73.71.01.1001").level == "urban_village"
    assert Region.objects.get(code="73.71").level == "city"
    assert result.total("created") == 5
    # The seeded 73 and 73.09 are reused, not duplicated.
    assert result.counts["province"]["unchanged"] == 1
    assert result.counts["regency"]["unchanged"] == 1
    assert Region.objects.count() == 7


def test_a_second_load_changes_nothing():
    load(SAMPLE)
    before = list(Region.objects.values_list("pk", "code", "name", "is_active"))
    result = load(SAMPLE)
    assert result.changed == 0
    assert result.total("unchanged") == 7
    assert list(Region.objects.values_list("pk", "code", "name", "is_active")) == before


def test_a_newer_decree_renames_and_deactivates_but_never_deletes():
    load(SAMPLE)
    training = TrainingFactory(region=Region.objects.get(code="73.71"))
    newer = SAMPLE.replace("73.09.11.2001,Tompobulu", "73.09.11.2001,Tompo Bulu")
    newer = "\n".join(line for line in newer.splitlines() if "73.71" not in line)
    result = load(newer)
    assert Region.objects.get(code="73.09.11.2001").name == "Tompo Bulu"
    assert Region.objects.get(code="73.09.11.2001").search_name == "tompo bulu"
    assert result.counts["village"]["renamed"] == 1
    makassar = Region.objects.get(code="73.71")
    assert not makassar.is_active
    assert result.total("deactivated") == 3
    training.refresh_from_db()
    assert training.region == makassar
    # The code comes back with a later decree: the same row, active again.
    result = load(SAMPLE)
    assert Region.objects.get(code="73.71").pk == makassar.pk
    assert Region.objects.get(code="73.71").is_active
    assert result.total("reactivated") == 3


def test_a_partial_file_can_leave_other_regions_alone():
    load(SAMPLE)
    load("73.09.11.2002,Benteng Gajah\n", deactivate_missing=False)
    assert Region.objects.filter(is_active=False).count() == 0
    assert Region.objects.get(code="73.09.11.2002").parent.code == "73.09.11"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("7309,Kabupaten Maros", "BPS"),
        ("73.9,X", "73.09.11.2001"),
        ("73.09.11.2003", "two columns"),
        ("73.09.11.2003,", "no name"),
        ("73.09.11,Tompobulu", "already on line 4"),
        ("73.10.01,X", "73.10"),
    ],
)
def test_a_bad_line_refuses_the_whole_file(line, expected):
    count = Region.objects.count()
    with translation.override("en"), pytest.raises(RegionFileError) as error:
        load(SAMPLE + line + "\n")
    assert expected in str(error.value)
    if "line" not in expected and "73.10" not in expected:
        assert "Line 9" in str(error.value)
    assert Region.objects.count() == count


def test_the_command_reports_a_refused_file(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_text(SAMPLE + "730911,Tompobulu\n", encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("load_regions", str(path), stdout=io.StringIO())
    assert "Line 9: 730911 looks like a BPS" in str(error.value)
    assert not Region.objects.filter(code="73.71").exists()


def test_the_command_loads_a_gzip_file(tmp_path):
    path = tmp_path / "regions.csv.gz"
    path.write_bytes(gzip.compress(SAMPLE.encode()))
    out = io.StringIO()
    call_command("load_regions", str(path), stdout=out)
    assert Region.objects.filter(code="73.71.01.1001").exists()
    assert "changed" in out.getvalue()


def test_the_shipped_file_loads_all_regions_once():
    """The full decree: counts per level, and a second load changes nothing."""
    result = regions_load(DEFAULT_PATH)
    counts = {
        level: Region.objects.filter(level__in=levels).count()
        for level, levels in {
            "province": ["province"],
            "regency/city": ["regency", "city"],
            "district": ["district"],
            "village": ["village", "urban_village"],
        }.items()
    }
    assert counts == {
        "province": 38,
        "regency/city": 514,
        "district": 7285,
        "village": 83762,
    }
    assert Region.objects.count() == 91599
    assert result.total("created") == 91599 - 2  # 73 and 73.09 were seeded
    assert regions_load(DEFAULT_PATH).changed == 0
