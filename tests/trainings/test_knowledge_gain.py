"""Knowledge gain from the pre-test and post-test (trainings.knowledge_gain): the
counts by sex and agency type, missing scores, pass marks, scores across trainings
as % of their maximum, and the training page, report page and .xlsx that show them."""

import io
import re
from decimal import Decimal
from http import HTTPStatus

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from participants.models import Agency
from setara.spreadsheets import write_xlsx
from tests.factories import AgencyFactory, EnrolmentFactory, TrainingFactory
from tests.trainings.export_files import export_content
from trainings import tables
from trainings.knowledge_gain import OWN_PASS_MARK, gain_report, share
from trainings.models import Enrolment

pytestmark = pytest.mark.django_db

SEXES = ("male", "female", "not_recorded", "total")


def scored(training, sex="P", pre=None, post=None, **kwargs):
    """An enrolment in ``training`` of a participant of ``sex`` with these scores
    (numbers or None)."""
    return EnrolmentFactory(
        training=training,
        participant__sex=sex,
        pre_score=None if pre is None else Decimal(str(pre)),
        post_score=None if post is None else Decimal(str(post)),
        **kwargs,
    )


def by_sex(gain, measure):
    """(L, P, not recorded, total) of ``measure`` in ``gain``."""
    return tuple(gain[f"{measure}_{sex}"] for sex in SEXES)


def participants():
    return Enrolment.objects.participants()


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def cell(html: str, table: str, row: str, column: str) -> str:
    """The text of a knowledge-gain cell on a page: table ``data-table``, row
    ``data-row``, column ``data-column``."""
    body = re.search(rf'data-table="{table}".*?</table>', html, re.S)
    assert body, f"no table {table}"
    line = re.search(rf'data-row="{row}".*?</tr>', body.group(0), re.S)
    assert line, f"no row {row} in {table}"
    match = re.search(rf'data-column="{column}">([^<]*)<', line.group(0))
    assert match, f"no column {column} in row {row} of {table}"
    return match.group(1)


