"""The report's filters say what is wrong next to the field instead of showing
zeros; the by-agency table follows the agency-type table's order; the training
list shows L / P beside the total."""

import re
from http import HTTPStatus

import pytest
from django.conf import settings
from django.urls import reverse

from jobs.models import Job
from participants.models import Agency
from tests.factories import (
    AgencyFactory,
    EnrolmentFactory,
    ParticipantFactory,
    TrainingFactory,
)
from trainings.models import Enrolment, Training

pytestmark = pytest.mark.django_db

REPORT_PAGES = ["trainings:report", "trainings:report_trainings"]


def english(client):
    """``client`` with the interface in English (the default is Indonesian)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def field_block(html: str, name: str) -> str:
    """The crispy block of the filter field ``name``: from its ``div_id_<name>``
    to the next field's block."""
    start = html.index(f'id="div_id_{name}"')
    following = html.find('id="div_id_', start + 1)
    return html[start : following if following != -1 else len(html)]


class TestPeriod:
    @pytest.mark.parametrize("name", REPORT_PAGES)
    def test_a_start_after_the_end_is_an_error_on_the_field(self, staff_client, name):
        EnrolmentFactory()
        response = english(staff_client).get(
            reverse(name),
            {"period_after": "2023-10-20", "period_before": "2023-10-18"},
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.context["filter"].errors) == ["period"]
        assert "summary" not in response.context  # no report of zeros
        block = field_block(response.content.decode(), "period")
        assert "The period starts after it ends" in block
        assert "invalid-feedback" in block and "is-invalid" in block

    @pytest.mark.parametrize(
        "after, before",
        [("2023-10-18", "2023-10-18"), ("2023-10-18", ""), ("", "2023-10-18")],
    )
    def test_one_day_or_an_open_end_is_a_period(self, staff_client, after, before):
        training = TrainingFactory()  # 18-20 October 2023
        EnrolmentFactory(training=training)
        response = staff_client.get(
            reverse("trainings:report"),
            {"period_after": after, "period_before": before},
        )
        assert response.status_code == HTTPStatus.OK
        assert response.context["summary"]["participations_total"] == 1

    def test_an_export_of_a_backwards_period_starts_no_job(self, coordinator_client):
        url = reverse("trainings:report_export", args=["xlsx"])
        query = "?period_after=2023-10-20&period_before=2023-10-18"
        response = coordinator_client.post(url + query)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "period" in response.context["filter"].errors
        assert not Job.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("period_after", "18/10/2023x"),
        ("period_before", "2023-02-30"),
        ("topic", "999999"),
        ("agency_type", "polisi"),
        ("region", "7309"),
    ],
)
def test_every_invalid_value_is_named_next_to_its_field(staff_client, field, value):
    EnrolmentFactory()
    response = staff_client.get(reverse("trainings:report"), {field: value})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    name = "period" if field.startswith("period") else field
    assert list(response.context["filter"].errors) == [name]
    block = field_block(response.content.decode(), name)
    [message] = response.context["filter"].errors[name]
    assert "invalid-feedback" in block
    # Crispy escapes the message like any text of the page.
    assert message.replace("“", "&ldquo;")[:20] in block or message[:20] in block


def test_a_filter_that_matches_nothing_says_so(staff_client):
    EnrolmentFactory()
    response = staff_client.get(reverse("trainings:report"), {"agency": "no such"})
    assert response.status_code == HTTPStatus.OK
    assert 'id="report-empty"' in response.content.decode()
    response = staff_client.get(reverse("trainings:report"))
    assert 'id="report-empty"' not in response.content.decode()


