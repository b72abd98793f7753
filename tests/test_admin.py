"""The Django admin: every model registered, changelists at a fixed query count."""

from http import HTTPStatus

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    ReferralInstitutionFactory,
    TopicFactory,
    TrainingFactory,
)

pytestmark = pytest.mark.django_db

LOCAL_APPS = ["regions", "participants", "trainings", "referrals"]


def _local_models():
    return [
        model
        for app in LOCAL_APPS
        for model in apps.get_app_config(app).get_models()
        if not model._meta.auto_created and not model.__name__.startswith("Historical")
    ]


def test_every_model_is_in_the_admin():
    missing = [m.__name__ for m in _local_models() if not admin.site.is_registered(m)]
    assert missing == []


def _make_rows(n):
    for _ in range(n):
        attendance = AttendanceFactory()
        EnrolmentFactory(participant=attendance.enrolment.participant)
        ParticipantFactory()
        ReferralInstitutionFactory()
        TrainingFactory().topics.add(TopicFactory())


def _changelist_queries(client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    return len(ctx.captured_queries)


def test_changelists_run_a_fixed_number_of_queries(admin_client):
    _make_rows(2)
    few = {m.__name__: _changelist_queries(admin_client, m) for m in _local_models()}
    _make_rows(8)
    many = {m.__name__: _changelist_queries(admin_client, m) for m in _local_models()}
    assert few == many


def test_change_pages_open(admin_client):
    attendance = AttendanceFactory()
    for obj in [
        attendance,
        attendance.enrolment,
        attendance.enrolment.training,
        attendance.enrolment.participant,
        attendance.enrolment.participant.agency,
    ]:
        meta = obj._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == HTTPStatus.OK, url


def test_programme_staff_cannot_open_the_admin(staff_client):
    response = staff_client.get(reverse("admin:index"))
    assert response.status_code == HTTPStatus.FOUND
    assert "/admin/login/" in response["Location"]
