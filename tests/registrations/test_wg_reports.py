"""The Washington Group (WG-SS) disability disaggregation in the reports and the
participant exports (issue 14, requirement 7): by sex, unique persons, next to
the recorded yes/no/not asked disability, counted in the same query."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from participants.functioning import WG_FIELDS, Difficulty
from tests.factories import EnrolmentFactory, ParticipantFactory, TrainingFactory
from trainings import tables
from trainings.models import Enrolment

pytestmark = pytest.mark.django_db

NO = Difficulty.NONE
WG_COLUMNS = [
    "With disability (WG-SS)",
    "Without disability (WG-SS)",
    "WG-SS not asked",
]


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _answers(**answers) -> dict:
    """All six answers "no difficulty", except those given."""
    return {**dict.fromkeys(WG_FIELDS, NO), **answers}


@pytest.fixture
def people():
    """A woman with one "a lot of difficulty" (in two trainings), a man with no
    difficulty anywhere, a man never asked, and a person without a recorded sex
    who "cannot do at all" one thing."""
    first, second = TrainingFactory(), TrainingFactory()
    woman = ParticipantFactory(sex="P", **_answers(wg_hearing=Difficulty.A_LOT))
    man = ParticipantFactory(sex="L", **_answers(wg_walking=Difficulty.SOME))
    never_asked = ParticipantFactory(sex="L")
    unknown = ParticipantFactory(sex="", wg_seeing=Difficulty.CANNOT)
    for training in (first, second):
        EnrolmentFactory(training=training, participant=woman)
    for person in (man, never_asked, unknown):
        EnrolmentFactory(training=first, participant=person)
    return {"woman": woman, "man": man, "never_asked": never_asked, "first": first}


def test_the_summary_counts_unique_persons_by_wg_status_and_sex(
    people, django_assert_num_queries
):
    with django_assert_num_queries(1):
        summary = Enrolment.objects.participants().report_summary()
    counts = {
        status: [summary[f"wg_{status}_{sex}"] for sex in tables.SEX_COLUMNS]
        for status in ("yes", "no", "not_asked")
    }
    #         L  P  not recorded  total
    assert counts == {
        "yes": [0, 1, 1, 2],  # the woman counted once, though in two trainings
        "no": [1, 0, 0, 1],
        "not_asked": [1, 0, 0, 1],
    }


def test_the_wg_table_sits_next_to_the_recorded_disability(people):
    summary = Enrolment.objects.participants().report_summary()
    table = tables.wg_table(summary)
    assert table.header == ["Sex", *WG_COLUMNS, "Total"]
    rows = {row[0]: row for row in table.rows}
    assert rows["L"][1:] == [0, 1, 1, 2]
    assert rows["P"][1:] == [1, 0, 0, 1]
    assert rows["Not recorded"][1:] == [1, 0, 0, 1]
    assert rows["Total"][1:] == [2, 1, 1, 4]
    titles = [t.title for t in tables.report_tables(Enrolment.objects.participants())]
    assert titles.index(table.title) == titles.index("Disability (persons)") + 1


def test_the_report_page_shows_it(people, staff_client):
    page = staff_client.get(reverse("trainings:report"))
    wg = page.context["tables"]["wg"]
    labels = [column["label"] for column in wg["columns"]]
    assert labels == ["Sex", *WG_COLUMNS, "Total"]
    html = page.content.decode()
    assert 'data-table="wg"' in html and 'data-table="disability"' in html
    assert "Washington Group" in html


def test_one_training_filters_the_wg_counts(people):
    enrolments = Enrolment.objects.participants().filter(training=people["first"])
    summary = enrolments.report_summary()
    assert summary["wg_yes_total"] == 2
    assert summary["wg_not_asked_total"] == 1


def test_participant_exports_have_the_answers_and_the_status(
    people, django_assert_num_queries
):
    roster = tables.roster_table(people["first"], personal=False)
    with django_assert_num_queries(2):  # enrolments, then their attendance
        roster_rows = list(roster.rows)
    listing = tables.participant_table(Enrolment.objects.participants(), personal=False)
    with django_assert_num_queries(2):  # the villages, then the people
        listing_rows = list(listing.rows)
    for table, rows in ((roster, roster_rows), (listing, listing_rows)):
        header = table.header
        status = header.index("Disability (WG-SS)")
        hearing = header.index("Hearing (WG-SS)")
        by_name = {row[header.index("Name")]: row for row in rows}
        woman = by_name[people["woman"].full_name]
        assert woman[hearing] == "A lot of difficulty"
        assert woman[status] == "With disability (WG-SS)"
        never_asked = by_name[people["never_asked"].full_name]
        assert never_asked[hearing] is None
        assert never_asked[status] == "WG-SS not asked"
        assert by_name[people["man"].full_name][status] == (
            "Without disability (WG-SS)"
        )
