"""Geometry of the report page's two SVG charts, computed here so the template only
places what it is given (no arithmetic in templates, and no JavaScript).

The charts are drawn in SVG user units and scaled to the width of their column, so
their text is only as large as that scale allows. They are drawn narrow
(``CHART_WIDTH`` units, about a phone's content width) with text of at least 12
units: on a 360 px phone (a 336 px column) every label is at least 11 px, and from
tablet width up the chart grows no wider than app.css's ``.report-chart``
allows.
"""

import math

from django.utils.formats import date_format

from .tables import agency_types, month_label

#: Width of both charts in SVG user units.
CHART_WIDTH = 360
#: Font sizes in user units: the agency type names, the counts beside the bars
#: and the month labels, the scale's largest value.
LABEL_SIZE = 13
VALUE_SIZE = 12
#: Narrowest column a chart is drawn in (a 360 px phone less Bootstrap's
#: container padding), in CSS px; the text at that width is at least 11 px.
NARROWEST_COLUMN_PX = 336


def type_chart(summary: dict) -> dict:
    """Geometry of the horizontal bar chart of participations by agency type: for
    each type present in ``summary`` (``report_summary()``), its name on a line of
    its own, then two bars (L, P) with their counts; in SVG user units
    (``CHART_WIDTH`` wide). Bars are as long as their share of the largest count."""
    bar, gap, label_height = 14, 12, LABEL_SIZE + 5
    bar_area = CHART_WIDTH - 60  # room for the count after the longest bar
    groups = [
        (label, summary[f"{prefix}male"], summary[f"{prefix}female"])
        for label, prefix in agency_types(summary)
    ]
    largest = max([1, *(max(male, female) for _, male, female in groups)])
    rows, y = [], 4
    for label, male, female in groups:
        bars = []
        for offset, (sex, count) in enumerate((("L", male), ("P", female))):
            width = round(bar_area * count / largest, 1)
            top = y + label_height + offset * (bar + 2)
            bars.append(
                {
                    "sex": sex,
                    "count": count,
                    "y": top,
                    "width": width,
                    "text_x": width + 4,
                    "text_y": top + bar - 2,
                }
            )
        rows.append({"label": label, "label_y": y + LABEL_SIZE, "bars": bars})
        y += label_height + 2 * bar + 2 + gap
    return {
        "width": CHART_WIDTH,
        "height": y,
        "label_x": 0,
        "bar_x": 0,
        "bar_height": bar,
        "label_size": LABEL_SIZE,
        "value_size": VALUE_SIZE,
        "rows": rows,
    }


def month_chart(month_rows: list[dict]) -> dict:
    """Geometry of the stacked column chart of participations per month (L, P,
    not recorded), from ``month_summary()`` rows, in SVG user units
    (``CHART_WIDTH`` wide). Months are labelled "Okt 2023" below their column:
    every month while the labels fit side by side, otherwise every n-th."""
    plot_top, plot_height, left = 10, 160, 36
    count = len(month_rows) or 1
    slot = (CHART_WIDTH - left - 4) / count
    width = round(min(40, slot * 0.7), 1)
    largest = max([1, *(row["participations_total"] for row in month_rows)])
    # "Okt 2023" is about 4.4 font sizes wide; keep a little space between labels.
    label_width = VALUE_SIZE * 5
    label_every = max(1, math.ceil(label_width / slot))
    bars = []
    for index, row in enumerate(month_rows):
        x = round(left + index * slot + (slot - width) / 2, 1)
        base = plot_top + plot_height
        segments = []
        for sex, key in (("L", "male"), ("P", "female"), ("?", "not_recorded")):
            height = round(plot_height * row[f"participations_{key}"] / largest, 1)
            base -= height
            if height:
                segments.append(
                    {
                        "sex": sex,
                        "y": round(base, 1),
                        "height": height,
                        "count": row[f"participations_{key}"],
                    }
                )
        label_x = round(x + width / 2, 1)
        bars.append(
            {
                "x": x,
                "label": ""
                if index % label_every
                else date_format(row["month"], "M Y"),
                # Kept inside the chart, so the first and last labels are whole.
                "label_x": min(
                    max(label_x, label_width / 2), CHART_WIDTH - label_width / 2
                ),
                "total": row["participations_total"],
                "month": month_label(row["month"]),
                "segments": segments,
            }
        )
    return {
        "width": CHART_WIDTH,
        "height": plot_top + plot_height + VALUE_SIZE + 10,
        "bar_width": width,
        "axis_y": plot_top + plot_height,
        "label_y": plot_top + plot_height + VALUE_SIZE + 4,
        "value_size": VALUE_SIZE,
        "largest": largest,
        "left": left,
        "bars": bars,
    }
