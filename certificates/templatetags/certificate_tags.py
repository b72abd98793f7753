"""What the training page shows of certificates, as a template tag, so the
``trainings`` app never imports ``certificates`` (``{% load certificate_tags %}``).

``certificate_panel``: the training's rule, how many qualify (counted in the
database, of everyone), who qualifies and why not for the participants on the
page's window of the list, the buttons that issue one or all, and the latest
certificates issued with a link to them all; a fixed number of queries whatever
the training's size.
"""

from django import template
from django.db.models import Count, Q

from setara.data_version import cached

from ..eligibility import (
    eligibility_counts,
    loaded_eligibility,
)
from ..models import Certificate

register = template.Library()

#: Certificates listed on the training page, latest first; the certificates
#: list (``certificates:list?training=``) has them all.
LATEST_CERTIFICATES = 20


def _counts(training) -> dict:
    """``eligibility_counts`` and the training's certificates (``issued``,
    ``valid``): counts only, kept in the cache for the data version. Two queries
    when not cached."""

    def compute():
        issued = Certificate.objects.of_training(training).aggregate(
            issued=Count("id"), valid=Count("id", filter=Q(revoked_at__isnull=True))
        )
        return {**eligibility_counts(training), **issued}

    return cached("training-certificate-counts", (training.pk,), compute)


@register.inclusion_tag("certificates/includes/_panel.html", takes_context=True)
def certificate_panel(context, training, page):
    """The certificate panel of ``training``; empty for users who may not see
    certificates (``certificates.view_certificate``). ``page``: the page of the
    training's enrolments the participant list shows (a ``Page``); the
    eligibility table has the participants among them."""
    request = context["request"]
    user = request.user
    if not user.has_perm("certificates.view_certificate"):
        return {"show": False}
    counts = _counts(training)
    rule, rows = loaded_eligibility(training, page.object_list)
    # The latest certificates and the valid ones of the rows, in one query.
    latest = Certificate.objects.of_training(training).order_by("-serial")
    found = list(
        Certificate.objects.filter(
            Q(pk__in=latest.values("pk")[:LATEST_CERTIFICATES])
            | Q(
                enrolment__in=[row.enrolment.pk for row in rows],
                revoked_at__isnull=True,
            )
        ).order_by("-serial")
    )
    valid = {c.enrolment_id: c for c in found if not c.is_revoked}
    for row in rows:
        row.certificate = valid.get(row.enrolment.pk)
    # Every certificate found is of the training, by serial, latest first: the
    # latest ones come first, before any older valid one of the rows.
    certificates = found[:LATEST_CERTIFICATES]
    for certificate in certificates:
        certificate.verification_url = request.build_absolute_uri(
            certificate.get_absolute_url()
        )
    return {
        "show": True,
        "training": training,
        "rule": rule,
        "rows": rows,
        "participant_count": counts["participants"],
        "qualifying_count": counts["qualifying"],
        "certificates": certificates,
        "issued_count": counts["issued"],
        "valid_count": counts["valid"],
        "can_issue": user.has_perm("certificates.add_certificate"),
        "can_revoke": user.has_perm("certificates.revoke_certificate"),
        "csrf_token": context.get("csrf_token"),
    }
