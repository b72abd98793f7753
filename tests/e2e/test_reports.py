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
    name = download.value.suggested_filename
    assert name == "peserta-pelatihan-pencegahan-dan-penanganan-maros-2023-10-18.xlsx"
    with open(download.value.path(), "rb") as file:
        sheet = load_workbook(io.BytesIO(file.read())).active
    assert sheet.max_row == 1 + 19
    assert sheet.freeze_panes == "A2"


def test_coordinator_exports_the_participant_list_as_a_job(page, login):
    """The report's export button starts a job: its page shows the finished job
    (jobs run at once in tests) with the download link, and the file holds
    everyone of the filters."""
    call_command("load_demo", stdout=io.StringIO())
    UserFactory(username="koordinator", role=roles.COORDINATOR)
    login("koordinator")

    page.goto("/trainings/report/?agency_type=law_enforcement")
    page.get_by_role("button", name="Daftar peserta (.xlsx)").click()
    page.wait_for_url("**/jobs/*/")
    link = page.locator("a.js-job-download")
    link.wait_for(state="visible")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("peserta-aparat-penegak-")
    with open(download.value.path(), "rb") as file:
        sheet = load_workbook(io.BytesIO(file.read())).active
    assert sheet.max_row == 1 + 3
