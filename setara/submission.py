"""One-time submission tokens: a create form sent twice creates one record.

Pressing Back after saving and saving again, a double click, or two tabs would
otherwise create a copy of a training or a person. The protection has three parts,
used the same way by every create form:

- ``SubmissionTokenFormMixin`` gives the form a hidden ``submission_token``, a new
  uuid4 each time an empty form is rendered (a form shown again with errors keeps
  the token it was sent with);
- the model keeps the token of the POST that created the record in a nullable
  ``submission_token`` column with a unique constraint (``submission_token_field``
  and ``submission_token_constraint``);
- the view asks ``submitted_record`` before writing ("this was already saved":
  redirect to that record with an info message) and writes through
  ``create_once``, which turns the unique violation of a concurrent duplicate
  into the record that won.

Used by ``trainings.views.records`` (new training; new person on the enrol page).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q

TOKEN_FIELD = "submission_token"

Record = TypeVar("Record", bound=models.Model)


def submission_token_field() -> models.UUIDField:
    """The model column that remembers which form submission created a record
    (null for records made otherwise: imports, the admin, older rows)."""
    return models.UUIDField(null=True, blank=True, editable=False)


def submission_token_constraint(name: str) -> models.UniqueConstraint:
    """The unique constraint on ``submission_token`` (named ``name``).

    Partial (only non-null tokens), so that SQLite adds it as an index without
    rebuilding the table, and PostgreSQL indexes only the rows that have a token.
    """
    return models.UniqueConstraint(
        fields=[TOKEN_FIELD],
        condition=Q(submission_token__isnull=False),
        name=name,
    )


class _TokenField(forms.UUIDField):
    """A UUID, or None for a missing or malformed value (never a form error: the
    user could not correct a hidden field)."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            return None


class SubmissionTokenFormMixin(forms.Form):
    """A hidden one-time token on a form that creates a record.

    An unbound form gets a new uuid4; a bound one keeps the token it was posted
    with. On a ModelForm editing an existing record the field is removed (only
    creation needs it). Read the posted token with ``submitted_token()``.
    """

    submission_token = _TokenField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and not instance._state.adding:
            del self.fields[TOKEN_FIELD]
        elif not self.is_bound:
            self.initial[TOKEN_FIELD] = uuid.uuid4()

    def submitted_token(self) -> uuid.UUID | None:
        """The token this POST carries, or None when the form is unbound, has no
        token field, or the value is missing or not a UUID (a page rendered before
        tokens existed: it is saved without the protection)."""
        field = self.fields.get(TOKEN_FIELD)
        if field is None or not self.is_bound:
            return None
        return field.clean(self.data.get(self.add_prefix(TOKEN_FIELD)))


def submitted_record(model: type[Record], token: uuid.UUID | None) -> Record | None:
    """The record of ``model`` created with ``token``, or None (also for no token).

    Call it after reading what the form needs from the database and just before
    writing, so a concurrent duplicate that committed meanwhile is found here."""
    if token is None:
        return None
    return model._default_manager.filter(**{TOKEN_FIELD: token}).first()


def create_once(
    *, model: type[Record], token: uuid.UUID | None, create: Callable[[], Record]
) -> tuple[Record, bool]:
    """Run ``create`` (which must store ``token`` on the ``model`` record it
    returns) unless a record with ``token`` exists; return ``(record, created)``.

    ``create`` runs in a savepoint. When it fails with IntegrityError or
    ValidationError and a record with ``token`` exists by then, that record is
    returned with ``created=False``: a concurrent request with the same token won
    (on PostgreSQL the insert waits for it to commit and then hits the unique
    constraint, or validation sees the NIK or agency it just wrote). Otherwise the
    error is raised again.
    """
    existing = submitted_record(model, token)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return create(), True
    except (IntegrityError, ValidationError):
        existing = submitted_record(model, token)
        if existing is None:
            raise
        return existing, False
