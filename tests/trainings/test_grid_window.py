"""The attendance grid of a big training, a page at a time (issue 18): a page of
people by name, the numbers at the top counting everyone, each page saved in
one POST that touches only its own rows, and the same queries for 3 people as
for 150."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
)
from tests.trainings.grids import enrol_named, grid_url
from trainings.models import Attendance
from trainings.views.grid_pages import (
    GRID_PAGE_SIZE,
    GridPagesMixin,
    attendance_page_size,
)

pytestmark = pytest.mark.django_db

DAY_1 = datetime.date(2023, 10, 18)
DAY_2 = datetime.date(2023, 10, 19)


def _url(training, **query):
    return grid_url("trainings:attendance", training, **query)


def _shown(response) -> list[int]:
    return [int(v) for v in re.findall(r'name="shown" value="(\d+)"', _text(response))]


def _text(response) -> str:
    return response.content.decode()


def _marks(training) -> dict:
    return {
        (a.enrolment_id, a.date): a.present
        for a in Attendance.objects.filter(enrolment__training=training)
    }


@pytest.fixture
def english(staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield staff_client


@pytest.fixture
def small_pages(monkeypatch):
    """Four people a page, so that a few people make several pages."""
    monkeypatch.setattr(GridPagesMixin, "grid_page_size", 4)
    return 4


@pytest.fixture
def ten(small_pages):
    """A two-day training with ten people: pages of 0-3, 4-7 and 8-9."""
    training = TrainingFactory(start_date=DAY_1, end_date=DAY_2)
    return training, enrol_named(training, 10)


# Query counts -----------------------------------------------------------------


def _queries(client, method, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {})
    assert response.status_code in (200, 302)
    return len(queries)


def _grid(people: int, days: int = 2):
    training = TrainingFactory(
        start_date=DAY_1, end_date=DAY_1 + datetime.timedelta(days=days - 1)
    )
    enrolments = enrol_named(training, people)
    for enrolment in enrolments[::2]:
        AttendanceFactory(enrolment=enrolment, date=DAY_1)
    return training, enrolments


def test_get_and_post_run_the_same_queries_for_3_or_150_people(staff_client):
    # One day: SQLite splits a bulk insert of more than 111 history rows in two
    # (its 999 parameters a statement), which 100 rows on one day stay under.
    small, small_people = _grid(3, days=1)
    large, large_people = _grid(150, days=1)
    staff_client.get(_url(small))  # the session and permissions cached
    counts = {}
    for name, training, people in (
        ("small", small, small_people),
        ("large", large, large_people),
    ):
        page = staff_client.get(_url(training))
        shown = _shown(page)
        assert len(shown) == min(len(people), GRID_PAGE_SIZE)
        loaded = re.findall(r'name="loaded" value="([^"]+)"', _text(page))
        counts[name] = (
            _queries(staff_client, "get", _url(training)),
            _queries(staff_client, "get", _url(training, page=2)),
            _queries(
                staff_client,
                "post",
                _url(training),
                {
                    "shown": shown,
                    "loaded": loaded,
                    "present": [f"{pk}:{DAY_1.isoformat()}" for pk in shown],
                },
            ),
        )
    assert counts["small"] == counts["large"]
    # Page 1 of 150 was saved: its 100 people present, none of page 2's written.
    present = Attendance.objects.filter(enrolment__training=large, present=True)
    assert set(present.values_list("enrolment", flat=True)) == {
        e.pk for e in large_people[:GRID_PAGE_SIZE] + large_people[GRID_PAGE_SIZE::2]
    }
    assert Attendance.objects.filter(enrolment__training=large).count() == 100 + 25


def test_a_big_grid_shows_a_page_and_counts_everyone(english):
    training, people = _grid(150)
    response = english.get(_url(training, page=2))
    assert response.status_code == 200
    assert _shown(response) == [e.pk for e in people[GRID_PAGE_SIZE:]]
    names = [row["enrolment"].participant.full_name for row in response.context["rows"]]
    assert names == [f"Peserta {n:03d}" for n in range(GRID_PAGE_SIZE, 150)]
    text = _text(response)
    assert "Showing 101–150 of 150" in text
    assert '<span class="fw-semibold" data-enrolled>150</span>' in text
    # Every other person of all 150 was present on day 1, nobody on day 2.
    assert 'data-day-present="2023-10-18">75 present<' in text
    assert 'data-day-present="2023-10-19">0 present<' in text
    assert "Page 2 of 2" in text


# Pages ------------------------------------------------------------------------


def test_each_page_lists_its_people_by_name(staff_client, ten):
    training, people = ten
    pages = [_shown(staff_client.get(_url(training, page=n))) for n in (1, 2, 3)]
    assert pages == [
        [e.pk for e in people[0:4]],
        [e.pk for e in people[4:8]],
        [e.pk for e in people[8:10]],
    ]


@pytest.mark.parametrize("page", ["99", "last", "abc", "0", "²"])
def test_a_page_out_of_range_shows_a_page_anyway(staff_client, ten, page):
    training, people = ten
    response = staff_client.get(_url(training, page=page))
    assert response.status_code == 200
    expected = people[8:] if page in ("99", "last") else people[:4]
    assert _shown(response) == [e.pk for e in expected]


def test_a_search_finds_a_person_on_another_page(english, ten):
    training, people = ten
    response = english.get(_url(training, q="peserta 009"))
    assert _shown(response) == [people[9].pk]
    assert "Name contains “peserta 009”" in _text(response)
    response = english.get(_url(training, q="nobody"))
    assert _shown(response) == []
    assert "Nobody whose name contains “nobody” is on this list." in _text(response)
    # The numbers at the top still count everyone.
    assert "data-enrolled>10<" in _text(response)


def test_the_page_links_keep_the_search(staff_client, ten):
    training, _people = ten
    for number in range(10, 15):
        EnrolmentFactory(
            training=training,
            participant=ParticipantFactory(full_name=f"Andi {number}"),
        )
    text = _text(staff_client.get(_url(training, q="andi")))
    assert 'href="?q=andi&amp;page=2"' in text
    assert "data-grid-page" in text


def test_a_form_of_a_paged_grid_warns_before_leaving_unsaved_ticks(staff_client, ten):
    training, _people = ten
    text = _text(staff_client.get(_url(training)))
    assert 'src="/static/js/grid-pages.js"' in text
    assert "data-unsaved-warning=" in text
    assert "<script>" not in text  # the CSP: static scripts only


# Saving a page ----------------------------------------------------------------


def _post_page(client, training, page, present, **extra):
    """Post page ``page`` as the browser would: its rows, as loaded, with
    ``present`` ticked (a list of (enrolment, day))."""
    shown_page = client.get(_url(training, page=page))
    data = {
        "shown": _shown(shown_page),
        "loaded": re.findall(r'name="loaded" value="([^"]+)"', _text(shown_page)),
        "present": [f"{e.pk}:{day.isoformat()}" for e, day in present],
        **extra,
    }
    return client.post(_url(training, page=page), data)


def test_saving_page_2_leaves_page_1_alone(staff_client, ten):
    training, people = ten
    AttendanceFactory(enrolment=people[0], date=DAY_1)
    before = _marks(training)
    response = _post_page(staff_client, training, 2, [(people[4], DAY_1)])
    assert response.status_code == 302
    assert response["Location"] == _url(training, page=2)
    marks = _marks(training)
    assert {cell: mark for cell, mark in marks.items() if cell in before} == before
    # Page 2's day 1 is recorded (one present, three absent); nobody else changed.
    assert {cell for cell in marks if cell not in before} == {
        (e.pk, DAY_1) for e in people[4:8]
    }
    assert marks[(people[4].pk, DAY_1)] is True
    assert not any(marks[(e.pk, DAY_1)] for e in people[5:8])


def test_all_present_ticks_only_the_page(english, ten):
    training, people = ten
    response = _post_page(english, training, 3, [], all_present=DAY_2.isoformat())
    assert response.status_code == 302
    assert _marks(training) == {(e.pk, DAY_2): True for e in people[8:]}
    text = _text(english.get(_url(training, page=3)))
    assert "Mark everyone on this page present on day 2 and save" in text


def test_a_save_goes_back_to_the_same_page_and_search(staff_client, ten):
    training, people = ten
    url = _url(training, page=1, q="peserta 00")
    response = staff_client.post(
        url,
        {"shown": [people[5].pk], "present": [f"{people[5].pk}:{DAY_1.isoformat()}"]},
    )
    assert response["Location"] == url.replace(" ", "+")
    assert _marks(training) == {(people[5].pk, DAY_1): True}


def test_a_post_of_another_page_of_the_same_training_is_saved(staff_client, ten):
    """The page numbers moved (someone enrolled) between opening and saving: the
    rows sent are saved, whatever page the address names."""
    training, people = ten
    page_3 = staff_client.get(_url(training, page=3))
    response = staff_client.post(
        _url(training, page=1),
        {
            "shown": _shown(page_3),
            "loaded": re.findall(r'name="loaded" value="([^"]+)"', _text(page_3)),
            "present": [f"{people[9].pk}:{DAY_1.isoformat()}"],
        },
    )
    assert response.status_code == 302
    assert _marks(training) == {
        (people[8].pk, DAY_1): False,
        (people[9].pk, DAY_1): True,
    }


def test_rows_of_another_training_are_refused(english, ten):
    training, people = ten
    other = EnrolmentFactory(training=TrainingFactory(start_date=DAY_1, end_date=DAY_2))
    response = english.post(
        _url(training),
        {
            "shown": [people[0].pk, other.pk],
            "present": [f"{other.pk}:{DAY_1.isoformat()}"],
        },
        follow=True,
    )
    assert not Attendance.objects.exists()
    assert "The grid was out of date" in _text(response)


def test_a_tick_of_a_row_not_shown_is_refused(english, ten):
    training, people = ten
    english.post(
        _url(training),
        {"shown": [people[0].pk], "present": [f"{people[5].pk}:{DAY_1.isoformat()}"]},
    )
    assert not Attendance.objects.exists()


def test_a_form_without_its_rows_saves_the_page_of_its_address(staff_client, ten):
    """Older pages and scripts that do not send ``shown``: the page the address
    names, not the whole training."""
    training, people = ten
    staff_client.post(
        _url(training, page=2), {"present": [f"{people[4].pk}:{DAY_1.isoformat()}"]}
    )
    assert _marks(training) == {
        (people[4].pk, DAY_1): True,
        **{(e.pk, DAY_1): False for e in people[5:8]},
    }


def test_a_stale_page_2_keeps_someone_elses_newer_mark(english, ten):
    training, people = ten
    page_2 = english.get(_url(training, page=2))
    loaded = re.findall(r'name="loaded" value="([^"]+)"', _text(page_2))
    AttendanceFactory(enrolment=people[5], date=DAY_1)  # someone else, meanwhile
    response = english.post(
        _url(training, page=2),
        {
            "shown": _shown(page_2),
            "loaded": loaded,
            "present": [f"{people[4].pk}:{DAY_1.isoformat()}"],
        },
        follow=True,
    )
    marks = _marks(training)
    assert marks[(people[5].pk, DAY_1)] is True
    assert marks[(people[4].pk, DAY_1)] is True
    assert "Someone else changed 1 mark" in _text(response)
    assert "Peserta 005 (day 1)" in _text(response)


def test_the_live_ticks_know_the_newest_enrolment(staff_client, ten):
    """attendance-live.js asks for a reload only for people enrolled after the
    page was opened (an id above data-live-newest), not for other pages'."""
    training, people = ten
    text = _text(staff_client.get(_url(training, page=2)))
    newest = max(e.pk for e in people)
    assert f'data-live-newest="{newest}"' in text


