"""Certificates in the browser (issue 15, requirement 3): staff generate the
certificate of the one participant who met the rule on the training page, then
open its public verification page through the link the QR code holds."""

import pytest
from playwright.sync_api import expect

from certificates.models import Certificate
from setara import roles
from tests.factories import EnrolmentFactory, TrainingFactory, UserFactory
from trainings.models import Attendance

pytestmark = pytest.mark.django_db(transaction=True)


def _enrol(training, name, days):
    enrolment = EnrolmentFactory(training=training, participant__full_name=name)
    for number, day in enumerate(training.days):
        Attendance.objects.create(enrolment=enrolment, date=day, present=number < days)
    return enrolment


def test_staff_generate_a_certificate_and_open_its_verification_page(page, login):
    UserFactory(username="staff-e2e", role=roles.PROGRAMME_STAFF)
    training = TrainingFactory(title="Pelatihan Pencegahan OCSEA Maros")
    present = _enrol(training, "Andi Baso", days=3)
    absent = _enrol(training, "Sitti Aminah", days=2)
    login("staff-e2e")
    page.goto(training.get_absolute_url())
    panel = page.locator("#certificates")
    expect(panel.locator(f"[data-enrolment='{present.pk}']")).to_have_attribute(
        "data-qualifies", "yes"
    )
    refused = panel.locator(f"[data-enrolment='{absent.pk}']")
    expect(refused.locator("[data-reasons]")).to_be_visible()
    expect(refused.locator("[data-certificate-issue]")).to_have_count(0)

    panel.locator(f"[data-enrolment='{present.pk}'] [data-certificate-issue]").click()
    page.wait_for_url(f"**{training.get_absolute_url()}#certificates")
    certificate = Certificate.objects.get()
    row = page.locator(f"#certificates [data-certificate='{certificate.number}']")
    expect(row).to_contain_text("Andi Baso")
    link = row.locator("[data-verification-link]").get_attribute("href")
    assert link.endswith(f"/c/{certificate.code}/")

    # The QR code's address, opened by someone who is not logged in.
    visitor = page.context.browser.new_context(locale="id-ID")
    phone = visitor.new_page()
    phone.goto(link)
    expect(phone.locator("[data-certificate-status]")).to_have_attribute(
        "data-certificate-status", "valid"
    )
    expect(phone.locator("[data-certificate=name]")).to_have_text("Andi Baso")
    expect(phone.locator("[data-certificate=training]")).to_have_text(training.title)
    expect(phone.locator("[data-certificate=dates]")).to_have_text("18–20 Oktober 2023")
    assert "Sitti Aminah" not in phone.content()
    visitor.close()
