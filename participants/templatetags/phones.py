"""``{% load phones %}``: the one way a template shows a phone number."""

from django import template

from participants.normalisation import display_phone

register = template.Library()


@register.filter
def phone(value) -> str:
    """A stored phone number as people read it: ``{{ participant.phone|phone }}``
    shows ``+6281242317710`` as ``0812-4231-7710`` (see
    ``participants.normalisation.display_phone``); links keep the stored value
    (``tel:{{ participant.phone }}``)."""
    return display_phone(value)
