"""The certificate rule: days present ("every day" or "at least N days"), the
post-test pass mark, facilitators and committee, and one query for the list."""

from decimal import Decimal

import pytest
from django.utils import translation

from certificates.eligibility import (
    CertificateRule,
    enrolment_eligibility,
    training_eligibility,
)
from trainings.models import Enrolment
from trainings.scores import format_score

pytestmark = pytest.mark.django_db


def reasons_of(training) -> dict[str, list[str]]:
    """Name -> reasons (empty when they qualify), in English."""
    with translation.override("en"):
        _rule, rows = training_eligibility(training)
    return {row.enrolment.participant.full_name: row.reasons for row in rows}


class TestDaysPresent:
    def test_every_day_refuses_someone_absent_on_one_day(self, training, enrol):
        enrol("Andi Baso", days=3)
        enrol("Sitti Aminah", days=2)
        assert reasons_of(training) == {
            "Andi Baso": [],
            "Sitti Aminah": ["present 2 of 3 days, needs 3"],
        }

    def test_a_day_with_nothing_recorded_is_not_a_day_present(self, training, enrol):
        enrol("Sitti Aminah", days=2, absent_unrecorded=True)
        assert reasons_of(training) == {
            "Sitti Aminah": ["present 2 of 3 days, needs 3"]
        }

    def test_at_least_two_days_takes_someone_absent_on_one_day(self, training, enrol):
        training.certificate_min_days = 2
        training.save()
        enrol("Andi Baso", days=3)
        enrol("Sitti Aminah", days=2)
        enrol("Nurhaeda", days=1)
        assert reasons_of(training) == {
            "Andi Baso": [],
            "Sitti Aminah": [],
            "Nurhaeda": ["present 1 of 3 days, needs 2"],
        }

    def test_a_rule_above_the_training_length_qualifies_nobody_and_says_so(
        self, training, enrol
    ):
        training.certificate_min_days = 4
        training.save()
        enrol("Andi Baso", days=3)
        with translation.override("en"):
            rule, rows = training_eligibility(training)
            assert rule.warnings == [
                "The rule asks for more days present than the training has: "
                "nobody qualifies until it is changed on the training's form."
            ]
        assert [row.qualifies for row in rows] == [False]


class TestPassMark:
    @pytest.fixture(autouse=True)
    def _requires_pass(self, training):
        training.certificate_requires_pass = True
        training.save()

    def test_post_test_below_the_pass_mark(self, training, enrol):
        enrol("Andi Baso", post=55)
        enrol("Sitti Aminah", post=70)  # at the pass mark: passes
        enrol("Nurhaeda", post="72.5")
        assert reasons_of(training) == {
            "Andi Baso": ["post-test 55 below the pass mark 70"],
            "Sitti Aminah": [],
            "Nurhaeda": [],
        }

    def test_no_post_test_score(self, training, enrol):
        enrol("Andi Baso")
        assert reasons_of(training) == {"Andi Baso": ["no post-test score"]}

    def test_both_reasons_are_given(self, training, enrol):
        enrol("Andi Baso", days=1, post="69.5")
        assert reasons_of(training) == {
            "Andi Baso": [
                "present 1 of 3 days, needs 3",
                "post-test 69.5 below the pass mark 70",
            ]
        }

    def test_without_a_pass_mark_nobody_is_taken_to_have_passed(self, training, enrol):
        training.test_pass_mark = None
        training.save()
        enrol("Andi Baso", post=100)
        assert reasons_of(training) == {"Andi Baso": ["the training has no pass mark"]}
        with translation.override("en"):
            rule = CertificateRule.of(training)
            assert len(rule.warnings) == 1
            assert "has no pass mark" in rule.warnings[0]
            assert rule.description == (
                "Present every day of the training, and a post-test score at "
                "least the pass mark"
            )

    def test_the_rule_in_words(self, training):
        training.certificate_min_days = 2
        with translation.override("en"):
            assert CertificateRule.of(training).description == (
                "Present at least 2 days of 3, and a post-test score of at least 70"
            )


class TestRoles:
    def test_facilitators_and_committee_are_not_listed(self, training, enrol):
        enrol("Andi Baso")
        enrol("Fasilitator", role=Enrolment.Role.FACILITATOR)
        enrol("Panitia", role=Enrolment.Role.COMMITTEE)
        assert list(reasons_of(training)) == ["Andi Baso"]

    def test_a_facilitator_is_told_why(self, training, enrol):
        facilitator = enrol("Fasilitator", role=Enrolment.Role.FACILITATOR)
        with translation.override("en"):
            row = enrolment_eligibility(facilitator)
        assert not row.qualifies
        assert row.reasons == [
            "facilitators and committee members do not receive participant certificates"
        ]


def test_one_query_whatever_the_number_of_people(
    training, enrol, django_assert_num_queries
):
    enrol("Andi Baso")
    with django_assert_num_queries(1):
        training_eligibility(training)
    for number in range(8):
        enrol(f"Peserta {number}", days=number % 4, post=60 + number)
    training.certificate_requires_pass = True
    with django_assert_num_queries(1):
        _rule, rows = training_eligibility(training)
    assert len(rows) == 9
    assert [
        row.days_present
        for row in rows
        if row.enrolment.participant.full_name == "Peserta 2"
    ] == [2]


def test_scores_are_written_as_people_write_them():
    with translation.override("id"):
        assert format_score(Decimal("72.50")) == "72,5"
        assert format_score(Decimal("100.00")) == "100"
    with translation.override("en"):
        assert format_score(Decimal("72.50")) == "72.5"
