"""The Washington Group Short Set on Functioning (WG-SS): six questions on difficulty
in basic activities, and the standard disability cut-off derived from them.

Source: Washington Group on Disability Statistics, "The Washington Group Short Set
on Functioning (WG-SS)" (2020 revision) and its analytic guidelines: the
recommended cut-off for disaggregation ("disability" identifier) is at least one
domain answered "a lot of difficulty" or "cannot do at all". The Indonesian wording
follows the translation used in the catalogue (locale/id).

The answers are optional. A person with no answer at all was "not asked"; a person
with some answers but none at or above the cut-off counts as "no disability".
``wg_disability_case()`` computes that in the database, for report counts.
"""

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _


class Difficulty(models.IntegerChoices):
    """The four answer categories of every WG-SS question, in the survey's order."""

    NONE = 1, _("No difficulty")
    SOME = 2, _("Some difficulty")
    A_LOT = 3, _("A lot of difficulty")
    CANNOT = 4, _("Cannot do at all")


#: The six domains: (field name, question). Field names are the columns of
#: ``FunctioningAnswers``.
WG_QUESTIONS = [
    ("wg_seeing", _("Do you have difficulty seeing, even if wearing glasses?")),
    ("wg_hearing", _("Do you have difficulty hearing, even if using a hearing aid?")),
    ("wg_walking", _("Do you have difficulty walking or climbing steps?")),
    (
        "wg_remembering",
        _("Do you have difficulty remembering or concentrating?"),
    ),
    (
        "wg_self_care",
        _(
            "Do you have difficulty with self-care, such as washing all over or "
            "dressing?"
        ),
    ),
    (
        "wg_communicating",
        _(
            "Using your usual language, do you have difficulty communicating, for "
            "example understanding or being understood?"
        ),
    ),
]
WG_FIELDS = [name for name, _question in WG_QUESTIONS]

#: The values of the derived WG-SS disability status (reports, exports).
WG_YES, WG_NO, WG_NOT_ASKED = "yes", "no", "not_asked"
WG_STATUS_LABELS = {
    WG_YES: _("With disability (WG-SS)"),
    WG_NO: _("Without disability (WG-SS)"),
    WG_NOT_ASKED: _("WG-SS not asked"),
}


def _answer_field(question: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        question, choices=Difficulty.choices, null=True, blank=True
    )


class FunctioningAnswers(models.Model):
    """Abstract: the six WG-SS answers (1-4, see ``Difficulty``; null = not
    answered). Used by ``Participant`` and by the self-registration form's record,
    so an accepted registration copies them field by field."""

    wg_seeing = _answer_field(WG_QUESTIONS[0][1])
    wg_hearing = _answer_field(WG_QUESTIONS[1][1])
    wg_walking = _answer_field(WG_QUESTIONS[2][1])
    wg_remembering = _answer_field(WG_QUESTIONS[3][1])
    wg_self_care = _answer_field(WG_QUESTIONS[4][1])
    wg_communicating = _answer_field(WG_QUESTIONS[5][1])

    class Meta:
        abstract = True

    @property
    def wg_disability(self) -> str:
        """``WG_YES``, ``WG_NO`` or ``WG_NOT_ASKED`` by the standard cut-off."""
        answers = [getattr(self, name) for name in WG_FIELDS]
        if all(answer is None for answer in answers):
            return WG_NOT_ASKED
        if any(answer is not None and answer >= Difficulty.A_LOT for answer in answers):
            return WG_YES
        return WG_NO

    def wg_answers(self) -> dict[str, int | None]:
        """The six answers by field name."""
        return {name: getattr(self, name) for name in WG_FIELDS}


def wg_disability_case(prefix: str = "") -> Case:
    """A database expression giving ``WG_YES``/``WG_NO``/``WG_NOT_ASKED`` for the
    row whose WG-SS fields are reached through ``prefix`` (e.g.
    ``"participant__"`` from an enrolment): the same rule as
    ``FunctioningAnswers.wg_disability``, for ``values().annotate()`` reports."""
    at_cut_off = Q()
    answered = Q()
    for name in WG_FIELDS:
        at_cut_off |= Q(**{f"{prefix}{name}__gte": Difficulty.A_LOT})
        answered |= Q(**{f"{prefix}{name}__isnull": False})
    return Case(
        When(at_cut_off, then=Value(WG_YES)),
        When(answered, then=Value(WG_NO)),
        default=Value(WG_NOT_ASKED),
        output_field=models.CharField(),
    )
