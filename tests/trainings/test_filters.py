import pytest

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
    listed = TrainingFilterSet({"region": region.pk}, queryset=Training.objects.all())
    report = ReportFilterSet(
        {"region": region.pk}, queryset=Enrolment.objects.participants()
    )
    assert listed.is_valid() and report.is_valid()
    in_report = {enrolment.training for enrolment in report.qs}
    assert set(listed.qs) == in_report
    expected = {"73": 3, "73.09": 1, "76": 2, "76.01": 1}[code]
    assert len(in_report) == expected
