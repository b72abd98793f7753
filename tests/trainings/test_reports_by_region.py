"""Reports by province and regency/city, region filters at any level and the
villages reached: a training counts where it was held, rolled up by code."""

import re
from http import HTTPStatus

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from participants.models import Participant
from regions.models import Region
from tests.factories import EnrolmentFactory, ParticipantFactory, TrainingFactory
from trainings import tables
from trainings.filters import ReportFilterSet, TrainingFilterSet
from trainings.models import Enrolment, Training

pytestmark = pytest.mark.django_db

REPORT = reverse("trainings:report")


def region(code):
    return Region.objects.get(code=code)


def enrol(training, sex, **participant):
    return EnrolmentFactory(
        training=training, participant=ParticipantFactory(sex=sex, **participant)
    )


def sexes(row, prefix):
    return tuple(
        row[f"{prefix}_{key}"] for key in ("male", "female", "not_recorded", "total")
    )


def region_rows(enrolments):
    return tables.breakdowns(enrolments.breakdown_summary())


def cells(table):
    return [[cell["text"] for cell in row] for row in table["rows"]]


@pytest.fixture
def places(regions_sample):
    """A training in the desa Tompobulu (73.09.11.2001, Kab. Maros) with an L and a
    P; one in Kota Makassar (73.71) with a P and the same L again; one in Kota
    Kupang (53.71, NTT) with a person whose sex is not recorded."""
    village = TrainingFactory(title="Desa", region=region("73.09.11.2001"))
    city = TrainingFactory(title="Makassar", region=region("73.71"))
    kupang = TrainingFactory(title="Kupang", region=region("53.71"))
    man = enrol(village, Participant.Sex.MALE).participant
    enrol(village, Participant.Sex.FEMALE)
    enrol(city, Participant.Sex.FEMALE)
    EnrolmentFactory(training=city, participant=man)
    enrol(kupang, "")
    return {"village": village, "city": city, "kupang": kupang}


class TestRegionSummary:
    def test_by_province_rolls_districts_and_villages_up(self, places):
        rows = {
            row["region_code"]: row
            for row in Enrolment.objects.participants().region_summary("province")
        }
        assert list(rows) == ["53", "73"]
        assert rows["73"]["trainings"] == 2
        assert sexes(rows["73"], "participations") == (2, 2, 0, 4)
        assert sexes(rows["73"], "persons") == (1, 2, 0, 3)
        assert sexes(rows["53"], "persons") == (0, 0, 1, 1)

    def test_by_regency(self, places):
        rows = {
            row["region_code"]: row
            for row in Enrolment.objects.participants().region_summary("regency")
        }
        assert list(rows) == ["53.71", "73.09", "73.71"]
        assert sexes(rows["73.09"], "participations") == (1, 1, 0, 2)
        assert sexes(rows["73.71"], "persons") == (1, 1, 0, 2)

    @pytest.mark.parametrize("level", ["month", "district", ""])
    def test_another_level_is_refused(self, level):
        with pytest.raises(KeyError):
            Enrolment.objects.participants().region_summary(level)

    def test_one_query_each(self, places, django_assert_num_queries):
        enrolments = Enrolment.objects.participants()
        with django_assert_num_queries(1):
            list(enrolments.region_summary("regency"))
        summary = enrolments.report_summary()
        with django_assert_num_queries(1):
            tables.region_tables(summary, region_rows(enrolments))

    def test_names_come_with_the_counts(self, places):
        rows = Enrolment.objects.participants().region_summary("regency")
        assert {row["region_code"]: row["region_name"] for row in rows} == {
            "53.71": "Kota Kupang",
            "73.09": "Kabupaten Maros",
            "73.71": "Kota Makassar",
        }

    def test_breakdowns_in_one_query_agree_with_each_summary(
        self, places, django_assert_num_queries
    ):
        enrolments = Enrolment.objects.participants()
        with django_assert_num_queries(1):
            grouped = tables.breakdowns(enrolments.breakdown_summary())
        assert list(grouped) == ["month", "province", "regency"]
        for level in ("province", "regency"):
            assert [
                {k: v for k, v in row.items() if k not in ("breakdown", "month")}
                for row in grouped[level]
            ] == list(enrolments.region_summary(level))
        months = list(enrolments.month_summary())
        assert [{k: row[k] for k in months[0]} for row in grouped["month"]] == months

    def test_tables_name_the_regions_and_total_each_person_once(self, places):
        enrolments = Enrolment.objects.participants()
        with translation.override("en"):
            province, regency = tables.region_tables(
                enrolments.report_summary(), region_rows(enrolments)
            )
            rows = list(regency.rows)
        assert [row[:3] for row in province.rows] == [
            ["Nusa Tenggara Timur", "53", 1],
            ["Sulawesi Selatan", "73", 2],
            ["Total", "", 3],
        ]
        assert [row[0] for row in rows] == [
            "Kota Kupang",
            "Kabupaten Maros",
            "Kota Makassar",
            "Total",
        ]
        # Trainings, participations L P - total % P, persons L P - total % P
        assert rows[-1][2:] == [3, 2, 2, 1, 5, 40.0, 1, 2, 1, 4, 50.0]

    def test_a_training_at_province_level_says_so(self, regions_sample):
        enrol(TrainingFactory(region=region("73")), Participant.Sex.FEMALE)
        enrolments = Enrolment.objects.participants()
        with translation.override("en"):
            _province, regency = tables.region_tables(
                enrolments.report_summary(), region_rows(enrolments)
            )
            first = list(regency.rows)[0]
        assert first[:2] == ["Sulawesi Selatan (province level)", "73"]


