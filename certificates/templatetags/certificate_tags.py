"""What the training page shows of certificates, as a template tag, so the
``trainings`` app never imports ``certificates`` (``{% load certificate_tags %}``).

``certificate_panel``: the training's rule, who qualifies and why not for the
others, the buttons that issue one or all, and the certificates issued; two
queries whatever the training's size.
"""

from django import template

from ..eligibility import training_eligibility
from ..models import Certificate

register = template.Library()


@register.inclusion_tag("certificates/includes/_panel.html", takes_context=True)
def certificate_panel(context, training):
    """The certificate panel of ``training``; empty for users who may not see
    certificates (``certificates.view_certificate``)."""
    request = context["request"]
    user = request.user
    if not user.has_perm("certificates.view_certificate"):
        return {"show": False}
    rule, rows = training_eligibility(training)
    certificates = list(Certificate.objects.of_training(training).order_by("serial"))
    valid = {c.enrolment_id: c for c in certificates if not c.is_revoked}
    for row in rows:
        row.certificate = valid.get(row.enrolment.pk)
    for certificate in certificates:
        certificate.verification_url = request.build_absolute_uri(
            certificate.get_absolute_url()
        )
    qualifying = [row for row in rows if row.qualifies]
    return {
        "show": True,
        "training": training,
        "rule": rule,
        "rows": rows,
        "qualifying_count": len(qualifying),
        "certificates": certificates,
        "valid_count": len(valid),
        "can_issue": user.has_perm("certificates.add_certificate"),
        "can_revoke": user.has_perm("certificates.revoke_certificate"),
        "csrf_token": context.get("csrf_token"),
    }
