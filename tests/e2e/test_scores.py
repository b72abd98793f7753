"""Entering pre-test and post-test scores for three people with the keyboard,
on a phone-sized screen, through a typing mistake."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from setara import roles
from tests.factories import (
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
    UserFactory,
)
from trainings.models import Enrolment

pytestmark = pytest.mark.django_db(transaction=True)


def _fits_the_screen(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_officer_enters_scores_for_three_people_by_keyboard(page, login):
    training = TrainingFactory(title="Pelatihan OCSEA Maros")
    people = [
        EnrolmentFactory(
            training=training, participant=ParticipantFactory(full_name=name)
        )
        for name in (
            "Andi Baso",
            "Hj. Nurhaeda Rahman, S.Sos",
            "Sitti Aminah Daeng Ngai",
        )
    ]
    EnrolmentFactory(
        training=training,
        role=Enrolment.Role.FACILITATOR,
        participant=ParticipantFactory(full_name="Fasilitator Satu"),
    )
    UserFactory(username="officer", role=roles.PROGRAMME_STAFF)

    page.set_viewport_size({"width": 360, "height": 780})
    login("officer")
    page.goto(training.get_absolute_url())
    page.click("#training-more")  # on a phone the page's other actions are a menu
    page.click("#test-scores")
    grid = page.locator("#scores-form")
    expect(grid.locator("tbody tr")).to_have_count(3)  # not the facilitator
    assert _fits_the_screen(page)  # the table scrolls inside itself, if at all
    region = grid.locator("[role=region]")
    assert region.get_attribute("tabindex") == "0"
    name = grid.locator("tbody th").first
    assert name.bounding_box()["width"] >= 100  # names stay readable

    # Row by row, pre-test then post-test, with Tab; a typo in the last box.
    page.locator(f"#id_pre_{people[0].pk}").focus()
    for score in ("60", "85,5", "55", "90", "70"):
        page.keyboard.type(score)
        page.keyboard.press("Tab")
    page.keyboard.type("9O")  # a letter O for a zero
    page.keyboard.press("Enter")

    errors = page.locator("#score-errors")
    expect(errors).to_contain_text("Sitti Aminah Daeng Ngai")
    last = page.locator(f"#id_post_{people[2].pk}")
    expect(last).to_have_value("9O")  # the values typed are kept
    expect(page.locator(f"#id_post_{people[0].pk}")).to_have_value("85,5")
    expect(last).to_have_attribute("aria-invalid", "true")
    assert Enrolment.objects.exclude(pre_score=None).count() == 0  # nothing saved

    last.fill("")
    last.focus()
    page.keyboard.type("95")
    page.keyboard.press("Enter")
    expect(page.locator(".alert-success")).to_be_visible()
    assert errors.count() == 0
    saved = {
        e.participant.full_name: (e.pre_score, e.post_score)
        for e in Enrolment.objects.filter(training=training).select_related(
            "participant"
        )
    }
    assert saved == {
        "Andi Baso": (Decimal(60), Decimal("85.5")),
        "Hj. Nurhaeda Rahman, S.Sos": (Decimal(55), Decimal(90)),
        "Sitti Aminah Daeng Ngai": (Decimal(70), Decimal(95)),
        "Fasilitator Satu": (None, None),
    }
    # The saved scores come back in the page's language: a decimal comma.
    expect(page.locator(f"#id_post_{people[0].pk}")).to_have_value("85,5")
