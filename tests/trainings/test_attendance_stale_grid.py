"""Two people editing one attendance grid from pages loaded at the same time: each
save writes only the cells its user changed, and a cell someone else changed since
keeps their mark, with a message saying so (issue 17, requirement 6)."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from setara import roles
from tests.auth import login
from tests.factories import EnrolmentFactory, TrainingFactory, UserFactory
from trainings.models import Attendance

pytestmark = pytest.mark.django_db

DAY_1 = datetime.date(2023, 10, 18)
DAY_2 = datetime.date(2023, 10, 19)


@pytest.fixture
def grid():
    training = TrainingFactory(start_date=DAY_1, end_date=DAY_2)
    first, second = EnrolmentFactory.create_batch(2, training=training)
    return training, first, second


def _open(client, training):
    """The grid page as this client's user sees it: the hidden ``loaded`` values."""
    page = client.get(reverse("trainings:attendance", args=[training.pk]))
    assert page.status_code == 200
    return re.findall(r'name="loaded" value="([^"]+)"', page.content.decode())


def _save(client, training, loaded, present, language="en"):
    """Post the grid with ``present`` ticked (a list of (enrolment, day))."""
    data = {
        "present": [f"{e.pk}:{day.isoformat()}" for e, day in present],
        "loaded": loaded,
    }
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override(language):
        return client.post(
            reverse("trainings:attendance", args=[training.pk]), data, follow=True
        )


def _marks(training):
    return {
        (a.enrolment_id, a.date): a.present
        for a in Attendance.objects.filter(enrolment__training=training)
    }


@pytest.fixture
def two_clients(client, staff_user):
    from django.test import Client

    other = Client()
    login(other, UserFactory(username="staff-2", role=roles.PROGRAMME_STAFF))
    return login(client, staff_user), other


def test_a_stale_save_keeps_the_other_users_ticks(grid, two_clients):
    training, first, second = grid
    alice, bob = two_clients
    alice_loaded = _open(alice, training)
    bob_loaded = _open(bob, training)
    assert sorted(alice_loaded) == sorted([f"{first.pk}:--", f"{second.pk}:--"])

    _save(bob, training, bob_loaded, [(first, DAY_1)])
    # Alice's page is stale: it does not show Bob's tick; she ticks the other person.
    response = _save(alice, training, alice_loaded, [(second, DAY_1)])

    marks = _marks(training)
    assert marks[(first.pk, DAY_1)] is True, "Bob's tick was overwritten"
    assert marks[(second.pk, DAY_1)] is True, "Alice's tick lost to an implied absence"
    assert (first.pk, DAY_2) not in marks
    text = response.content.decode()
    assert "Someone else changed 1 mark since you opened this grid" in text
    assert f"{first.participant.full_name} (day 1)" in text


def test_an_untick_from_a_stale_page_does_not_undo_a_newer_tick(grid, two_clients):
    training, first, second = grid
    alice, bob = two_clients
    _save(alice, training, _open(alice, training), [(first, DAY_1), (second, DAY_1)])
    alice_loaded = _open(alice, training)
    bob_loaded = _open(bob, training)

    _save(bob, training, bob_loaded, [(first, DAY_1)])  # Bob: second was absent
    # Alice, stale, unticks the first person and leaves the second ticked as shown.
    response = _save(alice, training, alice_loaded, [(second, DAY_1)])

    marks = _marks(training)
    assert marks[(first.pk, DAY_1)] is False, "Alice's own change was lost"
    assert marks[(second.pk, DAY_1)] is False, "Bob's newer untick was undone"
    assert f"{second.participant.full_name} (day 1)" in response.content.decode()


def test_a_tick_wins_over_an_absence_recorded_meanwhile(grid, two_clients):
    training, first, second = grid
    alice, bob = two_clients
    alice_loaded = _open(alice, training)
    bob_loaded = _open(bob, training)

    # Bob ticks the second person on day 1: the first is recorded absent that day.
    _save(bob, training, bob_loaded, [(second, DAY_1)])
    # Alice, stale, ticks the first person present on day 1.
    response = _save(alice, training, alice_loaded, [(first, DAY_1)])

    marks = _marks(training)
    assert marks[(first.pk, DAY_1)] is True
    assert marks[(second.pk, DAY_1)] is True  # Bob's tick kept, and said so
    assert f"{second.participant.full_name} (day 1)" in response.content.decode()


def test_the_same_change_twice_is_no_conflict(grid, two_clients):
    training, first, _second = grid
    alice, bob = two_clients
    alice_loaded = _open(alice, training)
    _save(bob, training, _open(bob, training), [(first, DAY_1)])
    response = _save(alice, training, alice_loaded, [(first, DAY_1)])
    assert _marks(training)[(first.pk, DAY_1)] is True
    assert "Someone else" not in response.content.decode()


@pytest.mark.parametrize(
    "bad",
    [
        ["x:--"],
        ["999999:--"],
        ["{first}:-"],
        ["{first}:-?"],
        ["{first}"],
        ["\u00b2:11"],  # a superscript two: isdigit() but not int()
        ["9" * 5000 + ":11"],  # longer than int() reads
    ],
)
def test_a_malformed_or_outdated_grid_saves_nothing(grid, staff_client, bad):
    training, first, _second = grid
    loaded = [value.format(first=first.pk) for value in bad]
    response = _save(staff_client, training, loaded, [(first, DAY_1)])
    assert response.status_code == 200
    assert _marks(training) == {}
    assert "out of date" in response.content.decode()


def test_a_form_without_loaded_values_saves_the_grid_as_sent(grid, staff_client):
    """Older pages (and scripts) that do not send the grid as loaded: the database
    is taken as what the user saw."""
    training, first, second = grid
    _save(staff_client, training, [], [(first, DAY_1)])
    assert _marks(training) == {(first.pk, DAY_1): True, (second.pk, DAY_1): False}
