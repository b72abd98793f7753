"""Exports never fail on stored text: a participant, agency, training and referral
institution whose text holds control characters (NUL, BEL, ESC), a zero-width
space and a full-width digit, stored by a raw UPDATE that bypasses every cleaning
step (as rows written before the cleaning existed), still export in every export.
PostgreSQL refuses NUL in text, so NUL is only stored on SQLite."""

import csv
import datetime
import io
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from participants.models import Agency, Participant
from referrals.models import ReferralInstitution, ServiceType
from regions.models import Region
from tests.factories import (
    AgencyFactory,
    AttendanceFactory,
    EnrolmentFactory,
    ParticipantFactory,
    ReferralInstitutionFactory,
    TrainingFactory,
)
from tests.trainings.export_files import job_content, job_of, start_export
from trainings.models import Training

pytestmark = pytest.mark.django_db

NUL = "\x00" if connection.vendor == "sqlite" else ""
STORED = f"Andi{NUL} Rusdi\x07\u200b ２\x1b"
SHOWN = "Andi Rusdi\u200b ２"  # what a cell can hold of it
DAY = datetime.date(2023, 10, 18)


def raw_update(model, pk: int, **values) -> None:
    table = model._meta.db_table
    columns = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {columns} WHERE id = %s",  # noqa: S608
            [*values.values(), pk],
        )


@pytest.fixture
def training():
    """A training in Maros with one participant whose stored text is dirty."""
    maros = Region.objects.get(code="73.09")
    training = TrainingFactory(region=maros, start_date=DAY, end_date=DAY)
    agency = AgencyFactory(region=maros, name="Dinas Sosial")
    person = ParticipantFactory(agency=agency, full_name="x", phone="+6281244231771")
    AttendanceFactory(
        enrolment=EnrolmentFactory(training=training, participant=person), date=DAY
    )
    institution = ReferralInstitutionFactory(region=maros, agency=agency)
    institution.services.add(ServiceType.objects.first())
    raw_update(Participant, person.pk, full_name=STORED, position=STORED)
    raw_update(Agency, agency.pk, name=f"Dinas{NUL} Sosial\x07")
    raw_update(Training, training.pk, title=f"Pelatihan\x07 OCSEA{NUL}")
    raw_update(ReferralInstitution, institution.pk, name=f"UPTD\x07 PPA{NUL}")
    return training


def body(response) -> bytes:
    """A streamed response's body, or the file of the job a POST started (the
    report's exports)."""
    if response.status_code == HTTPStatus.FOUND:
        return job_content(job_of(response))
    assert response.status_code == HTTPStatus.OK, response
    return b"".join(response.streaming_content)


def xlsx_cells(response) -> list:
    body_bytes = body(response)
    workbook = load_workbook(io.BytesIO(body_bytes))
    return [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    ]


def csv_cells(response) -> list:
    text = body(response).decode("utf-8")
    # Indonesian .csv files separate fields with ";" (setara.csv_dialects).
    delimiter = ";" if text.count(";") > text.count(",") else ","
    rows = csv.reader(io.StringIO(text[1:]), delimiter=delimiter)
    return [cell for row in rows for cell in row]


def assert_clean(cells):
    assert cells
    for cell in cells:
        assert "\x00" not in cell and "\x07" not in cell and "\x1b" not in cell


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("trainings:report_export", "xlsx"),
        ("trainings:report_export", "csv"),
        ("trainings:report_participants", "xlsx"),
        ("trainings:report_participants", "csv"),
    ],
)
def test_programme_report_and_participant_list(coordinator_client, training, name, fmt):
    response = start_export(coordinator_client, reverse(name, args=[fmt]))
    cells = xlsx_cells(response) if fmt == "xlsx" else csv_cells(response)
    assert_clean(cells)
    if name == "trainings:report_participants":
        assert SHOWN in cells


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_training_roster(coordinator_client, training, fmt):
    url = reverse("trainings:export_participants", args=[training.pk, fmt])
    response = coordinator_client.get(url)
    cells = xlsx_cells(response) if fmt == "xlsx" else csv_cells(response)
    assert_clean(cells)
    assert SHOWN in cells


def test_training_summary(coordinator_client, training):
    url = reverse("trainings:export_summary", args=[training.pk])
    assert_clean(xlsx_cells(coordinator_client.get(url)))


def test_referral_pathway(coordinator_client, training):
    url = reverse("referrals:pathway_xlsx", args=["73.09"])
    cells = xlsx_cells(coordinator_client.get(url))
    assert_clean(cells)
    assert "UPTD PPA" in cells


def test_sign_in_sheet_page(coordinator_client, training):
    response = coordinator_client.get(
        reverse("trainings:signin_sheet", args=[training.pk])
    )
    assert response.status_code == HTTPStatus.OK
