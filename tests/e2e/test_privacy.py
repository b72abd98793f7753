"""An admin erases a person at their request, and restores a deleted training, in
the browser."""

import pytest
from playwright.sync_api import expect

from participants.models import Participant
from setara import roles
from tests.factories import AttendanceFactory, ParticipantFactory, UserFactory
from trainings.models import Attendance, Training

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin():
    return UserFactory(username="admin-e2e", role=roles.ADMIN)


def test_admin_erases_a_person_after_the_confirmation(page, login, admin):
    person = ParticipantFactory(
        full_name="Andi Baso",
        sex="P",
        phone="+6281355501234",
        nik="7309014512850012",
    )
    AttendanceFactory(enrolment__participant=person)
    login("admin-e2e")
    page.goto(person.get_absolute_url())
    expect(page.locator("[data-field=nik]")).to_have_text("7309014512850012")
    expect(page.locator("#history")).to_be_visible()
    page.click("#erase")
    expect(page.locator("[data-erase=removed]")).to_be_visible()
    expect(page.locator("[data-erase=kept]")).to_be_visible()
    page.click("form button.btn-danger")
    expect(page.locator("[data-erased]")).to_be_visible()
    expect(page.locator("#erase")).to_have_count(0)
    person = Participant.objects.get(pk=person.pk)
    assert (person.phone, person.nik, person.sex) == ("", "", "P")
    assert "Andi Baso" not in page.content()
    assert Attendance.objects.count() == 1


def test_admin_restores_a_deleted_training(page, login, admin):
    attendance = AttendanceFactory()
    training = attendance.enrolment.training
    login("admin-e2e")
    page.goto(f"/trainings/{training.pk}/delete/")
    page.click("form button.btn-danger")
    page.wait_for_url("**/trainings/")
    assert not Training.objects.exists()
    page.goto("/trainings/deleted/")
    section = page.locator("[data-kind=training]")
    expect(section).to_contain_text(training.title)
    section.locator("button[type=submit]").click()
    page.wait_for_url(f"**/trainings/{training.pk}/")
    expect(page.locator("h1")).to_have_text(training.title)
    assert Attendance.objects.get().pk == attendance.pk
