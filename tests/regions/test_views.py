import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regions.forms import RegionField
from regions.models import VILLAGE_LEVELS, Region
from regions.widgets import RegionSelect

pytestmark = pytest.mark.django_db

URL = reverse("regions:autocomplete")


def test_the_picker_answers_labels_best_first(staff_client, regions_sample):
    response = staff_client.get(URL, {"q": "tompobulu"})
    results = response.json()["results"]
    assert [r["text"] for r in results] == [
        "Kec. Tompobulu, Kab. Maros",
        "Tompobulu, Kec. Rumbia, Kab. Jeneponto",
        "Tompobulu, Kec. Tompobulu, Kab. Maros",
    ]
    assert results[0]["id"] == regions_sample["73.09.11"].pk
    assert response.json()["pagination"] == {"more": False}


def test_the_picker_restricts_levels_and_hides_inactive(staff_client, regions_sample):
    Region.objects.filter(code="73.04.10.2006").update(is_active=False)
    response = staff_client.get(
        URL, {"q": "tompobulu", "levels": "village,urban_village,nonsense"}
    )
    assert [r["id"] for r in response.json()["results"]] == [
        regions_sample["73.09.11.2001"].pk
    ]


def test_the_picker_query_count_is_fixed(staff_client, regions_sample):
    staff_client.get(URL, {"q": "x"})  # the session is warm
    with CaptureQueriesContext(connection) as few_queries:
        few = staff_client.get(URL, {"q": "tompobulu"})
    regency = regions_sample["73.09"]
    for n in range(30):
        district = Region.objects.create(
            code=f"73.09.{n + 20}", name=f"Tompo {n}", level="district", parent=regency
        )
        Region.objects.create(
            code=f"{district.code}.2001",
            name=f"Tompo {n}",
            level="village",
            parent=district,
        )
    with CaptureQueriesContext(connection) as many_queries:
        many = staff_client.get(URL, {"q": "tompo"})
    assert len(few.json()["results"]) == 3
    assert len(many.json()["results"]) == 20
    assert many.json()["pagination"] == {"more": True}
    assert len(many_queries) == len(few_queries)
    region_queries = [q for q in many_queries if "regions_region" in q["sql"]]
    assert len(region_queries) == 1


def test_the_picker_needs_a_login(client):
    response = client.get(URL, {"q": "maros"})
    assert response.status_code == 302


def test_an_empty_query_finds_nothing(staff_client, regions_sample):
    assert staff_client.get(URL).json()["results"] == []


def _tompo_regions(regions_sample, count):
    """``count`` villages named "Tompo <n>" in Maros, one district each."""
    regency = regions_sample["73.09"]
    for n in range(count):
        district = Region.objects.create(
            code=f"73.09.{n + 20}",
            name=f"Tompo {n:02}",
            level="district",
            parent=regency,
        )
        Region.objects.create(
            code=f"{district.code}.2001",
            name=f"Tompo {n:02}",
            level="village",
            parent=district,
        )


def test_the_picker_pages_through_the_results(staff_client, regions_sample):
    _tompo_regions(regions_sample, 15)  # 30 regions named "Tompo ..", 33 "tompo"
    pages = [
        staff_client.get(URL, {"q": "tompo", "page": page}).json() for page in (1, 2, 3)
    ]
    ids = [[r["id"] for r in page["results"]] for page in pages]
    assert [len(page) for page in ids] == [20, 13, 0]
    assert not set(ids[0]) & set(ids[1])
    assert [page["pagination"]["more"] for page in pages] == [True, False, False]
    every = Region.objects.active().search("tompo").values_list("pk", flat=True)
    assert ids[0] + ids[1] == list(every)


@pytest.mark.parametrize(
    "page", ["", "0", "-1", "abc", "\u00b2", "\u2460", "\u0663", "1" * 20, "\x00"]
)
def test_a_page_that_is_not_a_small_number_is_the_first(
    staff_client, regions_sample, page
):
    page = page.encode().decode("unicode_escape")
    first = staff_client.get(URL, {"q": "tompobulu"}).json()
    response = staff_client.get(URL, {"q": "tompobulu", "page": page})
    if page == "\x00":  # refused before any view (setara.middleware.QueryGuard...)
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert response.json() == first


def test_the_picker_stops_offering_more_after_the_last_page(
    staff_client, regions_sample
):
    from regions.views import AUTOCOMPLETE_MAX_PAGE

    response = staff_client.get(URL, {"q": "tompo", "page": AUTOCOMPLETE_MAX_PAGE + 5})
    assert response.json()["pagination"] == {"more": False}


