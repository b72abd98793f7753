"""Markup that keeps the pages usable with a keyboard, a screen reader and a phone
(the browser checks with axe-core are in tests/e2e/test_accessibility.py)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import TrainingFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _opening_tags(html: str, css_class: str) -> list[str]:
    """The opening tags in ``html`` whose class attribute has ``css_class``."""
    return [
        tag
        for tag in re.findall(r"<[a-z]+\b[^>]*>", html)
        if re.search(rf'class="[^"]*\b{re.escape(css_class)}\b', tag)
    ]


def test_every_scroll_box_for_a_table_is_focusable_and_named():
    """A table wider than a phone scrolls in a .table-responsive box; the keyboard
    can only scroll it if the box takes focus, and a focusable box needs a role
    and a name."""
    boxes = {
        f"{path.relative_to(TEMPLATES)}: {tag}"
        for path in TEMPLATES.rglob("*.html")
        for tag in _opening_tags(path.read_text(encoding="utf-8"), "table-responsive")
    }
    assert len(boxes) > 20
    unnamed = [
        box
        for box in boxes
        if 'tabindex="0"' not in box
        or not re.search(r'role="(region|group)"', box)
        or not re.search(r"aria-label(ledby)?=\"[^\"]+\"", box)
    ]
    assert unnamed == []


@pytest.mark.django_db
class TestReportFilters:
    def test_each_period_input_has_a_name(self, coordinator_client):
        coordinator_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = coordinator_client.get("/trainings/report/").content.decode()
        inputs = re.findall(r'<input type="date"[^>]*>', html)
        assert len(inputs) == 2
        assert all(re.search(r'aria-label="[^"]+"', tag) for tag in inputs)
        assert 'aria-label="Period from"' in inputs[0]
        assert 'aria-label="Period to"' in inputs[1]

    def test_filters_fold_away_until_a_filter_is_wrong(self, coordinator_client):
        """On a phone the filters are a Bootstrap collapse (closed); a wrong
        filter opens it, so its message shows."""
        folded = coordinator_client.get("/trainings/report/").content.decode()
        assert _opening_tags(folded, "filters-collapse") == [
            '<div class="collapse filters-collapse" id="report-filters">'
        ]
        assert 'data-bs-target="#report-filters"' in folded
        wrong = coordinator_client.get(
            "/trainings/report/?period_after=2024-02-01&period_before=2024-01-01"
        )
        assert _opening_tags(wrong.content.decode(), "filters-collapse") == [
            '<div class="collapse filters-collapse show" id="report-filters">'
        ]


@pytest.mark.django_db
def test_training_page_keeps_two_actions_in_view_and_the_rest_in_a_menu(
    coordinator_client,
):
    training = TrainingFactory()
    html = coordinator_client.get(training.get_absolute_url()).content.decode()
    bar = html[html.index('id="training-actions"') : html.index("summary-heading")]
    menu = bar[bar.index('class="dropdown-menu"') :]
    assert bar.index("/enrol/") < bar.index('id="training-more"')
    assert bar.index("/attendance/") < bar.index('id="training-more"')
    for action in ["/sign-in-sheet/", "/edit/", "export-participants-xlsx", "/import/"]:
        assert action in menu