class TestAgencyOrder:
    def test_the_agency_table_follows_the_agency_type_table(self, staff_client):
        training = TrainingFactory()
        # Created in an order where names and type codes sort differently.
        for name, agency_type in [
            ("A Forum Anak", Agency.Type.COMMUNITY),
            ("B Lembaga", Agency.Type.OTHER),
            ("C Polres", Agency.Type.LAW_ENFORCEMENT),
            ("D Dinas Sosial", Agency.Type.GOVERNMENT),
            ("E UPTD PPA", Agency.Type.SERVICE_PROVIDER),
            ("F Yayasan", Agency.Type.NGO),
            ("G Dinas Pendidikan", Agency.Type.GOVERNMENT),
        ]:
            agency = AgencyFactory(name=name, type=agency_type)
            EnrolmentFactory(
                training=training, participant=ParticipantFactory(agency=agency)
            )
        EnrolmentFactory(training=training, participant__agency=None)
        response = english(staff_client).get(reverse("trainings:report"))
        tables = response.context["tables"]
        type_order = [row[0]["text"] for row in tables["agency_type"]["rows"]]
        agency_rows = [
            [cell["text"] for cell in row] for row in tables["agency"]["rows"]
        ]
        assert type_order[:-1] == [  # the last row is the total
            "Government office",
            "Service provider",
            "Law enforcement (APH)",
            "Community group (e.g. PATBM)",
            "NGO",
            "Other",
            "No agency",
        ]
        assert [row[0] for row in agency_rows[:-1]] == [
            "D Dinas Sosial",
            "G Dinas Pendidikan",
            "E UPTD PPA",
            "C Polres",
            "A Forum Anak",
            "F Yayasan",
            "B Lembaga",
            "No agency",
        ]
        # The agency rows' types appear in the type table's order.
        seen = list(dict.fromkeys(row[1] for row in agency_rows[:-2]))
        assert seen == type_order[:-2]

    def test_the_order_is_the_same_in_the_query(self):
        for name, agency_type in [
            ("A", Agency.Type.NGO),
            ("Z", Agency.Type.GOVERNMENT),
        ]:
            agency = AgencyFactory(name=name, type=agency_type)
            EnrolmentFactory(participant=ParticipantFactory(agency=agency))
        rows = list(Enrolment.objects.participants().agency_summary())
        assert [r["agency_name"] for r in rows] == ["Z", "A"]  # government first


class TestTrainingListBySex:
    @pytest.fixture
    def training(self):
        training = TrainingFactory(title="Pelatihan OCSEA Maros")
        for sex in ("L", "L", "P", "P", "P", ""):
            EnrolmentFactory(training=training, participant__sex=sex)
        EnrolmentFactory(
            training=training,
            participant__sex="L",
            role=Enrolment.Role.FACILITATOR,
        )
        return training

    def test_counts_by_sex_beside_the_total(self, training, staff_client):
        response = english(staff_client).get(reverse("trainings:list"))
        html = response.content.decode()
        assert 'data-participants="6"' in html
        assert 'data-by-sex="2 3 1"' in html
        assert re.search(r"\(L 2 / P 3 / 1 not recorded\)", html)

    def test_no_not_recorded_part_when_everyone_has_a_sex(self, staff_client):
        training = TrainingFactory()
        for sex in ("L", "P", "P"):
            EnrolmentFactory(training=training, participant__sex=sex)
        html = staff_client.get(reverse("trainings:list")).content.decode()
        assert "(L 1 / P 2)" in html

    def test_the_counts_come_from_one_query(self, django_assert_num_queries):
        for people in (1, 5):
            training = TrainingFactory()
            for n in range(people):
                EnrolmentFactory(training=training, participant__sex="LP"[n % 2])
        # The trainings with their regions, their counts, then their topics.
        with django_assert_num_queries(3):
            rows = [
                (
                    t.participant_count,
                    t.participants_male,
                    t.participants_female,
                    t.participants_not_recorded,
                    t.region.name,
                    list(t.topics.all()),
                )
                for t in Training.objects.for_list()
            ]
        assert sorted(row[:4] for row in rows) == [(1, 1, 0, 0), (5, 3, 2, 0)]