class TestAggregates:
    def test_one_score_only_is_counted_apart_never_as_zero(self):
        training = TrainingFactory()
        scored(training, "L", pre=40, post=60)
        scored(training, "L", pre=50)  # only the pre-test
        scored(training, "P", post=90)  # only the post-test
        scored(training, "P", pre=30, post=30)
        scored(training, "P")  # no score at all
        gain = participants().knowledge_gain()
        assert by_sex(gain, "paired") == (1, 1, 0, 2)
        assert by_sex(gain, "pre_only") == (1, 0, 0, 1)
        assert by_sex(gain, "post_only") == (0, 1, 0, 1)
        # Over the two paired only: a missing post-test as 0 would give 20.0 or less.
        assert gain["pre_avg_total"] == Decimal("35.0")
        assert gain["post_avg_total"] == Decimal("45.0")
        assert gain["gain_avg_total"] == Decimal("10.0")
        assert by_sex(gain, "pre_avg") == (Decimal("40.0"), Decimal("30.0"), None, 35)
        assert by_sex(gain, "improved") == (1, 0, 0, 1)

    def test_not_recorded_sex_has_its_own_column_and_parts_add_up(self):
        training = TrainingFactory()
        scored(training, "", pre=20, post=50)
        scored(training, "", pre=60)
        scored(training, "L", pre=10, post=5)
        scored(training, "P", pre=70, post=80)
        gain = participants().knowledge_gain()
        assert by_sex(gain, "paired") == (1, 1, 1, 3)
        assert by_sex(gain, "pre_only") == (0, 0, 1, 1)
        assert by_sex(gain, "gain_avg") == (
            Decimal("-5.0"),
            Decimal("10.0"),
            Decimal("30.0"),
            Decimal("11.7"),
        )
        for measure in ("paired", "pre_only", "post_only", "improved"):
            male, female, not_recorded, total = by_sex(gain, measure)
            assert male + female + not_recorded == total

    def test_without_any_score_the_averages_are_none(self):
        scored(TrainingFactory(), "L")
        gain = participants().knowledge_gain(Decimal(50))
        assert by_sex(gain, "paired") == (0, 0, 0, 0)
        assert by_sex(gain, "gain_avg") == (None, None, None, None)
        assert by_sex(gain, "passed") == (0, 0, 0, 0)

    def test_improved_and_passed_with_a_pass_mark(self):
        training = TrainingFactory()
        scored(training, "L", pre=50, post=75)  # improved, passed (exactly the mark)
        scored(training, "L", pre=80, post=80)  # same: not improved, passed
        scored(training, "P", pre=40, post=74.99)  # improved, not passed
        scored(training, "P", post=90)  # only post: neither
        gain = participants().knowledge_gain(Decimal(75))
        assert by_sex(gain, "improved") == (1, 1, 0, 2)
        assert by_sex(gain, "passed") == (2, 0, 0, 2)
        assert by_sex(gain, "assessed") == (2, 1, 0, 3)

    def test_no_pass_mark_gives_none_for_passed(self):
        scored(TrainingFactory(), "L", pre=50, post=75)
        gain = participants().knowledge_gain()
        assert by_sex(gain, "passed") == (None, None, None, None)
        assert set(gain) >= {
            f"{measure}_{sex}"
            for measure in (
                "paired",
                "pre_only",
                "post_only",
                "pre_avg",
                "post_avg",
                "gain_avg",
                "improved",
                "passed",
            )
            for sex in SEXES
        }

    def test_gain_is_the_average_difference_not_of_rounded_averages(self):
        scored(TrainingFactory(), "P", pre=10.26, post=12.24)
        gain = participants().knowledge_gain()
        assert gain["pre_avg_total"] == Decimal("10.3")
        assert gain["post_avg_total"] == Decimal("12.2")
        assert gain["gain_avg_total"] == Decimal("2.0")  # 1.98, not 12.2 - 10.3

    def test_facilitators_left_out_by_participants(self):
        training = TrainingFactory()
        scored(training, "L", pre=10, post=90, role=Enrolment.Role.FACILITATOR)
        scored(training, "L", pre=50, post=60)
        assert participants().knowledge_gain()["gain_avg_total"] == Decimal("10.0")
        everyone = Enrolment.objects.knowledge_gain()
        assert everyone["paired_total"] == 2

    def test_one_query_each(self, django_assert_num_queries):
        training = TrainingFactory()
        for number in range(5):
            scored(training, "LP"[number % 2], pre=number, post=number + 3)
        with django_assert_num_queries(1):
            participants().knowledge_gain(Decimal(4))
        with django_assert_num_queries(1):
            participants().knowledge_gain_by_agency_type(Decimal(4))


class TestByAgencyType:
    def test_types_in_choice_order_then_no_agency(self):
        training = TrainingFactory()
        police = AgencyFactory(type=Agency.Type.LAW_ENFORCEMENT)
        # Choice order puts service providers first, the alphabet police first.
        office = AgencyFactory(type=Agency.Type.SERVICE_PROVIDER)
        ngo = AgencyFactory(type=Agency.Type.NGO)
        scored(training, "L", pre=40, post=70, participant__agency=police)
        scored(training, "P", pre=60, post=70, participant__agency=police)
        scored(training, "P", pre=50, post=40, participant__agency=office)
        scored(training, "", pre=30, participant__agency=None)
        scored(training, "L", participant__agency=ngo)  # no score: no row
        rows = participants().knowledge_gain_by_agency_type(Decimal(70))
        assert [row["agency_type"] for row in rows] == [
            Agency.Type.SERVICE_PROVIDER,
            Agency.Type.LAW_ENFORCEMENT,
            None,
        ]
        provider, police_row, no_agency = rows
        assert by_sex(police_row, "paired") == (1, 1, 0, 2)
        assert police_row["gain_avg_total"] == Decimal("20.0")
        assert by_sex(police_row, "passed") == (1, 1, 0, 2)
        assert provider["gain_avg_total"] == Decimal("-10.0")
        assert provider["improved_total"] == 0
        assert no_agency["pre_only_not_recorded"] == 1
        assert no_agency["pre_avg_total"] is None


