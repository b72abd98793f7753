"""The report's chart geometry: text readable on a 360 px phone, labels that fit."""

import datetime
from itertools import pairwise

import pytest
from django.utils import translation

from trainings.charts import (
    CHART_WIDTH,
    LABEL_SIZE,
    NARROWEST_COLUMN_PX,
    VALUE_SIZE,
    month_chart,
    type_chart,
)

#: The smallest text on a phone, in CSS px.
MIN_TEXT_PX = 11


def _px(size: float) -> float:
    """Rendered size in CSS px of ``size`` user units in the narrowest column."""
    return size * NARROWEST_COLUMN_PX / CHART_WIDTH


def _summary(**counts) -> dict:
    """A ``report_summary()`` row with the given ``type_<type>_<male|female>``
    counts and every other agency type empty."""
    summary = {}
    for kind in [
        "government",
        "service_provider",
        "law_enforcement",
        "community",
        "ngo",
        "other",
        "none",
    ]:
        male = counts.get(f"{kind}_male", 0)
        female = counts.get(f"{kind}_female", 0)
        summary[f"type_{kind}_male"] = male
        summary[f"type_{kind}_female"] = female
        summary[f"type_{kind}_total"] = male + female
    return summary


def _months(count: int) -> list[dict]:
    first = datetime.date(2023, 1, 1)
    return [
        {
            "month": datetime.date(
                first.year + (first.month - 1 + i) // 12,
                (first.month - 1 + i) % 12 + 1,
                1,
            ),
            "participations_male": i,
            "participations_female": 2 * i,
            "participations_not_recorded": 1,
            "participations_total": 3 * i + 1,
        }
        for i in range(count)
    ]


def test_chart_text_is_at_least_11_px_on_a_360_px_phone():
    types = type_chart(_summary(government_male=1, government_female=6))
    months = month_chart(_months(3))
    sizes = [types["label_size"], types["value_size"], months["value_size"]]
    assert min(sizes) == min(LABEL_SIZE, VALUE_SIZE)
    assert all(_px(size) >= MIN_TEXT_PX for size in sizes)
    assert types["width"] == months["width"] == CHART_WIDTH


def test_type_chart_puts_each_name_above_its_bars_and_scales_them():
    with translation.override("id"):
        chart = type_chart(
            _summary(government_male=1, government_female=6, law_enforcement_male=2)
        )
    assert [row["label"] for row in chart["rows"]] == [
        "Instansi pemerintah",
        "Aparat penegak hukum (APH)",
    ]
    government, police = chart["rows"]
    assert [bar["count"] for bar in government["bars"]] == [1, 6]
    # The longest bar leaves room for its count inside the chart.
    longest = government["bars"][1]
    assert longest["text_x"] + 4 * VALUE_SIZE <= CHART_WIDTH
    # Each name sits above its own bars, and the next group starts below them.
    assert government["label_y"] < government["bars"][0]["y"]
    assert (
        police["label_y"] - LABEL_SIZE
        > government["bars"][1]["y"] + chart["bar_height"]
    )
    assert chart["height"] > police["bars"][1]["y"] + chart["bar_height"]


@pytest.mark.parametrize("count", [1, 5, 12, 24, 60])
def test_month_labels_never_overlap_and_stay_inside(count):
    with translation.override("id"):
        chart = month_chart(_months(count))
    labelled = [bar for bar in chart["bars"] if bar["label"]]
    assert labelled[0]["label"] == "Jan 2023"
    half = 2.5 * VALUE_SIZE  # half a label "Okt 2023", generously
    for left, right in pairwise(labelled):
        assert right["label_x"] - left["label_x"] >= 2 * half
    assert all(half <= bar["label_x"] <= CHART_WIDTH - half for bar in labelled)
    assert all(bar["x"] + chart["bar_width"] <= CHART_WIDTH for bar in chart["bars"])
