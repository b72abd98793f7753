"""What the training page shows, counted once and only when shown.

The page's numbers (participants by sex, by agency type, attendance per day,
knowledge gain and the activity report draft) are counted by
``TrainingNumbers`` on first use; the page keeps them in ``{% cache %}``
fragments keyed on ``data_version``, so a page served from the cache runs none
of their queries. Its rows with names (the participant list, the certificate
eligibility table) are never cached: they are windowed, ``PARTICIPANTS_PER_PAGE``
at a time (``participant_page``), so a training of 20,000 people renders as fast
as one of 20.
"""

from functools import cached_property

from django.core.paginator import Page, Paginator
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from participants.models import Agency
from setara.data_version import cached
from setara.pagination import page_number

from .activity_report import (
    activity_report_draft,
    activity_report_numbers,
    present_day_rows,
)
from .knowledge_gain import gain_report
from .models import Training

#: Rows of the participant list (and of the certificate eligibility table) per
#: page of the training page.
PARTICIPANTS_PER_PAGE = 100


class TrainingNumbers:
    """The counts of ``training``'s page, each counted in the database on first
    use and then kept for the request. Every count is of everyone enrolled as a
    participant, whatever page of the list is shown."""

    def __init__(self, training: Training):
        self.training = training
        self.participants = training.enrolments.participants()

    @cached_property
    def summary(self) -> dict:
        """``EnrolmentQuerySet.people_summary()``: by sex, with disability. One
        query."""
        return self.participants.people_summary()

    @cached_property
    def by_agency_type(self) -> list[dict]:
        """One row per agency type (``agency_type_summary``) with its ``label``.
        One query."""
        return [
            {**row, "label": Agency.type_label(row["agency_type"], default="—")}
            for row in self.participants.agency_type_summary()
        ]

    @cached_property
    def attendance_days(self) -> list[dict]:
        """``trainings.dates.day_rows``: people present each day by sex. One
        query."""
        return present_day_rows(self.training, self.participants)

    @cached_property
    def activity(self) -> dict:
        """``activity_report_numbers``, reusing ``attendance_days``: three
        queries."""
        return activity_report_numbers(self.training, days=self.attendance_days)

    @cached_property
    def gain(self) -> dict | None:
        """``gain_report`` of the participants at the training's pass mark,
        reusing the activity report's scores: one query when someone has a
        score, none otherwise."""
        return gain_report(
            self.participants,
            pass_mark=self.training.test_pass_mark,
            gain=self.activity["scores"],
        )

    def draft(self) -> str:
        """The activity report paragraph in the active language, kept in the
        cache for the data version (it names agencies, never people)."""
        return cached(
            "training-activity-draft",
            (self.training.pk, get_language()),
            lambda: activity_report_draft(self.training, self.activity),
        )

    def lazy(self, name: str) -> SimpleLazyObject:
        """The attribute ``name``, counted only when a template (or a test)
        reads it."""
        return SimpleLazyObject(lambda: getattr(self, name))


def enrolment_count(training: Training) -> int:
    """How many people are enrolled in ``training`` in any role, kept in the
    cache for the data version. One query when not cached."""
    return cached(
        "training-enrolment-count",
        (training.pk,),
        lambda: training.enrolments.count(),
    )


def participant_page(training: Training, number) -> Page:
    """Page ``number`` (``?page=``, read by ``setara.pagination.page_number``:
    past the end or "last" is the last page, anything else not a page the
    first) of ``training``'s enrolments by name, ``PARTICIPANTS_PER_PAGE`` a
    page. Each enrolment on it has
    ``marks`` (``Enrolment.attendance_marks`` for the training's days).

    Which enrolments a page holds (their ids, no names) is kept in the cache for
    the data version: sorting a large training's people by name is the costly
    part. Two queries (the rows and their attendance), plus the count when not
    cached."""
    roster = training.enrolments.for_roster()
    paginator = Paginator(roster, PARTICIPANTS_PER_PAGE)
    # The count, cached: the list never counts a large training's rows twice.
    paginator.count = enrolment_count(training)
    page = paginator.page(page_number(number, paginator))
    start = page.start_index() - 1 if paginator.count else 0
    loaded = []

    def load_ids():
        loaded.extend(roster[start : start + PARTICIPANTS_PER_PAGE])
        return [enrolment.pk for enrolment in loaded]

    ids = cached(
        "training-page-ids", (training.pk, page.number, PARTICIPANTS_PER_PAGE), load_ids
    )
    page.object_list = loaded or list(roster.filter(pk__in=ids))
    for enrolment in page.object_list:
        enrolment.marks = enrolment.attendance_marks(training.days)
    return page
