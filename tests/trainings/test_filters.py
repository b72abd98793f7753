import pytest
from django.urls import reverse
from django.utils import translation

from regions.models import Region
from tests.factories import (
    EnrolmentFactory,
    ProvinceFactory,
    RegencyFactory,
    TrainingFactory,
)
from trainings.filters import ReportFilterSet, TrainingFilterSet
from trainings.models import Enrolment, Training

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["73", "73.09", "76", "76.01"])
def test_list_and_report_filters_agree_on_what_a_region_includes(code):
    """A province includes its regencies and cities, a regency only itself, in
    the training list and in the report alike."""
    sulsel = Region.objects.get(code="73")
    sulbar = ProvinceFactory(code="76", name="Sulawesi Barat")
    regions = [
        sulsel,
        Region.objects.get(code="73.09"),
        RegencyFactory(parent=sulsel),
        sulbar,
        RegencyFactory(parent=sulbar, code="76.01"),
    ]
    for region in regions:
        EnrolmentFactory(training=TrainingFactory(region=region))
    region = Region.objects.get(code=code)
    listed = TrainingFilterSet({"region": region.code}, queryset=Training.objects.all())
    report = ReportFilterSet(
        {"region": region.code}, queryset=Enrolment.objects.participants()
    )
    assert listed.is_valid() and report.is_valid()
    in_report = {enrolment.training for enrolment in report.qs}
    assert set(listed.qs) == in_report
    expected = {"73": 3, "73.09": 1, "76": 2, "76.01": 1}[code]
    assert len(in_report) == expected


@pytest.mark.parametrize(
    "value", ["\u00b2", "\u2460", "\u0663", "1" * 20, "12\u00b2", "\u00b2\u00b2\u00b2"]
)
def test_training_filter_takes_ascii_digits_only(value):
    """str.isdigit() is true for "²", "①" and "٣"; int() refuses the first two and
    a 20-digit id overflows the database: all are read as part of a title."""
    EnrolmentFactory(training=TrainingFactory(title="Pelatihan 3"))
    found = ReportFilterSet(
        {"training": value}, queryset=Enrolment.objects.participants()
    )
    assert found.is_valid()
    assert list(found.qs) == []  # a title search, not training number 3


@pytest.mark.parametrize("name", ["trainings:report", "trainings:report_trainings"])
@pytest.mark.parametrize(
    "value", ["\u00b2", "\u2460", "\u0663", "1" * 20, "\x00", "a\x00b"]
)
def test_report_pages_answer_odd_training_values_without_an_error(
    staff_client, name, value
):
    response = staff_client.get(reverse(name), {"training": value})
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("value", ["\u00b2", "\u2460", "1" * 20, "\x00"])
def test_report_export_refuses_or_starts_without_an_error(coordinator_client, value):
    response = coordinator_client.post(
        reverse("trainings:report_export", args=["xlsx"]) + "?training=" + value
    )
    assert response.status_code in (200, 302, 400)


@pytest.mark.parametrize("value", ["2107", "21x", "\u00b2", "73.09.99", "1" * 20])
def test_region_filter_refuses_what_is_not_a_region_code(
    regions_sample, staff_client, value
):
    """Links carry the region's code; an old link with a database number gets
    the filter's message (400), never a 500."""
    for name in ("trainings:report", "trainings:list"):
        response = staff_client.get(reverse(name), {"region": value})
        assert response.status_code in (200, 400)
    assert response.status_code == 200  # the list shows the form's error
    errors = response.context["filter"].form.errors.as_data()["region"]
    assert errors[0].code == "invalid_choice"
    report = ReportFilterSet({"region": value}, queryset=Enrolment.objects.all())
    with translation.override("en"):
        message = report.form.errors["region"][0]
    if value == "73.09.99":  # a code's shape, no such region
        assert "valid choice" in message
    else:
        assert f"{value[:20]} is not a region code" in message


def test_region_filter_takes_a_code(regions_sample):
    found = ReportFilterSet(
        {"region": "73.09"}, queryset=Enrolment.objects.participants()
    )
    assert found.is_valid()
    assert found.form.cleaned_data["region"].code == "73.09"
