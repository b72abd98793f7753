"""A coordinator opens the report and downloads the Maros exports in a browser."""

import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from setara import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_coordinator_reads_the_report_and_downloads_the_participant_list(page, login):
    call_command("load_demo", stdout=io.StringIO())
    UserFactory(username="koordinator", role=roles.COORDINATOR)
    login("koordinator")

    page.locator("nav a[href='/trainings/report/']").click()
    summary = page.locator("table[data-table=summary] tbody tr")
    participations = summary.nth(1).locator("td")
    assert [participations.nth(i).inner_text() for i in range(4)] == [
        "4",
        "15",
        "0",
        "19",
    ]
    assert page.locator("svg[role=img]").count() == 2

    page.goto("/trainings/")
    page.get_by_role("link", name="Pelatihan Pencegahan dan Penanganan").click()
    with page.expect_download() as download:
        page.locator("#export-participants-xlsx").click()
    assert download.value.suggested_filename.endswith("-participants.xlsx")
    with open(download.value.path(), "rb") as file:
        sheet = load_workbook(io.BytesIO(file.read())).active
    assert sheet.max_row == 1 + 19
    assert sheet.freeze_panes == "A2"
