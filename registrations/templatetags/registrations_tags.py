"""What the training pages show of self-registration, as template tags, so the
``trainings`` app never imports ``registrations`` (``{% load registrations_tags %}``
in its templates).

- ``registration_desk_panel``: on the training page, the desk's open/close form,
  link, QR code, poster link and setting (for users with ``DESK_PERMISSIONS``);
- ``registration_signin_qr``: on the sign-in sheet, the QR code of the link while
  the desk accepts registrations.

Each runs one query (the desk), whatever the training's size; the review panel's
counts are kept in the cache for the data version (``setara.data_version``).
"""

from django import template

from setara.data_version import cached
from setara.qr import qr_data_uri, qr_svg

from ..checkin import desk_of
from ..forms import DeskSettingsForm
from ..models import Registration
from ..services import DESK_PERMISSIONS, desk_accepting, training_has_ended
from ..views.desk import public_link

register = template.Library()


@register.inclusion_tag("registrations/desk_panel.html", takes_context=True)
def registration_desk_panel(context, training):
    """The registration panel of ``training`` for the training page; empty for
    users who may not open registration."""
    request = context["request"]
    if not request.user.has_perms(DESK_PERMISSIONS):
        return {"show": False}
    desk = desk_of(training)
    accepting = desk_accepting(desk)
    link = public_link(request, desk) if accepting else ""
    return {
        "show": True,
        "training": training,
        "desk": desk,
        "accepting": accepting,
        "ended": training_has_ended(training),
        "link": link,
        "qr": qr_svg(link, title=link) if accepting else "",
        "settings_form": DeskSettingsForm(instance=desk),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("registrations/signin_qr.html", takes_context=True)
def registration_signin_qr(context, training):
    """The QR code of the registration link on the sign-in sheet, while the desk
    of ``training`` accepts registrations (nothing otherwise)."""
    desk = desk_of(training)
    request = context.get("request")
    if request is None or not desk_accepting(desk):
        return {"show": False}
    link = public_link(request, desk)
    return {"show": True, "link": link, "qr_src": qr_data_uri(link)}


@register.inclusion_tag("registrations/review_panel.html", takes_context=True)
def registration_review_panel(context, training):
    """On the training page, for users who may review (``DESK_PERMISSIONS``):
    the training's registrations by status and the link to review them; nothing
    when it has none. One query when the counts are not cached."""
    request = context["request"]
    if not request.user.has_perms(DESK_PERMISSIONS):
        return {"show": False}
    counts = cached(
        "training-registration-counts",
        (training.pk,),
        lambda: Registration.objects.filter(training=training).status_summary(),
    )
    return {"show": bool(counts["total"]), "training": training, "counts": counts}
