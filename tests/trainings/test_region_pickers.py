"""Where a training was held: the region picker on the training form and in the
admin (venue levels only, the chosen region the only option), and a changelist
filter offering only the regions trainings were held in."""

import re

import pytest
from django.urls import reverse

from regions.models import Region
from tests.factories import TrainingFactory
from trainings.forms import TrainingForm

pytestmark = pytest.mark.django_db


def test_training_admin_region_is_the_picker(regions_sample, admin_client):
    training = TrainingFactory(region=Region.objects.get(code="73.09.11.2001"))
    url = reverse("admin:trainings_training_change", args=[training.pk])
    content = admin_client.get(url).content.decode()
    [select] = re.findall(r'<select name="region".*?</select>', content, re.S)
    assert select.count("<option") <= 2
    assert f'value="{training.region.pk}" selected' in select
    assert "Tompobulu, Kec. Tompobulu, Kab. Maros" in select


def test_changelist_filter_offers_only_regions_in_use(regions_sample, admin_client):
    TrainingFactory(region=Region.objects.get(code="53.71"))
    content = admin_client.get(
        reverse("admin:trainings_training_changelist")
    ).content.decode()
    assert "Kota Kupang" in content
    assert "Kabupaten Jeneponto" not in content


def _form(region):
    return TrainingForm(
        {
            "title": "Pelatihan di Kupang",
            "start_date": "2025-03-04",
            "end_date": "2025-03-05",
            "region": region.pk,
            "organiser": "Yayasan BaKTI",
        }
    )


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("53.71", True),
        ("53.71.01", True),
        ("53.71.01.1001", True),
        ("73.09", True),
        ("53", False),
    ],
)
def test_training_form_takes_a_regency_city_district_or_village(
    regions_sample, code, ok
):
    form = _form(Region.objects.get(code=code))
    assert form.is_valid() == ok, form.errors
    if not ok:
        assert list(form.errors) == ["region"]


def test_new_training_page_renders_no_region_options(regions_sample, staff_client):
    content = staff_client.get(reverse("trainings:create")).content.decode()
    [select] = re.findall(r'<select name="region".*?</select>', content, re.S)
    assert select.count("<option") <= 1
    assert "autocomplete_light" in content  # the picker's scripts, not inline


def test_the_village_picker_lists_the_trainings_regency_first(
    regions_sample, staff_client
):
    """On a Kota Kupang training, the new participant's village picker asks the
    search for the villages of Kota Kupang first (``near``)."""
    training = TrainingFactory(region=Region.objects.get(code="53.71.01"))
    enrol = reverse("trainings:enrol", args=[training.pk])
    content = staff_client.get(enrol).content.decode()
    [select] = re.findall(r'<select name="village_region".*?</select>', content, re.S)
    assert "near=53.71" in select
    url = re.search(r'data-autocomplete-light-url="([^"]+)"', select)[1]
    Region.objects.create(
        code="53.71.01.1010",
        name="Manulai II",
        level="urban_village",
        parent=Region.objects.get(code="53.71.01"),
    )
    regency = Region.objects.create(
        code="53.01",
        name="Kabupaten Kupang",
        level="regency",
        parent=Region.objects.get(code="53"),
    )
    district = Region.objects.create(
        code="53.01.05", name="Kupang Barat", level="district", parent=regency
    )
    Region.objects.create(
        code="53.01.05.2003", name="Manulai I", level="village", parent=district
    )
    found = staff_client.get(url.replace("&amp;", "&") + "&q=manulai").json()
    assert [r["text"] for r in found["results"]] == [
        "Manulai II, Kec. Alak, Kota Kupang",
        "Manulai I, Kec. Kupang Barat, Kab. Kupang",
    ]
