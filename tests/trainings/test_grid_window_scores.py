"""The score grid of a big training, a page at a time (issue 18): a page of
participants by name numbered from where the page starts, the numbers at the top
counting everyone, each page saved in one POST, and the same queries for 3
participants as for 150."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.factories import TrainingFactory
from tests.trainings.grids import enrol_named, grid_url
from trainings.models import Enrolment
from trainings.views.grid_pages import GRID_PAGE_SIZE, GridPagesMixin

pytestmark = pytest.mark.django_db


def _url(training, **query):
    return grid_url("trainings:scores", training, **query)


def _boxes(response) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'name="pre_(\d+)"', response.content.decode())
    ]


def _scores(enrolment):
    enrolment.refresh_from_db()
    return enrolment.pre_score, enrolment.post_score


@pytest.fixture
def english(staff_client):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield staff_client


@pytest.fixture
def ten(monkeypatch):
    """Ten participants, four a page: pages of 0-3, 4-7 and 8-9."""
    monkeypatch.setattr(GridPagesMixin, "grid_page_size", 4)
    training = TrainingFactory()
    return training, enrol_named(training, 10)


def _queries(client, method, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {})
    assert response.status_code in (200, 302)
    return len(queries)


def test_get_and_post_run_the_same_queries_for_3_or_150_people(staff_client):
    small, large = TrainingFactory(), TrainingFactory()
    small_people, large_people = enrol_named(small, 3), enrol_named(large, 150)
    staff_client.get(_url(small))  # the session and permissions cached
    counts = {}
    for name, training, people in (
        ("small", small, small_people),
        ("large", large, large_people),
    ):
        # The whole page's boxes, three of them changed. (Many changes are
        # written in batches on SQLite: 999 parameters a statement.)
        shown = people[:GRID_PAGE_SIZE]
        data = {f"{box}_{e.pk}": "" for e in shown for box in ("pre", "post")}
        data.update({f"initial-{box}": "" for box in list(data)})
        data.update({f"pre_{e.pk}": "70" for e in shown[:3]})
        counts[name] = (
            _queries(staff_client, "get", _url(training)),
            _queries(staff_client, "get", _url(training, page=2)),
            _queries(staff_client, "post", _url(training), data),
        )
    assert counts["small"] == counts["large"]
    saved = Enrolment.objects.filter(training=large, pre_score=70)
    assert set(saved.values_list("pk", flat=True)) == {e.pk for e in large_people[:3]}


def test_page_2_numbers_its_rows_from_101_and_counts_everyone(english):
    training = TrainingFactory()
    people = enrol_named(training, 150)
    Enrolment.objects.filter(pk__in=[e.pk for e in people[:30]]).update(pre_score=50)
    response = english.get(_url(training, page=2))
    assert _boxes(response) == [e.pk for e in people[GRID_PAGE_SIZE:]]
    rows = response.context["rows"]
    assert (rows[0]["number"], rows[0]["enrolment"]) == (101, people[100])
    text = response.content.decode()
    assert "Showing 101–150 of 150" in text
    assert "data-score-participants>150<" in text
    assert 'data-score-count="pre">30<' in text
    assert 'data-score-count="post">0<' in text


def test_saving_page_2_leaves_the_other_pages_alone(staff_client, ten):
    training, people = ten
    Enrolment.objects.filter(pk=people[0].pk).update(pre_score=40)
    response = staff_client.post(
        _url(training, page=2),
        {f"pre_{people[4].pk}": "60", f"initial-pre_{people[4].pk}": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == _url(training, page=2)
    assert _scores(people[4]) == (Decimal(60), None)
    assert _scores(people[0]) == (Decimal(40), None)
    assert Enrolment.objects.exclude(pre_score=None).count() == 2


def test_a_bad_box_on_page_2_names_its_row_number(english, ten):
    training, people = ten
    response = english.post(
        _url(training, page=2),
        {f"post_{people[5].pk}": "150", f"pre_{people[4].pk}": "60"},
    )
    assert response.status_code == 200
    assert _scores(people[4]) == (None, None)
    summary = response.context["form"].error_summary()
    assert [item["row"] for item in summary] == ["No. 6 (Peserta 005)"]
    assert _boxes(response) == [people[4].pk, people[5].pk]
    text = response.content.decode()
    assert "data-grid-unsaved" in text  # the page links ask before leaving
    assert "Page 2 of 3" in text


def test_boxes_from_another_page_of_the_same_training_are_saved(staff_client, ten):
    training, people = ten
    staff_client.post(_url(training, page=1), {f"post_{people[9].pk}": "80"})
    assert _scores(people[9]) == (None, Decimal(80))


def test_a_search_finds_a_participant_and_the_save_returns_to_it(english, ten):
    training, people = ten
    response = english.get(_url(training, q="007"))
    assert _boxes(response) == [people[7].pk]
    assert response.context["rows"][0]["number"] == 1
    response = english.post(_url(training, q="007"), {f"pre_{people[7].pk}": "90"})
    assert response["Location"] == _url(training, q="007")
    assert _scores(people[7]) == (Decimal(90), None)


def test_the_row_number_of_a_save_error_counts_the_whole_grid(ten):
    """``scores_save`` called without the page's numbers counts the row's place."""
    from django.core.exceptions import ValidationError

    from trainings.scores import scores_save

    training, people = ten
    with pytest.raises(ValidationError) as caught:
        scores_save(training=training, changes={people[8].pk: {"pre_score": "x"}})
    assert caught.value.messages[0].startswith("No. 9 (Peserta 008), pre-test:")
