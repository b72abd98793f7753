"""Pre-test and post-test scores: reading a score as people write it, the score
grid's form, and saving a training's scores in one transaction.

A score is a number from 0 to the training's maximum (``Training.score_maximum``,
100 unless set), kept with two decimals. People write it "75", "75,5" (the
Indonesian decimal comma), "75.5" or " 80 "; an empty cell or a dash is no score.
The knowledge-gain figures read the saved scores (``trainings.knowledge_gain``);
the sign-in sheet import reads score columns (``trainings.imports``) and checks
them here too, so a score is judged by one rule wherever it comes from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_update_with_history

from participants.sheets import Problem
from setara.text import clean_text

from .knowledge_gain import DEFAULT_SCORE_MAXIMUM
from .models import Enrolment, Training

#: The model field of each score -> how a message names it.
SCORE_FIELDS = {"pre_score": _("pre-test"), "post_score": _("post-test")}
#: The grid's form field prefix of each score (``pre_12`` is enrolment 12's).
GRID_PREFIXES = {"pre_score": "pre", "post_score": "post"}
#: The largest number a score or maximum column holds (``Decimal(6, 2)``).
SCORE_CEILING = Decimal("9999.99")
_CENT = Decimal("0.01")
#: Digits with at most one decimal mark, a comma or a dot ("75", "75,5", ",5").
_SCORE_RE = re.compile(r"^(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)$")
#: What a sheet or a person writes for "no score".
_NO_SCORE = frozenset({"", "-", "–", "—"})


def format_score(value: Decimal | None) -> str:
    """A score as the active language writes it, without trailing zeros:
    ``Decimal("75.50")`` is "75,5" in Indonesian and "75.5" in English; None is
    the empty string."""
    if value is None:
        return ""
    places = max(0, -value.normalize().as_tuple().exponent)
    return number_format(value, decimal_pos=places, use_l10n=True)


def score_range_text(maximum: Decimal) -> str:
    """The allowed range as messages name it: "0 to 100"."""
    return gettext("0 to %(maximum)s") % {"maximum": format_score(maximum)}


def parse_score(value: Any, *, maximum: Decimal) -> Decimal | None:
    """The score in ``value`` (text as typed or read from a cell, a number, or
    None), rounded to two decimals; None for an empty value or a dash.

    Either a comma or a dot is the decimal mark, and spaces around the number do
    not matter. Raises ValidationError (code ``score_invalid`` for what is not a
    number, ``score_range`` for a number outside 0 to ``maximum``), whose message
    names the allowed range.
    """
    if value is None:
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise _invalid(maximum)
        number = Decimal(str(value))  # a float's shortest form: 75.5, not 75.4999…
    else:
        text = clean_text(str(value)).strip()
        if text in _NO_SCORE:
            return None
        if not _SCORE_RE.match(text):
            raise _invalid(maximum)
        number = Decimal(text.replace(",", "."))
    try:
        number = number.quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # NaN, infinity, or too many digits to round
        raise _invalid(maximum) from None
    if not 0 <= number <= maximum:
        raise ValidationError(
            _("The score must be from %(range)s."),
            code="score_range",
            params={"range": score_range_text(maximum)},
        )
    return number


def _invalid(maximum: Decimal) -> ValidationError:
    return ValidationError(
        _("Write the score as a number from %(range)s, such as 75 or 75,5."),
        code="score_invalid",
        params={"range": score_range_text(maximum)},
    )


def highest_score(training: Training) -> Decimal | None:
    """The highest pre-test or post-test score recorded in ``training`` (any
    role), or None when there is none; one query."""
    found = training.enrolments.aggregate(pre=Max("pre_score"), post=Max("post_score"))
    scores = [score for score in found.values() if score is not None]
    return max(scores) if scores else None


def score_grid_enrolments(training: Training):
    """The enrolments the score grid lists, in its order (the grid's "No."): the
    participants of ``training`` (not facilitators or committee) by name, with
    participant and agency loaded; one query."""
    return (
        training.enrolments.participants()
        .select_related("participant__agency")
        .order_by("participant__full_name", "id")
    )


def score_counts(training: Training) -> dict[str, int]:
    """The score grid's numbers for all of ``training``'s participants, whatever
    page is shown, in one query: ``participants``, ``pre_score`` and
    ``post_score`` (how many have that score recorded)."""
    return training.enrolments.participants().aggregate(
        participants=Count("id"),
        pre_score=Count("pre_score"),
        post_score=Count("post_score"),
    )


def score_grid_number(rows, enrolment: Enrolment) -> int:
    """The row number ("No.") of ``enrolment`` in ``rows`` (a QuerySet in the
    grid's order, by name then id, that holds it): 1 for the first; one query."""
    name = enrolment.participant.full_name
    before = rows.filter(
        Q(participant__full_name__lt=name)
        | Q(participant__full_name=name, pk__lt=enrolment.pk)
    )
    return before.count() + 1


def score_settings_errors(
    training: Training,
    *,
    maximum: Decimal | None,
    pass_mark: Decimal | None,
    maximum_changed: bool,
) -> dict[str, str]:
    """What is wrong with a training's new maximum score and pass mark, as field
    name -> message (empty when both are fine): a maximum of 0, a pass mark
    above the maximum (100 when the maximum is empty), or, when the maximum
    changed, a maximum below a score already recorded (one query)."""
    errors = {}
    if maximum is not None and maximum <= 0:
        errors["test_max_score"] = gettext("The maximum score must be more than 0.")
        return errors
    effective = maximum if maximum is not None else DEFAULT_SCORE_MAXIMUM
    if pass_mark is not None and pass_mark > effective:
        errors["test_pass_mark"] = gettext(
            "The pass mark cannot be above the maximum score (%(maximum)s)."
        ) % {"maximum": format_score(effective)}
    highest = highest_score(training) if training.pk and maximum_changed else None
    if highest is not None and highest > effective:
        errors["test_max_score"] = gettext(
            "Scores up to %(highest)s are already recorded in this training: the "
            "maximum cannot be lower. Correct those scores first."
        ) % {"highest": format_score(highest)}
    return errors


# Saving ------------------------------------------------------------------------


def row_label(number: int, enrolment: Enrolment) -> str:
    """A grid row as messages name it: "No. 3 (Siti Aminah)"."""
    return gettext("No. %(number)s (%(name)s)") % {
        "number": number,
        "name": enrolment.participant.full_name,
    }


@transaction.atomic
def scores_save(
    *,
    training: Training,
    changes: Mapping[int, Mapping[str, Any]],
    user=None,
    numbers: Mapping[int, int] | None = None,
) -> int:
    """Save pre-test and post-test scores of ``training``'s participants.

    ``changes`` maps an enrolment id to ``{"pre_score": value, "post_score":
    value}`` (either key may be left out: that score stays as it is); a value is
    anything ``parse_score`` reads (a Decimal, "75,5", "" or None to clear).
    Every value is checked before anything is written, and the scores are written
    in one transaction with their history rows (``user`` recorded); a score equal
    to the saved one writes nothing, so saving the same grid twice is harmless.
    Returns how many enrolments changed.

    Raises ValidationError, writing nothing, listing every problem: an enrolment
    that is not a participant of this training (facilitators, committee and other
    trainings' enrolments are refused), an unknown score field, or a value that
    is not a score from 0 to the maximum, each naming the grid row ("No. 3 (Siti
    Aminah)") and the test. ``numbers`` maps an enrolment id to its row number
    as the page showed it; without it (or for an id it lacks) the row's number in
    the whole grid is counted (one query a row, only for rows with a problem).

    Only the enrolments in ``changes`` are read and locked (one query), then
    written: the same queries whatever the size of the training.
    """
    maximum = training.score_maximum
    rows = score_grid_enrolments(training)
    by_id = {
        enrolment.pk: enrolment
        for enrolment in rows.filter(pk__in=list(changes)).select_for_update(
            of=("self",)
        )
    }
    errors, changed = [], []
    for enrolment_id, values in changes.items():
        enrolment = by_id.get(enrolment_id)
        if enrolment is None:
            errors.append(
                gettext("Enrolment #%(id)s is not a participant of this training.")
                % {"id": enrolment_id}
            )
            continue
        row_changed = False
        for name, value in values.items():
            if name not in SCORE_FIELDS:
                errors.append(
                    gettext("%(row)s: there is no score “%(field)s”.")
                    % {"row": _label(rows, numbers, enrolment), "field": name}
                )
                continue
            try:
                score = parse_score(value, maximum=maximum)
            except ValidationError as error:
                errors.append(
                    _row_error(
                        _label(rows, numbers, enrolment), name, error.messages[0]
                    )
                )
                continue
            if getattr(enrolment, name) != score:
                setattr(enrolment, name, score)
                row_changed = True
        if row_changed:
            changed.append(enrolment)
    if errors:
        raise ValidationError(errors)
    if changed:
        bulk_update_with_history(
            changed, Enrolment, list(SCORE_FIELDS), default_user=user
        )
    return len(changed)


def _label(rows, numbers: Mapping[int, int] | None, enrolment: Enrolment) -> str:
    """``row_label`` of ``enrolment``, numbered by ``numbers`` or else counted
    in ``rows``."""
    number = (numbers or {}).get(enrolment.pk)
    if number is None:
        number = score_grid_number(rows, enrolment)
    return row_label(number, enrolment)


def _row_error(row: str, field: str, message: str) -> str:
    """A problem of one box, such as "No. 3 (Siti Aminah), post-test: The score
    must be from 0 to 100."."""
    return gettext("%(row)s, %(test)s: %(message)s") % {
        "row": row,
        "test": SCORE_FIELDS[field],
        "message": message,
    }


# The grid's form ----------------------------------------------------------------


class ScoreField(forms.Field):
    """A score box: text with the phone's decimal keypad, read by
    ``parse_score`` (0 to ``maximum``), shown as ``format_score`` writes it.

    Also the form field of a model ``DecimalField`` (``Meta.field_classes``): its
    ``max_digits`` and ``decimal_places`` are those of every score, so ignored."""

    widget = forms.TextInput

    def __init__(
        self,
        *,
        maximum: Decimal = SCORE_CEILING,
        max_digits=None,
        decimal_places=None,
        **kwargs,
    ):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.maximum = maximum

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "inputmode": "decimal",
            "autocomplete": "off",
        }

    def to_python(self, value):
        return parse_score(value, maximum=self.maximum)

    def prepare_value(self, value):
        return format_score(value) if isinstance(value, Decimal) else value


class ScoreGridForm(forms.Form):
    """The score grid: a pre-test and a post-test box per enrolment of
    ``enrolments`` (the rows of one page of the grid, the first numbered
    ``first_number``), in one POST.

    Field ``pre_<enrolment id>`` and ``post_<enrolment id>``. Each box carries
    the value it was shown with (a hidden "initial-" input), so only the boxes
    the user changed are saved (``changes()``): a score someone else saved
    meanwhile in a box this user left alone is kept. Boxes of other enrolments
    in the data are ignored.
    """

    _BOX = re.compile(r"(?:initial-)?(?:pre|post)_([0-9]{1,18})")

    def __init__(
        self,
        *args,
        training: Training,
        enrolments: Sequence[Enrolment],
        first_number: int = 1,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.training = training
        self.enrolments = list(enrolments)
        self.first_number = first_number
        maximum = training.score_maximum
        for enrolment in self.enrolments:
            name = enrolment.participant.full_name
            for field, prefix in GRID_PREFIXES.items():
                key = f"{prefix}_{enrolment.pk}"
                self.fields[key] = ScoreField(
                    maximum=maximum,
                    label=f"{name}, {SCORE_FIELDS[field]}",
                    show_hidden_initial=True,
                    widget=forms.TextInput(
                        attrs={
                            "class": "form-control score-input",
                            "aria-label": f"{name}, {SCORE_FIELDS[field]}",
                        }
                    ),
                )
                self.initial[key] = getattr(enrolment, field)

    @classmethod
    def posted_ids(cls, data: Mapping[str, Any]) -> list[int]:
        """The enrolment ids whose boxes ``data`` (a POST) holds, sorted."""
        found = (cls._BOX.fullmatch(key) for key in data)
        return sorted({int(match[1]) for match in found if match})

    def numbers(self) -> dict[int, int]:
        """Enrolment id -> its row number ("No.") on the page."""
        return {
            enrolment.pk: number
            for number, enrolment in enumerate(self.enrolments, self.first_number)
        }

    def changes(self) -> dict[int, dict[str, Decimal | None]]:
        """Enrolment id -> the scores the user changed (``pre_score`` and/or
        ``post_score``, None to clear); call after ``is_valid()``."""
        fields = {prefix: field for field, prefix in GRID_PREFIXES.items()}
        changes: dict[int, dict[str, Decimal | None]] = {}
        for key in self.changed_data:
            prefix, enrolment_id = key.split("_")
            changes.setdefault(int(enrolment_id), {})[fields[prefix]] = (
                self.cleaned_data[key]
            )
        return changes

    def rows(self) -> list[dict]:
        """One row per enrolment, in the grid's order: ``number``, ``enrolment``,
        ``cells`` (the pre-test then post-test bound field)."""
        return [
            {
                "number": number,
                "enrolment": enrolment,
                "cells": [
                    self[f"{prefix}_{enrolment.pk}"]
                    for prefix in GRID_PREFIXES.values()
                ],
            }
            for number, enrolment in enumerate(self.enrolments, self.first_number)
        ]

    def error_summary(self) -> list[dict]:
        """The boxes with an error, in grid order: ``row`` ("No. 3 (Siti
        Aminah)"), ``test`` ("post-test"), ``message`` and ``field`` (the bound
        field, for a link to its box)."""
        summary = []
        for number, enrolment in enumerate(self.enrolments, self.first_number):
            for field, prefix in GRID_PREFIXES.items():
                bound = self[f"{prefix}_{enrolment.pk}"]
                for message in bound.errors:
                    summary.append(
                        {
                            "row": row_label(number, enrolment),
                            "test": SCORE_FIELDS[field],
                            "message": message,
                            "field": bound,
                        }
                    )
        return summary


# The sign-in sheet import --------------------------------------------------------


def import_score_problems(training: Training, parsed) -> list[Problem]:
    """A Problem for each score cell of ``parsed`` (a ``ParsedFile``) that is not
    a score from 0 to ``training``'s maximum, naming the row, the column and the
    allowed range."""
    maximum = training.score_maximum
    problems = []
    for row in parsed.rows:
        for name in SCORE_FIELDS:
            text = getattr(row, name)
            try:
                parse_score(text, maximum=maximum)
            except ValidationError as error:
                column, header = parsed.score_columns.get(name, ("", ""))
                problems.append(
                    Problem(
                        message=error.messages[0],
                        row=row.row,
                        column=column,
                        header=header,
                        value=text,
                    )
                )
    return problems


def import_row_scores(row, *, maximum: Decimal) -> dict[str, Decimal]:
    """The scores of an import row (``ImportRow``) that has them: ``{"pre_score":
    Decimal, "post_score": Decimal}``, an empty cell left out. Raises
    ValidationError as ``parse_score`` does (the plan has checked the cells)."""
    scores = {}
    for name in SCORE_FIELDS:
        score = parse_score(getattr(row, name), maximum=maximum)
        if score is not None:
            scores[name] = score
    return scores


def scores_import_update(*, training: Training, row_plans: Sequence, user=None) -> int:
    """Write the score cells of the import rows whose person is already enrolled
    in ``training`` (``ImportPlan.already_enrolled``) on those enrolments: a
    non-empty cell replaces the saved score, an empty one keeps it. Scores are a
    participant's: a facilitator's or committee member's cells are not written
    (the score grid does not list them either). History rows
    record ``user``; returns how many enrolments changed. Two queries and a bulk
    update; call inside the import's transaction."""
    maximum = training.score_maximum
    wanted = {}
    for row_plan in row_plans:
        scores = import_row_scores(row_plan.row, maximum=maximum)
        if scores:
            wanted[row_plan.match.pk] = scores
    if not wanted:
        return 0
    changed = []
    enrolments = training.enrolments.participants()
    for enrolment in enrolments.filter(participant_id__in=list(wanted)):
        scores = wanted[enrolment.participant_id]
        if any(getattr(enrolment, name) != score for name, score in scores.items()):
            for name, score in scores.items():
                setattr(enrolment, name, score)
            changed.append(enrolment)
    if changed:
        bulk_update_with_history(
            changed, Enrolment, list(SCORE_FIELDS), default_user=user
        )
    return len(changed)
