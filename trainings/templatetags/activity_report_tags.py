"""The activity report (laporan kegiatan) panel of the training page:
``{% activity_report_panel training numbers %}``."""

from django import template

from ..activity_report import activity_report_draft, activity_report_numbers

register = template.Library()


@register.inclusion_tag(
    "trainings/includes/activity_report_panel.html", takes_context=True
)
def activity_report_panel(context, training, numbers=None) -> dict:
    """The paragraph drafted from ``training``'s data, editable and copyable, and
    the form that downloads it as .docx (the edited text is posted).

    ``numbers``: the page's ``trainings.training_page.TrainingNumbers``, whose
    cached draft it shows (no query when the cache has it). Without it, the
    fixed queries of ``activity_report_numbers`` (three when the context has the
    page's ``attendance_days``)."""
    if numbers is not None:
        paragraph = numbers.draft()
    else:
        counted = activity_report_numbers(training, days=context.get("attendance_days"))
        paragraph = activity_report_draft(training, counted)
    return {
        "training": training,
        "paragraph": paragraph,
        "csrf_token": context.get("csrf_token"),
    }
