"""The participant list export carries each person's pre-test and post-test scores
(empty when not entered), beside their attendance."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from tests.factories import EnrolmentFactory, TrainingFactory
from tests.trainings.export_files import export_content

pytestmark = pytest.mark.django_db


def test_the_participant_list_has_the_scores(staff_client):
    training = TrainingFactory()
    scored = EnrolmentFactory(
        training=training,
        participant__full_name="Andi Scored",
        pre_score=Decimal("55.5"),
        post_score=Decimal("80"),
    )
    EnrolmentFactory(training=training, participant__full_name="Budi Unscored")
    url = reverse("trainings:export_participants", args=[training.pk, "xlsx"])
    book = openpyxl.load_workbook(io.BytesIO(export_content(staff_client, url)))
    sheet = book["Peserta"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    pre, post = header.index("Pre-test"), header.index("Post-test")
    by_name = {row[header.index("Nama")]: row for row in rows[1:]}
    assert scored.participant.full_name in by_name
    assert (by_name["Andi Scored"][pre], by_name["Andi Scored"][post]) == (55.5, 80)
    assert (by_name["Budi Unscored"][pre], by_name["Budi Unscored"][post]) == (
        None,
        None,
    )