class TestFiltersAtAnyLevel:
    @pytest.mark.parametrize(
        ("code", "titles"),
        [
            ("73", {"Desa", "Makassar"}),
            ("73.09", {"Desa"}),
            ("73.09.11", {"Desa"}),
            ("73.09.11.2001", {"Desa"}),
            ("73.04.10.2006", set()),  # the other Tompobulu
            ("53", {"Kupang"}),
        ],
    )
    def test_list_and_report_include_everything_below(self, places, code, titles):
        listed = TrainingFilterSet({"region": code}, queryset=Training.objects.all())
        report = ReportFilterSet({"region": code}, queryset=Enrolment.objects.all())
        assert listed.is_valid() and report.is_valid()
        assert {t.title for t in listed.qs} == titles
        assert {e.training.title for e in report.qs} == titles

    def test_province_report_counts_the_village_trainings_participants(
        self, places, staff_client
    ):
        response = staff_client.get(REPORT, {"region": "73"})
        summary = response.context["summary"]
        assert sexes(summary, "participations") == (2, 2, 0, 4)
        assert sexes(summary, "persons") == (1, 2, 0, 3)

    def test_report_filtered_by_ntt_shows_the_kupang_training(
        self, places, staff_client
    ):
        response = staff_client.get(REPORT, {"region": "53"})
        assert response.status_code == HTTPStatus.OK
        assert response.context["summary"]["trainings"] == 1
        assert cells(response.context["tables"]["regency"])[0][:3] == [
            "Kota Kupang",
            "53.71",
            "1",
        ]
        listed = staff_client.get(reverse("trainings:list"), {"region": "53"})
        assert [t.title for t in listed.context["page_obj"]] == ["Kupang"]


class TestVillagesReached:
    def test_distinct_villages_of_participants(self, places, staff_client):
        tompobulu = region("73.09.11.2001")
        Participant.objects.filter(enrolments__training=places["village"]).update(
            village_region=tompobulu
        )
        kupang = Participant.objects.get(enrolments__training=places["kupang"])
        kupang.village_region = Region.objects.filter(
            code__startswith="53.71.", level__in=["village", "urban_village"]
        ).first()
        kupang.save()
        summary = Enrolment.objects.participants().report_summary()
        assert summary["villages"] == 2
        response = staff_client.get(REPORT, {"region": "73"})
        assert response.context["summary"]["villages"] == 1
        with translation.override("en"):
            rows = list(tables.summary_table(summary).rows)
        assert rows[-1][0].startswith("Villages reached")
        assert rows[-1][4] == 2


class TestPage:
    def test_page_and_export_have_both_tables(self, places, coordinator_client):
        response = coordinator_client.get(REPORT)
        content = response.content.decode()
        assert 'data-table="province"' in content
        assert 'data-table="regency"' in content
        # The export (written by a background job) writes these tables.
        with translation.override("en"):
            exported = {
                table.title: [row[:3] for row in table.rows]
                for table in tables.report_tables(Enrolment.objects.participants())
            }
        assert exported["By province"] == [
            ["Nusa Tenggara Timur", "53", 1],
            ["Sulawesi Selatan", "73", 2],
            ["Total", "", 3],
        ]
        assert [row[1] for row in exported["By regency/city"]] == [
            "53.71",
            "73.09",
            "73.71",
            "",
        ]
        assert list(exported)[-1] == "By training"

    def test_region_picker_renders_only_the_chosen_option(self, places, staff_client):
        for url in (REPORT, reverse("trainings:list")):
            chosen = region("73.09.11.2001")
            content = staff_client.get(url, {"region": chosen.code}).content.decode()
            [select] = re.findall(r'<select name="region".*?</select>', content, re.S)
            assert select.count("<option") <= 2  # the empty choice and the chosen
            assert f'value="{chosen.code}" selected' in select
            assert "ids=code" in select

    def test_report_queries_do_not_grow_with_regions(self, places, staff_client):
        url = f"{REPORT}?region=73"
        staff_client.get(url)
        caches["data"].clear()  # the warm-up cached the numbers: count them again
        with CaptureQueriesContext(connection) as few:
            staff_client.get(url)
        TrainingFactory(region=region("73.71"))
        enrol(TrainingFactory(region=region("73.09.11")), Participant.Sex.MALE)
        with CaptureQueriesContext(connection) as more:
            staff_client.get(url)
        assert len(more) == len(few)


class TestRegionTablesLayout:
    def test_grouped_headers_in_a_focusable_scroll_box(self, places, staff_client):
        staff_client.cookies["django_language"] = "en"
        content = staff_client.get(REPORT).content.decode()
        for key, title in (("province", "By province"), ("regency", "By regency/city")):
            start = content.index(f'data-table="{key}"')
            box = content[content.rindex("<div", 0, start) : start]
            assert 'tabindex="0"' in box
            assert f'aria-label="{title}"' in box
            table = content[start : content.index("</table>", start)]
            head = table[: table.index("</thead>")]
            assert head.count("<tr>") == 2
            assert '<th scope="colgroup" colspan="5"' in head
            assert ">Participations</th>" in head and ">Unique persons</th>" in head
            assert "Participations L" not in head
            assert head.count(">% P</th>") == 2
