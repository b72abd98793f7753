"""The activity report (laporan kegiatan) panel of the training page:
``{% activity_report_panel training %}``."""

from django import template

from ..activity_report import activity_report_draft, activity_report_numbers

register = template.Library()


@register.inclusion_tag(
    "trainings/includes/activity_report_panel.html", takes_context=True
)
def activity_report_panel(context, training) -> dict:
    """The paragraph drafted from ``training``'s data, editable and copyable, and
    the form that downloads it as .docx (the edited text is posted). Counted in
    the fixed queries of ``activity_report_numbers``, three on the training page,
    whose ``attendance_days`` it reuses."""
    numbers = activity_report_numbers(training, days=context.get("attendance_days"))
    return {
        "training": training,
        "paragraph": activity_report_draft(training, numbers),
        "csrf_token": context.get("csrf_token"),
    }
