"""The training list and the training detail page."""

import datetime
import io
import re
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.models import Participant
from tests.auth import login
from tests.factories import (
    EnrolmentFactory,
    RegencyFactory,
    TopicFactory,
    TrainingFactory,
)
from trainings.models import Training

pytestmark = pytest.mark.django_db


def _stat(html: str, name: str) -> str:
    match = re.search(rf'data-stat="{name}">([^<]*)<', html)
    assert match, f"no data-stat={name}"
    return match.group(1)


class TestLoginRequired:
    @pytest.mark.parametrize(
        "url",
        ["/", "/trainings/", "/trainings/1/", "/participants/1/", "/admin/"],
    )
    def test_anonymous_user_is_sent_to_login(self, client, url):
        response = client.get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert "/login/" in response["Location"]

    def test_login_page_is_open(self, client):
        response = client.get(reverse("login"))
        assert response.status_code == HTTPStatus.OK
        assert 'lang="id"' in response.content.decode()

    def test_logout_needs_post(self, staff_client):
        assert staff_client.get(reverse("logout")).status_code == (
            HTTPStatus.METHOD_NOT_ALLOWED
        )
        assert staff_client.post(reverse("logout")).status_code == HTTPStatus.FOUND

    def test_user_without_a_role_is_refused(self, client, django_user_model):
        user = django_user_model.objects.create_user("norole", password="x")
        login(client, user)
        assert client.get(reverse("trainings:list")).status_code == (
            HTTPStatus.FORBIDDEN
        )


class TestTrainingDetail:
    def test_maros_page_shows_19_4_15_and_day_2_18(self, staff_client):
        call_command("load_demo", stdout=io.StringIO())
        training = Training.objects.get()
        response = staff_client.get(training.get_absolute_url())
        assert response.status_code == HTTPStatus.OK
        html = response.content.decode()
        assert _stat(html, "total") == "19"
        assert _stat(html, "male") == "4"
        assert _stat(html, "female") == "15"
        day_totals = re.findall(r'data-stat="day-total">(\d+)<', html)
        assert day_totals == ["19", "18", "19"]
        assert "18–20 Oktober 2023" in html
        assert "Hj. Nurhaeda Rahman, S.Sos" in html
        # Personal data stays off the roster.
        assert "+6281242317710" not in html

    def test_summary_by_agency_type(self, staff_client):
        call_command("load_demo", stdout=io.StringIO())
        training = Training.objects.get()
        response = staff_client.get(training.get_absolute_url())
        rows = {
            row["agency_type"]: (row["male"], row["female"], row["total"])
            for row in response.context["by_agency_type"]
        }
        assert rows == {
            "community": (1, 4, 5),
            "government": (1, 6, 7),
            "law_enforcement": (2, 1, 3),
            "service_provider": (0, 4, 4),
        }

    def test_not_recorded_sex_is_shown_and_totals_add_up(self, staff_client):
        training = TrainingFactory()
        EnrolmentFactory(training=training, participant__sex=Participant.Sex.MALE)
        EnrolmentFactory(training=training, participant__sex="")
        response = staff_client.get(training.get_absolute_url())
        summary = response.context["summary"]
        counts = {
            key: summary[key] for key in ("total", "male", "female", "not_recorded")
        }
        assert counts == {"total": 2, "male": 1, "female": 0, "not_recorded": 1}

    def test_facilitators_are_not_counted_as_participants(self, staff_client):
        training = TrainingFactory()
        EnrolmentFactory(training=training)
        EnrolmentFactory(training=training, role="facilitator")
        response = staff_client.get(training.get_absolute_url())
        assert response.context["summary"]["total"] == 1

    def test_english_interface(self, staff_client):
        training = TrainingFactory()
        staff_client.post(reverse("set_language"), {"language": "en", "next": "/"})
        html = staff_client.get(training.get_absolute_url()).content.decode()
        assert "18–20 October 2023" in html
        assert "Participants by sex" in html

    def test_missing_training_is_404(self, staff_client):
        assert staff_client.get("/trainings/999999/").status_code == (
            HTTPStatus.NOT_FOUND
        )


class TestTrainingList:
    def test_filters_by_year_region_and_topic(self, staff_client):
        ocsea = TopicFactory(code="ocsea-test", name="OCSEA")
        maros = RegencyFactory()
        other = RegencyFactory()
        match = TrainingFactory(region=maros, start_date=datetime.date(2023, 10, 18))
        match.topics.add(ocsea)
        TrainingFactory(region=maros, start_date=datetime.date(2024, 3, 1))
        TrainingFactory(region=other, start_date=datetime.date(2023, 5, 1))
        response = staff_client.get(
            reverse("trainings:list"),
            {"year": 2023, "region": maros.code, "topic": ocsea.pk},
        )
        assert list(response.context["page_obj"].object_list) == [match]

    def test_province_filter_includes_its_regencies(self, staff_client):
        regency = RegencyFactory()
        training = TrainingFactory(region=regency)
        response = staff_client.get(
            reverse("trainings:list"), {"region": regency.parent.code}
        )
        assert list(response.context["page_obj"].object_list) == [training]

    def test_invalid_filter_value_is_a_form_error_not_a_500(self, staff_client):
        response = staff_client.get(reverse("trainings:list"), {"year": "abc"})
        assert response.status_code == HTTPStatus.OK
        assert response.context["filter"].errors

    def test_paginated_by_20(self, staff_client):
        TrainingFactory.create_batch(21)
        response = staff_client.get(reverse("trainings:list"))
        assert len(response.context["page_obj"].object_list) == 20
        assert response.context["page_obj"].paginator.num_pages == 2

    def test_shows_participant_counts(self, staff_client):
        training = TrainingFactory()
        EnrolmentFactory.create_batch(3, training=training)
        response = staff_client.get(reverse("trainings:list"))
        assert response.context["page_obj"].object_list[0].participant_count == 3

    def test_same_number_of_queries_for_2_and_50_trainings(self, staff_client):
        def count_queries(n):
            Training.objects.all().delete()
            for training in TrainingFactory.create_batch(n):
                EnrolmentFactory(training=training)
                training.topics.add(TopicFactory())
            with CaptureQueriesContext(connection) as ctx:
                response = staff_client.get(reverse("trainings:list"))
            assert response.status_code == HTTPStatus.OK
            return len(ctx.captured_queries)

        assert count_queries(2) == count_queries(50)


def test_only_admins_see_the_deleted_records_link(staff_client, admin_user, client):
    url = reverse("restore:deleted")
    assert url not in staff_client.get(reverse("trainings:list")).content.decode()
    login(client, admin_user)
    assert url in client.get(reverse("trainings:list")).content.decode()