class TestAcrossTrainings:
    """Trainings with different maxima: averages of % of each one's maximum, and
    each held to its own pass mark."""

    @pytest.fixture
    def two_trainings(self):
        out_of_20 = TrainingFactory(
            test_max_score=Decimal(20), test_pass_mark=Decimal(15)
        )
        out_of_100 = TrainingFactory(test_pass_mark=Decimal(80))  # maximum unset
        scored(out_of_20, "L", pre=10, post=16)  # 50% -> 80%, passed (16 >= 15)
        scored(out_of_100, "P", pre=50, post=70)  # 50% -> 70%, failed (70 < 80)
        return out_of_20, out_of_100

    def test_scores_as_percent_of_each_maximum(self, two_trainings):
        gain = participants().knowledge_gain(OWN_PASS_MARK, relative=True)
        assert gain["pre_avg_total"] == Decimal("50.0")
        assert gain["post_avg_total"] == Decimal("75.0")
        assert gain["gain_avg_total"] == Decimal("25.0")
        assert by_sex(gain, "post_avg") == (
            Decimal("80.0"),
            Decimal("70.0"),
            None,
            Decimal("75.0"),
        )
        # Raw scores would mix units: (10 + 50) / 2.
        assert participants().knowledge_gain()["pre_avg_total"] == Decimal("30.0")

    def test_each_training_its_own_pass_mark(self, two_trainings):
        gain = participants().knowledge_gain(OWN_PASS_MARK, relative=True)
        assert by_sex(gain, "passed") == (1, 0, 0, 1)
        assert gain["assessed_total"] == 2

    def test_trainings_without_a_pass_mark_are_not_assessed(self, two_trainings):
        scored(TrainingFactory(), "P", pre=10, post=100)
        gain = participants().knowledge_gain(OWN_PASS_MARK, relative=True)
        assert gain["paired_total"] == 3
        assert gain["passed_total"] == 1
        assert gain["assessed_total"] == 2
        report = gain_report(participants(), pass_mark=OWN_PASS_MARK, relative=True)
        values = {
            column["key"]: value
            for column, value in zip(
                report["columns"], report["by_sex"][-1]["values"], strict=True
            )
        }
        assert values["passed_share"] == Decimal("50.0")

    def test_no_pass_mark_anywhere_gives_none(self):
        scored(TrainingFactory(), "P", pre=10, post=100)
        gain = participants().knowledge_gain(OWN_PASS_MARK, relative=True)
        assert gain["passed_total"] is None

    def test_a_fixed_mark_across_trainings_is_refused(self):
        with pytest.raises(ValueError):
            participants().knowledge_gain(Decimal(70), relative=True)


class TestShares:
    @pytest.mark.parametrize(
        ("part", "whole", "expected"),
        [
            (1, 3, Decimal("33.3")),
            (2, 3, Decimal("66.7")),
            (1, 8, Decimal("12.5")),
            (0, 4, Decimal("0.0")),
            (0, 0, None),
            (None, 4, None),
        ],
    )
    def test_share(self, part, whole, expected):
        assert share(part, whole) == expected


@pytest.fixture
def scored_training():
    """A training out of 20 with a pass mark of 15: L 10 -> 16, P 7 -> 7, P only a
    pre-test, one person without a sex recorded and no scores."""
    training = TrainingFactory(test_max_score=Decimal(20), test_pass_mark=Decimal(15))
    police = AgencyFactory(type=Agency.Type.LAW_ENFORCEMENT)
    scored(training, "L", pre=10.5, post=16, participant__agency=police)
    scored(training, "P", pre=7, post=7)
    scored(training, "P", pre=12)
    scored(training, "")
    return training


