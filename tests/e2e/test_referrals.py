"""Programme staff print the Maros referral pathway with
district, province and national institutions per service and cannot change the
directory; an admin edits an institution and its history shows who changed what."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from referrals.models import ReferralInstitution
from setara import roles
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_print_the_pathway_and_an_admin_edits_with_history(page, login):
    call_command("load_demo", stdout=io.StringIO())
    UserFactory(username="officer", role=roles.PROGRAMME_STAFF)
    admin = UserFactory(username="direktori-admin", role=roles.ADMIN)
    admin.is_staff = True
    admin.save()
    uptd = ReferralInstitution.objects.get(name="UPTD PPA Kabupaten Maros")
    change_url = f"/admin/referrals/referralinstitution/{uptd.pk}/change/"

    login("officer")
    page.goto("/referrals/?region=" + str(uptd.region_id))
    page.click("a[href='/referrals/pathway/73.09/']")
    police = page.locator("section:has(#service-police-reporting) tr[data-level]")
    assert [police.nth(i).get_attribute("data-level") for i in range(3)] == [
        "kabupaten",
        "provinsi",
        "nasional",
    ]
    assert page.locator("a[href='tel:129']").count() >= 1
    expect(page.locator(".js-print")).to_be_visible()
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    page.emulate_media(media="screen")

    page.goto(change_url)
    assert "/admin/login/" in page.url

    page.context.clear_cookies()
    login("direktori-admin")
    page.goto(change_url)
    page.fill("#id_opening_hours", "Senin–Jumat 08.00–16.00 WITA")
    page.click("input[name=_save]")
    page.wait_for_url("**/referralinstitution/")
    page.goto(change_url.replace("change/", "history/"))
    history = page.locator("#change-history")
    assert "direktori-admin" in history.inner_text()
    assert "Senin–Jumat 08.00–16.00 WITA" in history.inner_text()
