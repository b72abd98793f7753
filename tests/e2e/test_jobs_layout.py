"""My downloads on a phone (360 px): the table scrolls inside its box, the page
never sideways (a visually hidden text in the table once made it 606 px wide)."""

import pytest

from tests.factories import UserFactory
from tests.jobs.tasks_for_tests import finished_job

pytestmark = pytest.mark.django_db(transaction=True)


def test_my_downloads_is_no_wider_than_a_phone(page, login):
    user = UserFactory(username="petugas")
    for number in range(3):
        finished_job(user, title=f"Daftar peserta dan kehadiran (.xlsx), {number} " * 4)
    page.set_viewport_size({"width": 360, "height": 740})
    login("petugas")
    for path in ["/jobs/", f"/jobs/{user.jobs.first().pk}/"]:
        page.goto(path)
        assert page.locator("body").is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
