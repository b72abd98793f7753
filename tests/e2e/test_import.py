"""A programme officer imports the Maros sign-in sheet in the browser."""

import datetime
from pathlib import Path

import pytest

from participants.models import Agency, AgencyAlias
from regions.models import Region
from setara import roles
from tests.factories import TrainingFactory, UserFactory
from trainings.models import Attendance

pytestmark = pytest.mark.django_db(transaction=True)

MAROS = (
    Path(__file__).parent.parent
    / "participants"
    / "data"
    / "maros-ocsea-2023-daftar-hadir.xlsx"
)


def test_officer_imports_the_maros_sheet_upload_preview_confirm(page, login):
    region = Region.objects.get(code="73.09")
    training = TrainingFactory(
        region=region,
        start_date=datetime.date(2023, 10, 18),
        end_date=datetime.date(2023, 10, 20),
    )
    dp3a = Agency.objects.create(
        name="Dinas Pemberdayaan Perempuan dan Perlindungan Anak Kabupaten Maros",
        short_name="DP3A Maros",
        region=region,
    )
    UserFactory(username="officer", role=roles.PROGRAMME_STAFF)
    login("officer")

    page.goto(training.get_absolute_url())
    page.click("#import-participants")
    page.set_input_files("input[type=file]", str(MAROS))
    page.locator("main form button[type=submit]").click()

    # The preview: nothing written yet; 19 / 4 / 15, day 2 = 18.
    page.wait_for_selector("#import-summary")
    assert page.locator("[data-stat=total]").inner_text() == "19"
    assert page.locator("[data-stat=male]").inner_text() == "4"
    assert page.locator("[data-stat=female]").inner_text() == "15"
    assert page.locator("[data-stat=day-2]").inner_text() == "18"
    assert training.enrolments.count() == 0

    # Both spellings of DP3A in the sheet mean the existing agency.
    for name in (
        "DP3A Kab. Maros",
        "Dinas Pemberdayaan Perempuan dan Perlindungan Anak Kab. Maros",
    ):
        page.get_by_label(name, exact=True).select_option(str(dp3a.pk))
    page.click("button[name=refresh]")
    page.wait_for_selector("#import-summary")
    page.click("button[name=confirm]")

    # Back on the training page, counted from the database.
    page.wait_for_url(f"**{training.get_absolute_url()}")
    assert page.locator("[data-stat=total]").inner_text() == "19"
    assert page.locator("[data-stat=male]").inner_text() == "4"
    assert page.locator("[data-stat=female]").inner_text() == "15"
    day_two = page.locator("tr[data-day='2'] [data-stat=day-total]")
    assert day_two.inner_text() == "18"
    assert dp3a.participants.count() == 3
    assert AgencyAlias.objects.filter(agency=dp3a).count() == 2
    assert Attendance.objects.filter(present=False).count() == 1
