"""A three-day training (18-20 October 2023) with a pass mark of 70, and
``enrol``: a person with their days present and post-test score."""

from decimal import Decimal

import pytest

from tests.factories import EnrolmentFactory, TrainingFactory
from trainings.models import Attendance, Enrolment


@pytest.fixture
def training(db):
    return TrainingFactory(
        title="Pelatihan Pencegahan Eksploitasi Seksual Anak Daring",
        venue="Aula Kantor Bupati",
        test_max_score=Decimal(100),
        test_pass_mark=Decimal(70),
    )


@pytest.fixture
def enrol(training):
    """``enrol(name, days=3, post=None, role=..., absent_unrecorded=False)``: a
    new person enrolled in ``training``, present on the first ``days`` days and
    marked absent on the others (or with nothing recorded for them)."""

    def _enrol(
        name="Andi Baso",
        *,
        days=3,
        post=None,
        role=Enrolment.Role.PARTICIPANT,
        absent_unrecorded=False,
        on=None,
    ):
        target = on or training
        enrolment = EnrolmentFactory(
            training=target,
            participant__full_name=name,
            role=role,
            post_score=None if post is None else Decimal(post),
        )
        for number, day in enumerate(target.days):
            present = number < days
            if present or not absent_unrecorded:
                Attendance.objects.create(
                    enrolment=enrolment, date=day, present=present
                )
        return enrolment

    return _enrol