def test_a_long_trainings_page_fits_in_one_post(staff_client):
    """Ten days: 82 people a page, so a page with every box ticked (82 x 12
    fields and the CSRF token) stays within DATA_UPLOAD_MAX_NUMBER_FIELDS
    (1000); 100 a page would be refused with a 400 and lose the ticks."""
    training = TrainingFactory(start_date=DAY_1, end_date=DAY_1 + datetime.timedelta(9))
    people = enrol_named(training, 90)
    shown = _shown(staff_client.get(_url(training)))
    assert len(shown) == attendance_page_size(10) == 82
    cells = [(e, day) for e in people[:82] for day in training.days]
    response = _post_page(staff_client, training, 1, cells)
    assert response.status_code == 302
    assert sum(_marks(training).values()) == 82 * 10
    assert len(_shown(staff_client.get(_url(training, page=2)))) == 8
    assert attendance_page_size(2) == GRID_PAGE_SIZE


def test_the_pages_are_linked_again_by_the_save_button(english, ten):
    """On a phone the Save button is far below the top's links: the links come
    again after the form, named apart for screen readers."""
    training, _people = ten
    text = _text(english.get(_url(training, page=2)))
    after_form = text[text.index("Save attendance</button>") :]
    assert 'aria-label="Pages, by the Save button"' in after_form
    assert 'href="?page=3"' in after_form
    assert 'aria-label="Pages"' in text