class TestTrainingPage:
    def test_panel_in_indonesian_with_a_decimal_comma(
        self, staff_client, scored_training
    ):
        response = staff_client.get(scored_training.get_absolute_url())
        html = response.content.decode()
        sex = "knowledge-gain-sex"
        assert cell(html, sex, "total", "paired") == "2"
        assert cell(html, sex, "total", "pre_avg") == "8,8"  # (10.5 + 7) / 2 = 8.75
        assert cell(html, sex, "total", "post_avg") == "11,5"
        assert cell(html, sex, "total", "gain_avg") == "2,8"  # (5.5 + 0) / 2
        assert cell(html, sex, "male", "improved_share") == "100,0"
        assert cell(html, sex, "female", "pre_only") == "1"
        assert cell(html, sex, "female", "pre_avg") == "7,0"
        assert cell(html, sex, "total", "passed") == "1"
        assert cell(html, sex, "total", "passed_share") == "50,0"
        assert cell(html, sex, "not_recorded", "pre_avg") == ""
        types = "knowledge-gain-agency-type"
        assert cell(html, types, "law_enforcement", "gain_avg") == "5,5"
        assert cell(html, types, "government", "pre_only") == "1"
        assert cell(html, types, "total", "paired") == "2"

    def test_in_english_a_decimal_point(self, staff_client, scored_training):
        html = english(staff_client).get(scored_training.get_absolute_url())
        html = html.content.decode()
        assert cell(html, "knowledge-gain-sex", "total", "pre_avg") == "8.8"
        assert "Knowledge gain by sex" in html

    def test_no_pass_mark_no_pass_columns(self, staff_client):
        training = TrainingFactory()
        scored(training, "L", pre=1, post=2)
        html = staff_client.get(training.get_absolute_url()).content.decode()
        assert cell(html, "knowledge-gain-sex", "total", "improved") == "1"
        assert 'data-column="passed' not in html

    def test_hidden_without_scores(self, staff_client):
        training = TrainingFactory()
        scored(training, "L")
        html = staff_client.get(training.get_absolute_url()).content.decode()
        assert "knowledge-gain" not in html

    def test_same_queries_for_3_and_30_scored(self, staff_client):
        def count(people):
            training = TrainingFactory(test_pass_mark=Decimal(50))
            for number in range(people):
                scored(
                    training,
                    "LP"[number % 2],
                    pre=number % 40,
                    post=40 + number,
                    participant__agency=AgencyFactory(
                        type=Agency.Type.values[number % len(Agency.Type.values)]
                    ),
                )
            url = training.get_absolute_url()
            staff_client.get(url)
            with CaptureQueriesContext(connection) as queries:
                response = staff_client.get(url)
            assert (
                'data-table="knowledge-gain-agency-type"' in response.content.decode()
            )
            return len(queries)

        assert count(3) == count(30)


class TestReportPage:
    def test_across_trainings_percent_of_maximum(self, coordinator_client):
        twenty = TrainingFactory(test_max_score=Decimal(20), test_pass_mark=Decimal(15))
        hundred = TrainingFactory(test_pass_mark=Decimal(80))
        scored(twenty, "L", pre=10, post=16)
        scored(hundred, "P", pre=50, post=70)
        response = english(coordinator_client).get(reverse("trainings:report"))
        html = response.content.decode()
        assert response.context["gain"]["relative"] is True
        assert "Scores as % of the maximum" in html
        assert "Average pre-test (% of maximum)" in html
        sex = "knowledge-gain-sex"
        assert cell(html, sex, "total", "pre_avg") == "50.0"
        assert cell(html, sex, "total", "post_avg") == "75.0"
        assert cell(html, sex, "male", "passed") == "1"
        assert cell(html, sex, "female", "passed") == "0"
        assert cell(html, sex, "total", "passed_share") == "50.0"

    def test_one_training_keeps_raw_scores(self, coordinator_client):
        twenty = TrainingFactory(
            title="Pelatihan Dua Puluh",
            test_max_score=Decimal(20),
            test_pass_mark=Decimal(15),
        )
        scored(twenty, "L", pre=10, post=16)
        scored(TrainingFactory(), "P", pre=50, post=70)
        response = english(coordinator_client).get(
            reverse("trainings:report"), {"training": "Dua Puluh"}
        )
        html = response.content.decode()
        assert response.context["gain"]["relative"] is False
        assert cell(html, "knowledge-gain-sex", "total", "pre_avg") == "10.0"
        assert cell(html, "knowledge-gain-sex", "total", "passed") == "1"
        assert "Scores as entered (one training)." in html

    def test_hidden_without_scores(self, coordinator_client):
        scored(TrainingFactory(), "L")
        response = coordinator_client.get(reverse("trainings:report"))
        assert response.context["gain"] is None
        assert "knowledge-gain" not in response.content.decode()

    def test_fixed_queries_one_more_with_scores(self, coordinator_client):
        url = reverse("trainings:report")

        def count():
            with CaptureQueriesContext(connection) as queries:
                assert coordinator_client.get(url).status_code == HTTPStatus.OK
            return len(queries)

        coordinator_client.get(url)  # warm up: content types, session
        unscored = [scored(TrainingFactory(), "L") for _ in range(3)]
        without = count()
        Enrolment.objects.filter(pk__in=[e.pk for e in unscored]).update(
            pre_score=Decimal(1), post_score=Decimal(2)
        )
        few = count()
        for number in range(30):
            scored(TrainingFactory(), "LP"[number % 2], pre=number, post=number + 1)
        assert count() == few == without + 1  # the gain by agency type