def test_the_picker_lists_regions_near_the_given_place_first(
    staff_client, regions_sample
):
    texts = [
        r["text"]
        for r in staff_client.get(URL, {"q": "tompobulu", "near": "73.04"}).json()[
            "results"
        ]
    ]
    assert texts[0] == "Tompobulu, Kec. Rumbia, Kab. Jeneponto"


def test_the_picker_answers_codes_when_asked(staff_client, regions_sample):
    response = staff_client.get(URL, {"q": "maros", "ids": "code"})
    assert response.json()["results"][0] == {
        "id": "73.09",
        "text": "Kabupaten Maros, Sulawesi Selatan",
    }


class TestRegionField:
    def test_validates_a_primary_key_in_one_query(
        self, regions_sample, django_assert_num_queries
    ):
        field = RegionField(levels=VILLAGE_LEVELS)
        village = regions_sample["73.09.11.2001"]
        with django_assert_num_queries(1):
            assert field.clean(str(village.pk)) == village

    def test_refuses_a_region_at_another_level(self, regions_sample):
        from django.core.exceptions import ValidationError

        field = RegionField(levels=VILLAGE_LEVELS)
        with pytest.raises(ValidationError):
            field.clean(str(regions_sample["73.09.11"].pk))

    def test_the_widget_shows_the_chosen_label_and_the_levels(
        self, regions_sample, django_assert_num_queries
    ):
        field = RegionField(levels=VILLAGE_LEVELS)
        village = regions_sample["73.09.11.2001"]
        with django_assert_num_queries(1):
            html = field.widget.render("village", village.pk)
        assert "Tompobulu, Kec. Tompobulu, Kab. Maros" in html
        assert f"{URL}?levels=village,urban_village" in html
        assert html.count("<option") == 2  # the empty choice and the chosen one

    def test_the_widget_by_code_renders_codes_and_asks_for_codes(
        self, regions_sample, django_assert_num_queries
    ):
        widget = RegionSelect(by_code=True, near="73.09")
        with django_assert_num_queries(1):
            html = widget.render("region", "73.09")
        assert '<option value="73.09" selected>' in html
        assert f"{URL}?near=73.09&amp;ids=code" in html

    @pytest.mark.parametrize("value", ["\u00b2", "\u2460", "abc", "1" * 30, "\x00"])
    def test_the_widget_shows_a_value_that_is_no_region_as_none(
        self, regions_sample, django_assert_num_queries, value
    ):
        value = value.encode().decode("unicode_escape")
        for widget in (RegionSelect(), RegionSelect(by_code=True)):
            with django_assert_num_queries(0):
                html = widget.render("region", value)
            assert html.count("<option") == 1

    def test_near_to_takes_the_regency_of_a_region(self, regions_sample):
        widget = RegionSelect()
        widget.near_to(regions_sample["73.09.11.2001"])
        assert widget.near == "73.09"
        widget.near_to(regions_sample["73"])
        assert widget.near == "73"
        widget.near_to(None)
        assert widget.near == "73"

    def test_the_widget_works_with_any_region_queryset(self, regions_sample):
        from django import forms

        class Filter(forms.Form):
            region = forms.ModelChoiceField(
                queryset=Region.objects.all(), widget=RegionSelect(), required=False
            )

        form = Filter({"region": regions_sample["73.71"].pk})
        assert form.is_valid()
        assert "Kota Makassar, Sulawesi Selatan" in str(form["region"])
        media = str(form.media)
        assert media.index("jquery.js") < media.index("select2.full.js")
        assert media.index("select2.full.js") < media.index("jquery.init.js")


class TestLookupPage:
    def test_shows_the_region_and_what_lies_below(
        self, staff_client, regions_sample, django_assert_max_num_queries
    ):
        maros = regions_sample["73.09"]
        with django_assert_max_num_queries(12):
            response = staff_client.get(reverse("regions:lookup"), {"region": maros.pk})
        assert response.status_code == 200
        assert response.context["region"] == maros
        assert (
            dict(response.context["below"])
            == {"District": 2, "Village (desa)": 2, "Urban village (kelurahan)": 1}
            or len(response.context["below"]) == 3
        )

    def test_without_a_region(self, staff_client):
        response = staff_client.get(reverse("regions:lookup"))
        assert response.status_code == 200
        assert response.context["region"] is None
