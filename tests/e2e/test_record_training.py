"""A programme officer records a whole 2-day training in the browser."""

import datetime

import pytest
from playwright.sync_api import expect

from participants.models import AgencyAlias, Participant
from regions.models import Region
from setara import roles
from tests.factories import (
    AgencyFactory,
    ParticipantFactory,
    UserFactory,
)
from trainings.models import Attendance, Training

pytestmark = pytest.mark.django_db(transaction=True)

DAY_1 = datetime.date(2024, 3, 5)
DAY_2 = datetime.date(2024, 3, 6)


def _fits_the_screen(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def _add_person(page, name, sex, agency, phone="", create_agency=False):
    form = page.locator("#new-person")
    form.locator("#id_full_name").fill(name)
    form.locator(f"input[name=sex][value={sex}]").check()
    form.locator("#id_agency_name").fill(agency)
    if create_agency:
        form.locator("#id_create_agency").check()
    form.locator("#id_phone").fill(phone)
    form.locator("button[type=submit]").last.click()


def test_officer_records_a_two_day_training_on_a_phone(page, login):
    region = Region.objects.get(code="73.09")  # seeded by a data migration
    dinsos = AgencyFactory(
        name="Dinas Sosial Kabupaten Maros", short_name="Dinsos", region=region
    )
    AgencyAlias.objects.create(agency=dinsos, name="Dinsos Maros")
    existing = ParticipantFactory(
        full_name="Hj. Nurhaeda Rahman, S.Sos",
        sex="P",
        agency=dinsos,
        phone="+6281234567890",
    )
    UserFactory(username="officer", role=roles.PROGRAMME_STAFF)

    page.set_viewport_size({"width": 360, "height": 780})
    login("officer")

    # 1. Create the training; Enter in the title box submits (keyboard only).
    page.click("a[href='/trainings/new/']")
    form = page.locator("#training-form")
    form.locator("input[name=topics]").first.check()
    form.locator("#id_start_date").fill(DAY_1.isoformat())
    form.locator("#id_end_date").fill(DAY_2.isoformat())
    # The region picker: typed, then chosen from the suggestions.
    form.locator("#id_region + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill("kab maros")
    page.locator(".select2-results__option", has_text="Kabupaten Maros").click()
    form.locator("#id_venue").fill("Aula Kantor Bupati Maros")
    assert _fits_the_screen(page)
    form.locator("#id_title").fill("Pelatihan OCSEA bagi Penyedia Layanan")
    form.locator("#id_title").press("Enter")
    page.wait_for_selector("#new-person")
    training = Training.objects.get()
    assert training.days == [DAY_1, DAY_2]

    # 2. Two new people: one with an agency found by its alias, one with a new agency.
    _add_person(page, "Andi Baso", "L", "dinsos maros")
    page.wait_for_selector("#enrolled li:has-text('Andi Baso')")
    _add_person(page, "Sitti Aminah", "P", "UPTD PPA Maros", create_agency=True)
    page.wait_for_selector("#enrolled li:has-text('Sitti Aminah')")

    # 3. The third is already in the registry: same phone, name without titles.
    _add_person(page, "Nurhaeda Rahman", "P", "Dinsos Maros", phone="0812-3456-7890")
    matches = page.locator("#probable-matches")
    assert "Hj. Nurhaeda Rahman, S.Sos" in matches.inner_text()
    assert _fits_the_screen(page)
    matches.locator("button[type=submit]").first.click()
    page.wait_for_selector("#enrolled li:has-text('Nurhaeda Rahman')")
    assert Participant.objects.count() == 3
    assert set(training.enrolments.values_list("participant", flat=True)) >= {
        existing.pk
    }
    assert training.enrolments.count() == 3

    # 4. Attendance: everyone on day 1; day 2 all but Sitti Aminah.
    page.click(f"a[href='/trainings/{training.pk}/attendance/']")
    page.click(f"button[name=all_present][value='{DAY_1.isoformat()}']")
    page.wait_for_selector(".alert-success")
    grid = page.locator("#attendance-form")
    for row in grid.locator("tbody tr").all():
        if "Sitti Aminah" not in row.inner_text():
            row.locator("input[type=checkbox]").nth(1).check()
    assert _fits_the_screen(page)
    grid.locator("button[type=submit]:visible").last.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".alert-success")
    present = Attendance.objects.filter(enrolment__training=training, present=True)
    assert present.filter(date=DAY_1).count() == 3
    assert present.filter(date=DAY_2).count() == 2
    assert Attendance.objects.filter(present=False).count() == 1

    # 5. The sign-in sheet lists the three names.
    page.click(f"a[href='/trainings/{training.pk}/sign-in-sheet/'] >> nth=0")
    sheet = page.locator("#signin-sheet")
    text = sheet.inner_text()
    for name in ("Andi Baso", "Sitti Aminah", "Hj. Nurhaeda Rahman, S.Sos"):
        assert name in text
    blank = int(sheet.get_attribute("data-blank-rows"))
    assert blank >= 3  # rows for walk-ins to the end of the page
    assert sheet.locator("tbody tr").count() == 3 + blank  # people + blank rows
    expect(page.locator(".js-print")).to_be_visible()  # its script ran under the CSP
    page.emulate_media(media="print")
    assert sheet.evaluate("t => getComputedStyle(t.tHead).display") == (
        "table-header-group"
    )
