"""The benchmark's floor page (setara/floor.py): absent unless BENCH_FLOOR_PAGE is
on; when mounted, a logged-in page with one query of its own."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


@pytest.mark.django_db
def test_absent_by_default(staff_client):
    assert staff_client.get("/bench/floor/").status_code == 404


@pytest.mark.django_db
@pytest.mark.urls("tests.setara.floor_urls")
def test_one_query_of_its_own(staff_client):
    assert Client().get("/bench/floor/").status_code == 302  # login first
    staff_client.get("/bench/floor/")  # session and permissions warmed
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/bench/floor/")
    assert response.status_code == 200
    own = [q for q in queries if "trainings_topic" in q["sql"]]
    assert len(own) == 1
