"""Template tags of the training page (stub: its owner fills it in)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def knowledge_gain_panel(context, training) -> str:
    """The knowledge-gain panel: pre/post test by sex and agency type."""
    return ""
