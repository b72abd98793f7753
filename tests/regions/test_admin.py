import pytest
from django.urls import reverse

from regions.models import Region

pytestmark = pytest.mark.django_db

URL = reverse("admin:regions_region_changelist")


@pytest.mark.parametrize(
    ("term", "codes"),
    [
        ("kab maros", ["73.09"]),
        ("tompobulu", ["73.09.11", "73.04.10.2006", "73.09.11.2001"]),  # ranked
        ("73.09.11", ["73.09.11", "73.09.11.2001", "73.09.11.2002"]),
    ],
)
def test_admins_search_regions_as_the_pickers_do(
    admin_client, regions_sample, term, codes
):
    response = admin_client.get(URL, {"q": term})
    assert [r.code for r in response.context["cl"].result_list] == codes


def test_admin_filters_by_level_and_activity(admin_client, regions_sample):
    Region.objects.filter(code="73.71").update(is_active=False)
    response = admin_client.get(URL, {"level__exact": "city", "is_active__exact": "0"})
    assert [r.code for r in response.context["cl"].result_list] == ["73.71"]


def test_the_seeded_regions_are_searchable_after_migrating():
    assert Region.objects.get(code="73.09").search_name == "maros"
    assert Region.objects.get(code="73").search_name == "sulawesi selatan"
