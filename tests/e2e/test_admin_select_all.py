"""In a real browser, under the Content-Security-Policy: the admin changelist's
"select all" checkbox selects every row, and the export page's "Select all"
ticks and clears every column (templates/admin/import_export/export.html,
static/js/export-select-all.js). The ``page`` fixture fails the test on any
console error, a CSP violation included."""

import pytest
from playwright.sync_api import expect

from setara import roles
from tests.factories import ReferralInstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = "/admin/referrals/referralinstitution/"


@pytest.fixture
def admin_in_browser(login):
    admin = UserFactory(username="direktori-admin", role=roles.ADMIN)
    admin.is_staff = True
    admin.save()
    ReferralInstitutionFactory.create_batch(3)
    login("direktori-admin")


def test_the_changelists_select_all_selects_every_row(page, admin_in_browser):
    page.goto(CHANGELIST)
    rows = page.locator("input.action-select")
    expect(rows).to_have_count(3)
    page.check("#action-toggle")
    for index in range(3):
        expect(rows.nth(index)).to_be_checked()
    expect(page.locator(".action-counter")).to_contain_text("3")
    page.uncheck("#action-toggle")
    for index in range(3):
        expect(rows.nth(index)).not_to_be_checked()


def test_the_export_pages_select_all_ticks_and_clears_every_column(
    page, admin_in_browser
):
    page.goto(CHANGELIST + "export/")
    columns = page.locator('.selectable-field-export-row input[type="checkbox"]')
    count = columns.count()
    assert count > 20
    toggle = page.locator("#select-all-toggle")
    expect(toggle).to_be_checked()
    page.click("label[for=select-all-toggle]")  # the label works too
    expect(toggle).not_to_be_checked()
    for index in range(count):
        expect(columns.nth(index)).not_to_be_checked()
    toggle.check()
    for index in range(count):
        expect(columns.nth(index)).to_be_checked()
    columns.first.uncheck()
    expect(toggle).not_to_be_checked()
