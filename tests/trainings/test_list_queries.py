"""The training list's cost does not grow with the programme: a fixed number of
queries whatever the number of trainings, counts made for the page's trainings
only, a plain count for the paginator, and the list kept for the data version
(never stale: a new enrolment shows at once)."""

import datetime
import re

import pytest
from django.urls import reverse

from setara.data_version import data_changed
from tests.factories import EnrolmentFactory, TopicFactory, TrainingFactory
from tests.pages import from_heading, page_sql
from trainings.models import Training

pytestmark = pytest.mark.django_db


def _programme(trainings: int):
    """``trainings`` trainings a day apart, each with two topics and two
    participants (L, P) and a facilitator; a list of them, latest first."""
    topics = [TopicFactory(), TopicFactory()]
    made = []
    for number in range(trainings):
        training = TrainingFactory(
            start_date=datetime.date(2023, 1, 1) + datetime.timedelta(days=number)
        )
        training.topics.set(topics)
        for sex in ("L", "P"):
            EnrolmentFactory(training=training, participant__sex=sex)
        EnrolmentFactory(training=training, role="facilitator")
        made.append(training)
    return made[::-1]


class TestQueryCount:
    def test_same_number_of_queries_for_3_and_60_trainings(self, staff_client):
        url = reverse("trainings:list")
        staff_client.get(url)  # what a process reads once (content types)
        _programme(3)
        few = len(page_sql(staff_client, url))
        _programme(57)
        many = len(page_sql(staff_client, url))
        data_changed()  # nothing cached from the page before
        many_page_3 = len(page_sql(staff_client, url + "?page=3"))
        assert few == many == many_page_3

    def test_the_paginator_counts_trainings_without_joins(self, staff_client):
        _programme(3)
        counts = [
            sql
            for sql in page_sql(staff_client, reverse("trainings:list"))
            if "COUNT(*)" in sql
        ]
        assert len(counts) == 1
        assert "JOIN" not in counts[0]
        assert "GROUP BY" not in counts[0]

    def test_the_counts_are_made_for_the_page_only(self, staff_client):
        trainings = _programme(25)
        queries = page_sql(staff_client, reverse("trainings:list"))
        (counting,) = [sql for sql in queries if "trainings_enrolment" in sql]
        ids = re.search(r'"training_id" IN \(([^)]*)\)', counting)[1]
        assert sorted(int(pk) for pk in ids.split(",")) == sorted(
            t.pk for t in trainings[:20]
        )


class TestCountsOnEveryPage:
    def test_second_page_shows_its_trainings_counts(self, staff_client):
        trainings = _programme(22)
        last = trainings[-1]
        for _ in range(3):
            EnrolmentFactory(training=last, participant__sex="")
        html = staff_client.get(reverse("trainings:list") + "?page=2").content
        html = html.decode()
        assert last.title in html
        assert 'data-participants="5"' in html
        assert 'data-by-sex="1 1 3"' in html
        assert html.count('data-participants="2"') == 1  # the other one

    def test_for_list_counts_match_with_participant_count(self):
        _programme(4)
        expected = {
            t.pk: (
                t.participant_count,
                t.participants_male,
                t.participants_female,
                t.participants_not_recorded,
            )
            for t in Training.objects.with_participant_count()
        }
        listed = {
            t.pk: (
                t.participant_count,
                t.participants_male,
                t.participants_female,
                t.participants_not_recorded,
            )
            for t in Training.objects.for_list()[1:3]
        }
        assert len(listed) == 2
        assert listed == {pk: expected[pk] for pk in listed}

    def test_a_training_without_enrolments_counts_zero(self):
        TrainingFactory()
        (training,) = Training.objects.for_list()
        assert (
            training.participant_count,
            training.participants_male,
            training.participants_female,
            training.participants_not_recorded,
        ) == (0, 0, 0, 0)


class TestCachedList:
    def test_a_second_view_reads_the_list_from_the_cache(self, staff_client):
        _programme(3)
        url = reverse("trainings:list")
        first = from_heading(staff_client.get(url))
        queries = page_sql(staff_client, url)
        assert not [sql for sql in queries if "trainings_enrolment" in sql]
        assert from_heading(staff_client.get(url)) == first

    def test_a_new_enrolment_shows_at_once(self, staff_client):
        (training, *_) = _programme(3)
        url = reverse("trainings:list")
        assert 'data-participants="3"' not in staff_client.get(url).content.decode()
        EnrolmentFactory(training=training)
        assert 'data-participants="3"' in staff_client.get(url).content.decode()

    def test_each_filter_has_its_own_list(self, staff_client):
        old = TrainingFactory(
            title="Lokakarya dua ribu dua satu", start_date=datetime.date(2021, 5, 1)
        )
        new = TrainingFactory(
            title="Lokakarya dua ribu dua empat", start_date=datetime.date(2024, 5, 1)
        )
        url = reverse("trainings:list")
        staff_client.get(url)
        html = from_heading(staff_client.get(url, {"year": "2021"}))
        assert old.title in html
        assert new.title not in html


class TestCacheEntries:
    """The list is kept per filter values and page shown (``DataVersionMixin``'s
    ``cache_query``), not per query string: made-up parameters, a page past the
    end or a filter's values spelled otherwise make no new entries."""

    @staticmethod
    def _fragments() -> int:
        from django.core.cache import caches

        return sum(1 for key in caches["data"]._cache if "training-list" in key)

    def test_made_up_parameters_make_no_new_entries(self, staff_client):
        _programme(3)
        url = reverse("trainings:list")
        staff_client.get(url)
        assert self._fragments() == 1
        for number in range(5):
            staff_client.get(url, {"x": number})
        staff_client.get(url, {"page": "99999"})  # the last page: page 1
        staff_client.get(url, {"year": ""})  # an empty filter filters nothing
        assert self._fragments() == 1
        staff_client.get(url, {"year": "2023"})
        assert self._fragments() == 2

    def test_an_invalid_filter_is_drawn_without_the_cache(self, staff_client):
        _programme(3)
        response = staff_client.get(reverse("trainings:list"), {"year": "abc"})
        assert response.context["cache_query"] is None
        assert self._fragments() == 0
