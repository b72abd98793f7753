"""Issuing at the same moment from two requests (PostgreSQL only: its row lock on
the training decides the race; SQLite serialises writers): a double click gives
one certificate, two people get consecutive serials."""

import threading

import pytest
from django.db import connection, connections

from certificates.models import Certificate
from certificates.services import certificate_issue

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent transactions (PostgreSQL)",
    ),
]


def at_once(*calls):
    """Run each of ``calls`` in its own thread (and connection), started together;
    their results or exceptions in order."""
    start = threading.Barrier(len(calls), timeout=10)
    outcomes = [None] * len(calls)

    def run(number, call):
        try:
            start.wait()
            outcomes[number] = call()
        except Exception as error:  # noqa: BLE001 - reported to the test
            outcomes[number] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(number, call))
        for number, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_a_double_click_issues_one_certificate(training, enrol, staff_user):
    enrolment = enrol()
    first, second = at_once(
        lambda: certificate_issue(enrolment=enrolment, user=staff_user),
        lambda: certificate_issue(enrolment=enrolment, user=staff_user),
    )
    assert isinstance(first, Certificate), first
    assert isinstance(second, Certificate), second
    assert first.pk == second.pk
    assert Certificate.objects.count() == 1


def test_two_people_at_once_get_consecutive_serials(training, enrol, staff_user):
    andi, sitti = enrol("Andi Baso"), enrol("Sitti Aminah")
    outcomes = at_once(
        lambda: certificate_issue(enrolment=andi, user=staff_user),
        lambda: certificate_issue(enrolment=sitti, user=staff_user),
    )
    assert all(isinstance(outcome, Certificate) for outcome in outcomes), outcomes
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == [1, 2]
