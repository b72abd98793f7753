"""The training page counts participants with a disability by sex: as recorded
(yes) and by the Washington Group Short Set cut-off, in the page's one summary
query."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from participants.functioning import Difficulty
from tests.factories import EnrolmentFactory, TrainingFactory

pytestmark = pytest.mark.django_db


def _row(content: str, name: str) -> list[str]:
    [row] = re.findall(rf'<tr data-row="{name}">(.*?)</tr>', content, re.S)
    return re.findall(r'<td class="num">(\d+)</td>', row)


def test_recorded_and_wg_disability_by_sex(staff_client):
    training = TrainingFactory()
    # P, WG "a lot of difficulty" seeing: with disability by WG-SS.
    EnrolmentFactory(
        training=training, participant__sex="P", participant__wg_seeing=Difficulty.A_LOT
    )
    # L, every WG answer "no difficulty", disability recorded yes.
    EnrolmentFactory(
        training=training,
        participant__sex="L",
        participant__disability="yes",
        **{
            f"participant__{name}": Difficulty.NONE
            for name in (
                "wg_seeing",
                "wg_hearing",
                "wg_walking",
                "wg_remembering",
                "wg_self_care",
                "wg_communicating",
            )
        },
    )
    # P, not asked.
    EnrolmentFactory(training=training, participant__sex="P")
    content = staff_client.get(training.get_absolute_url()).content.decode()
    assert _row(content, "recorded") == ["1", "0", "1"]
    assert _row(content, "wg") == ["0", "1", "1"]


def test_counting_disability_costs_no_extra_query(staff_client):
    training = TrainingFactory()

    def queries(people: int) -> int:
        EnrolmentFactory.create_batch(people, training=training)
        with CaptureQueriesContext(connection) as captured:
            staff_client.get(training.get_absolute_url())
        return len(captured)

    assert queries(1) == queries(10)
