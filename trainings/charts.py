"""Geometry of the report page's two SVG charts, computed here so the template only
places what it is given (no arithmetic in templates, and no JavaScript)."""

from django.utils.formats import date_format

from .tables import agency_types, month_label

_CHART_WIDTH = 640


def type_chart(summary: dict) -> dict:
    """Geometry of the horizontal bar chart of participations by agency type:
    two bars (L, P) per type present in ``summary`` (``report_summary()``), in
    SVG user units (640 wide)."""
    label_width, bar_area, bar, gap = 230, _CHART_WIDTH - 290, 14, 12
    groups = [
        (label, summary[f"{prefix}male"], summary[f"{prefix}female"])
        for label, prefix in agency_types(summary)
    ]
    largest = max([1, *(max(male, female) for _, male, female in groups)])
    rows, y = [], 10
    for label, male, female in groups:
        bars = []
        for offset, (sex, count) in enumerate((("L", male), ("P", female))):
            width = round(bar_area * count / largest, 1)
            top = y + offset * (bar + 2)
            bars.append(
                {
                    "sex": sex,
                    "count": count,
                    "y": top,
                    "width": width,
                    "text_x": label_width + width + 4,
                    "text_y": top + bar - 3,
                }
            )
        rows.append({"label": label, "label_y": y + bar + 4, "bars": bars})
        y += 2 * bar + 2 + gap
    return {
        "width": _CHART_WIDTH,
        "height": y + 10,
        "label_x": label_width - 8,
        "bar_x": label_width,
        "bar_height": bar,
        "rows": rows,
    }


def month_chart(month_rows: list[dict]) -> dict:
    """Geometry of the stacked column chart of participations per month (L, P,
    not recorded), from ``month_summary()`` rows, in SVG user units (640 wide)."""
    plot_top, plot_height, left = 10, 160, 40
    count = len(month_rows) or 1
    slot = (_CHART_WIDTH - left - 10) / count
    width = round(min(40, slot * 0.7), 1)
    largest = max([1, *(row["participations_total"] for row in month_rows)])
    # Label every month while they fit, otherwise every n-th.
    label_every = max(1, round(count / 12))
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
        bars.append(
            {
                "x": x,
                "label": ""
                if index % label_every
                else date_format(row["month"], "M Y"),
                "label_x": round(x + width / 2, 1),
                "total": row["participations_total"],
                "month": month_label(row["month"]),
                "segments": segments,
            }
        )
    return {
        "width": _CHART_WIDTH,
        "height": plot_top + plot_height + 30,
        "bar_width": width,
        "axis_y": plot_top + plot_height,
        "label_y": plot_top + plot_height + 16,
        "largest": largest,
        "left": left,
        "bars": bars,
    }
