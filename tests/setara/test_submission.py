"""One-time submission tokens: the form field, the lookup and ``create_once``."""

import uuid

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from setara.submission import (
    SubmissionTokenFormMixin,
    create_once,
    submitted_record,
)
from tests.factories import TrainingFactory
from trainings.forms import TrainingForm
from trainings.models import Training


class NoteForm(SubmissionTokenFormMixin, forms.Form):
    note = forms.CharField()


def test_an_empty_form_gets_a_new_token_each_time_it_is_rendered():
    first, second = NoteForm(), NoteForm()
    assert isinstance(first.initial["submission_token"], uuid.UUID)
    assert first.initial["submission_token"] != second.initial["submission_token"]
    html = str(first["submission_token"])
    assert 'type="hidden"' in html
    assert str(first.initial["submission_token"]) in html


def test_a_posted_form_keeps_its_token_when_shown_again():
    token = uuid.uuid4()
    form = NoteForm({"note": "", "submission_token": str(token)})
    assert not form.is_valid()
    assert form.submitted_token() == token
    assert str(token) in str(form["submission_token"])


@pytest.mark.parametrize("value", [None, "", "not-a-uuid"])
def test_a_missing_or_malformed_token_reads_as_none(value):
    data = {"note": "x"} if value is None else {"note": "x", "submission_token": value}
    form = NoteForm(data)
    assert form.is_valid()  # saved without the protection, never refused
    assert form.submitted_token() is None
    assert NoteForm().submitted_token() is None  # unbound


@pytest.mark.django_db
def test_a_form_editing_a_record_has_no_token():
    form = TrainingForm(instance=TrainingFactory())
    assert "submission_token" not in form.fields
    assert form.submitted_token() is None
    assert "submission_token" in TrainingForm().fields


@pytest.mark.django_db
class TestCreateOnce:
    def test_creates_then_finds_the_record_of_the_token(self):
        token = uuid.uuid4()
        calls = []

        def create():
            calls.append(1)
            return TrainingFactory(submission_token=token)

        first, created = create_once(model=Training, token=token, create=create)
        assert created
        again, created_again = create_once(model=Training, token=token, create=create)
        assert (again, created_again) == (first, False)
        assert len(calls) == 1
        assert submitted_record(Training, token) == first
        assert submitted_record(Training, None) is None

    def test_without_a_token_every_call_creates(self):
        made = [
            create_once(model=Training, token=None, create=TrainingFactory)
            for _ in range(2)
        ]
        assert [created for _, created in made] == [True, True]
        assert Training.objects.count() == 2

    @pytest.mark.parametrize("error", [IntegrityError, ValidationError])
    def test_a_duplicate_that_won_meanwhile_is_returned(self, error, monkeypatch):
        """What a concurrent request sees: its lookup found nothing, the other
        request committed, and its own insert or validation then failed."""
        token = uuid.uuid4()
        winner = TrainingFactory(submission_token=token)
        lookups = iter([None, winner])
        monkeypatch.setattr(
            "setara.submission.submitted_record", lambda model, t: next(lookups)
        )

        def create():
            raise error("duplicate")

        assert create_once(model=Training, token=token, create=create) == (
            winner,
            False,
        )

    @pytest.mark.parametrize("error", [IntegrityError, ValidationError])
    def test_other_errors_are_raised_and_roll_back(self, error):
        def create():
            TrainingFactory(submission_token=token)
            raise error("something else")

        token = uuid.uuid4()
        with pytest.raises(error):
            create_once(model=Training, token=token, create=create)
        assert not Training.objects.exists()

    def test_the_database_refuses_a_second_record_with_the_token(self):
        token = uuid.uuid4()
        TrainingFactory(submission_token=token)
        TrainingFactory.create_batch(2, submission_token=None)  # many without
        with pytest.raises(IntegrityError), transaction.atomic():
            TrainingFactory(submission_token=token)
