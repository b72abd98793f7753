"""Who qualifies for a certificate of a training, and why not.

A training's rule has two parts, set on the training's form:

- days present: ``Training.certificate_min_days`` days marked present, or every
  day of the training when it is empty;
- optionally (``certificate_requires_pass``) a post-test score at least the
  training's pass mark (``test_pass_mark``). A training that asks for it but has
  no pass mark qualifies nobody: the panel says so, and nobody is taken to have
  passed.

Only enrolments in the participant role are considered: facilitators and
committee do not receive participant certificates.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trainings.models import Enrolment, Training
from trainings.scores import format_score


@dataclass(frozen=True)
class CertificateRule:
    """A training's rule in plain terms: ``days_required`` (days present needed),
    ``total_days`` (days of the training), ``every_day`` (the rule is "every
    day"), ``requires_pass`` and ``pass_mark`` (None when the training has none).
    """

    days_required: int
    total_days: int
    every_day: bool
    requires_pass: bool
    pass_mark: Decimal | None

    @classmethod
    def of(cls, training: Training) -> "CertificateRule":
        total = len(training.days)
        every_day = training.certificate_min_days is None
        return cls(
            days_required=total if every_day else training.certificate_min_days,
            total_days=total,
            every_day=every_day,
            requires_pass=training.certificate_requires_pass,
            pass_mark=training.test_pass_mark,
        )

    @property
    def description(self) -> str:
        """The rule as a sentence, in the active language."""
        if self.every_day:
            days = _("Present every day of the training")
        else:
            days = ngettext(
                "Present at least %(count)s day of %(total)s",
                "Present at least %(count)s days of %(total)s",
                self.days_required,
            ) % {"count": self.days_required, "total": self.total_days}
        if not self.requires_pass:
            return days
        if self.pass_mark is None:
            return _("%(days)s, and a post-test score at least the pass mark") % {
                "days": days
            }
        return _("%(days)s, and a post-test score of at least %(mark)s") % {
            "days": days,
            "mark": format_score(self.pass_mark),
        }

    @property
    def warnings(self) -> list[str]:
        """What makes the rule impossible to meet, for the panel."""
        found = []
        if self.requires_pass and self.pass_mark is None:
            found.append(
                _(
                    "The rule asks for the post-test pass mark, but this training "
                    "has no pass mark: nobody qualifies until one is set on the "
                    "training's form."
                )
            )
        if self.days_required > self.total_days:
            found.append(
                _(
                    "The rule asks for more days present than the training has: "
                    "nobody qualifies until it is changed on the training's form."
                )
            )
        return found

    def reasons(self, days_present: int, post_score: Decimal | None) -> list[str]:
        """Why a participant present ``days_present`` days with ``post_score``
        (None when not recorded) does not qualify; empty when they do."""
        found = []
        if days_present < self.days_required:
            found.append(
                ngettext(
                    "present %(present)s of %(total)s day, needs %(needed)s",
                    "present %(present)s of %(total)s days, needs %(needed)s",
                    self.total_days,
                )
                % {
                    "present": days_present,
                    "total": self.total_days,
                    "needed": self.days_required,
                }
            )
        if self.requires_pass:
            if self.pass_mark is None:
                found.append(_("the training has no pass mark"))
            elif post_score is None:
                found.append(_("no post-test score"))
            elif post_score < self.pass_mark:
                found.append(
                    _("post-test %(score)s below the pass mark %(mark)s")
                    % {
                        "score": format_score(post_score),
                        "mark": format_score(self.pass_mark),
                    }
                )
        return found


@dataclass
class Eligibility:
    """One participant-role enrolment against the rule: ``days_present`` (days
    marked present), ``total_days``, ``post_score`` (None when not recorded) and
    ``reasons`` (empty when they qualify). ``enrolment.participant`` is loaded.
    """

    enrolment: Enrolment
    days_present: int
    total_days: int
    post_score: Decimal | None
    reasons: list[str] = field(default_factory=list)

    @property
    def qualifies(self) -> bool:
        return not self.reasons

    @property
    def post_score_display(self) -> str:
        """The post-test score as written (``score_display``); "" when none."""
        return format_score(self.post_score)


def eligibility_queryset(training: Training):
    """``training``'s enrolments in the participant role with their participant
    and ``days_present`` (days marked present), by name: one query."""
    return (
        Enrolment.objects.filter(training=training)
        .participants()
        .with_days_present()
        .select_related("participant")
        .order_by("participant__full_name", "id")
    )


def qualifying_q(rule: CertificateRule) -> Q | None:
    """The rule as a condition on enrolments annotated with ``days_attended``
    (``EnrolmentQuerySet.with_days_attended``), the same test as
    ``CertificateRule.reasons`` and the erased-person reason of ``_reasons``;
    None when nobody can qualify (the rule asks for a pass mark the training
    does not have)."""
    if rule.requires_pass and rule.pass_mark is None:
        return None
    condition = Q(days_attended__gte=rule.days_required) & Q(
        participant__erased_at__isnull=True
    )
    if rule.requires_pass:
        condition &= Q(post_score__gte=rule.pass_mark)
    return condition


def eligibility_counts(training: Training) -> dict:
    """How many of ``training``'s participant-role enrolments there are
    (``participants``) and how many qualify for a certificate (``qualifying``),
    counted in the database in one query whatever their number; the same
    people as ``training_eligibility`` counts."""
    rule = CertificateRule.of(training)
    condition = qualifying_q(rule)
    aggregates = {"participants": Count("id")}
    if condition is not None:
        aggregates["qualifying"] = Count("id", filter=condition)
    counts = (
        Enrolment.objects.filter(training=training)
        .participants()
        .with_days_attended()
        .order_by()
        .aggregate(**aggregates)
    )
    counts.setdefault("qualifying", 0)
    return counts


def _reasons(rule: CertificateRule, enrolment: Enrolment) -> list[str]:
    """The rule's reasons for ``enrolment`` (annotated with ``days_present``),
    and that the person's data was erased (no name left to print)."""
    reasons = rule.reasons(enrolment.days_present, enrolment.post_score)
    if enrolment.participant.erased_at is not None:
        reasons.append(_("the person's data was erased"))
    return reasons


def _row(rule: CertificateRule, enrolment: Enrolment) -> Eligibility:
    """``enrolment`` (with ``days_present`` and its participant) against
    ``rule``."""
    return Eligibility(
        enrolment=enrolment,
        days_present=enrolment.days_present,
        total_days=rule.total_days,
        post_score=enrolment.post_score,
        reasons=_reasons(rule, enrolment),
    )


def training_eligibility(
    training: Training, *, enrolments=None
) -> tuple[CertificateRule, list[Eligibility]]:
    """The rule of ``training`` and each of its participant-role enrolments
    against it, by name, in one query whatever their number. ``enrolments``
    (a queryset of the training's enrolments) narrows the rows."""
    rule = CertificateRule.of(training)
    queryset = eligibility_queryset(training)
    if enrolments is not None:
        queryset = queryset.filter(pk__in=enrolments.values("pk"))
    rows = [_row(rule, enrolment) for enrolment in queryset]
    return rule, rows


def loaded_eligibility(
    training: Training, enrolments: list[Enrolment]
) -> tuple[CertificateRule, list[Eligibility]]:
    """As ``training_eligibility``, for ``enrolments`` of ``training`` already
    loaded with their participant and ``attendances`` (``for_roster``: the
    training page's window of its list), in their order: those in the
    participant role only. No query."""
    rule = CertificateRule.of(training)
    rows = []
    for enrolment in enrolments:
        if enrolment.role != Enrolment.Role.PARTICIPANT:
            continue
        enrolment.days_present = sum(
            1 for mark in enrolment.attendances.all() if mark.present
        )
        rows.append(_row(rule, enrolment))
    return rule, rows


def enrolment_eligibility(enrolment: Enrolment) -> Eligibility:
    """``enrolment`` against its training's rule (a few queries). A facilitator
    or committee member gets the reason that they are not a participant."""
    training = enrolment.training
    if enrolment.role != Enrolment.Role.PARTICIPANT:
        return Eligibility(
            enrolment=enrolment,
            days_present=0,
            total_days=len(training.days),
            post_score=enrolment.post_score,
            reasons=[
                _(
                    "facilitators and committee members do not receive participant "
                    "certificates"
                )
            ],
        )
    _rule, rows = training_eligibility(
        training, enrolments=Enrolment.objects.filter(pk=enrolment.pk)
    )
    return rows[0]
