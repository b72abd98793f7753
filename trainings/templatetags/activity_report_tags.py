"""Template tags of the training page (stub: its owner fills it in)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def activity_report_panel(context, training) -> str:
    """The drafted activity report (laporan kegiatan) and its .docx link."""
    return ""
