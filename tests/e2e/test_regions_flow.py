"""Anywhere in Indonesia: a programme officer records a training in Kota Kupang
(53.71) with the region picker, enrols a participant whose village is picked by
typing its name, and the report filtered by Nusa Tenggara Timur (53), picked the
same way, shows it."""

import pytest
from playwright.sync_api import expect

from setara import roles
from tests.factories import EnrolmentFactory, UserFactory
from trainings.models import Training

pytestmark = pytest.mark.django_db(transaction=True)


def pick_region(page, select, typed, choice):
    """Open the picker of ``select`` (a CSS selector), type, choose ``choice``."""
    page.locator(f"{select} + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill(typed)
    page.locator(".select2-results__option", has_text=choice).click()


def test_training_in_kupang_appears_in_the_ntt_report(page, login, regions_sample):
    UserFactory(username="officer", role=roles.PROGRAMME_STAFF)
    login("officer")

    page.goto("/trainings/new/")
    form = page.locator("#training-form")
    form.locator("#id_title").fill("Pelatihan Perlindungan Anak Kota Kupang")
    form.locator("#id_start_date").fill("2025-05-06")
    form.locator("#id_end_date").fill("2025-05-07")
    pick_region(page, "#id_region", "kota kupang", "Kota Kupang")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#new-person")  # the enrol page follows
    training = Training.objects.get()
    assert training.region.code == "53.71"

    # A participant from a village picked by typing its name on the enrol page.
    person = page.locator("#new-person")
    person.locator("#id_full_name").fill("Maria Ndun")
    person.locator("input[name=sex][value=P]").check()
    person.locator("#id_agency_name").fill("Dinas Sosial Kota Kupang")
    person.locator("#id_create_agency").check()
    pick_region(page, "#id_village_region", "namosain", "Namosain")
    person.locator("button[type=submit]").last.click()
    expect(page.locator("#enrolled")).to_contain_text("Maria Ndun")
    enrolled = training.enrolments.get().participant
    assert enrolled.village_region.code == "53.71.01.1001"
    EnrolmentFactory.create_batch(2, training=training)

    page.goto("/trainings/report/")
    pick_region(page, "#id_region", "nusa tenggara", "Nusa Tenggara Timur")
    page.locator("form[method=get] button[type=submit]").click()
    regency = page.locator("table[data-table=regency]")
    expect(regency).to_contain_text("Kota Kupang")
    expect(page.locator("table[data-table=summary]")).to_be_visible()
    assert "region=" in page.url