class TestExports:
    def test_training_summary_has_a_knowledge_gain_sheet(
        self, staff_client, scored_training
    ):
        url = reverse("trainings:export_summary", args=[scored_training.pk])
        book = load_workbook(io.BytesIO(export_content(english(staff_client), url)))
        with translation.override("en"):
            assert book.sheetnames[-1] == "Knowledge gain"
        rows = list(book["Knowledge gain"].iter_rows(values_only=True))
        header = rows[0]
        total = next(row for row in rows if row[:2] == ("Sex", "Total"))
        values = dict(zip(header, total, strict=True))
        assert values["With both scores"] == 2
        assert values["Average pre-test"] == pytest.approx(8.8)
        assert values["Average gain"] == pytest.approx(2.8)
        assert values["Passed (%)"] == pytest.approx(50.0)
        assert values["Only pre-test"] == 1
        by_type = {row[1]: row for row in rows if row[0] == "Agency type"}
        with translation.override("en"):
            police = by_type[str(Agency.Type.LAW_ENFORCEMENT.label)]
            office = by_type[str(Agency.Type.GOVERNMENT.label)]
        assert police[2:6] == (1, 10.5, 16, 5.5)
        assert office[2:6] == (1, 7, 7, 0)
        assert list(by_type)[-1] == "Total"

    def test_report_export_across_trainings(self, coordinator_client):
        scored(TrainingFactory(test_max_score=Decimal(20)), "L", pre=10, post=16)
        scored(TrainingFactory(), "", pre=50, post=70)
        url = reverse("trainings:report_export", args=["xlsx"])
        book = load_workbook(
            io.BytesIO(export_content(english(coordinator_client), url))
        )
        rows = list(book["Knowledge gain"].iter_rows(values_only=True))
        values = dict(zip(rows[0], rows[3], strict=True))  # L, P, not recorded
        assert values["Group"] == "Not recorded"
        assert values["Average post-test (% of maximum)"] == pytest.approx(70.0)
        assert "Passed" not in rows[0]

    def test_no_sheet_without_scores(self):
        scored(TrainingFactory(), "L")
        titles = [table.title for table in tables.report_tables(participants())]
        with translation.override("en"):
            assert "Knowledge gain" not in titles

    def test_report_tables_round_trip(self, scored_training):
        with translation.override("en"):
            table_list = tables.report_tables(participants())
            buffer = io.BytesIO()
            write_xlsx(table_list, buffer)
        book = load_workbook(buffer)
        rows = list(book["Knowledge gain"].iter_rows(values_only=True))
        male = next(row for row in rows if row[:2] == ("Sex", "L"))
        assert male[2:6] == (1, 10.5, 16, 5.5)
