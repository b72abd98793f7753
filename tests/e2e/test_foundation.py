"""A user logs in and sees the Maros training counted 19 / 4 / 15."""

import io

import pytest
from django.core.management import call_command

from setara import roles
from tests.factories import UserFactory
from trainings.models import Training

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_user_sees_maros_training_numbers(page, login):
    call_command("load_demo", stdout=io.StringIO())
    UserFactory(username="officer", role=roles.PROGRAMME_STAFF)
    login("officer")
    page.get_by_role("link", name="Pelatihan Pencegahan dan Penanganan").click()
    assert page.locator("[data-stat=total]").inner_text() == "19"
    assert page.locator("[data-stat=male]").inner_text() == "4"
    assert page.locator("[data-stat=female]").inner_text() == "15"
    day_two = page.locator("tr[data-day='2'] [data-stat=day-total]")
    assert day_two.inner_text() == "18"
    assert Training.objects.count() == 1


def test_pages_fit_a_360_px_phone(page, login):
    call_command("load_demo", stdout=io.StringIO())
    UserFactory(username="officer", role=roles.PROGRAMME_STAFF)
    page.set_viewport_size({"width": 360, "height": 780})
    login("officer")
    training = Training.objects.get()
    for path in ["/trainings/", training.get_absolute_url(), "/referrals/"]:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width} px wide"
