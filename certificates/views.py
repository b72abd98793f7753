"""The pages of certificates: issuing one or all (the training page's panel
posts here), downloading one as PDF, the list and revocation for coordinators,
and the public verification page the QR code opens.

Who may do what: programme staff and coordinators issue and download
(``certificates.add_certificate``, ``view_certificate``); coordinators also list
and revoke (``certificates.revoke_certificate``); anyone, without logging in,
opens a verification page by its unguessable code.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import slugify
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView
from django.views.generic.detail import SingleObjectMixin
from django_filters.views import FilterView
from django_ratelimit.core import get_usage, is_ratelimited

from jobs.models import Job
from jobs.services import TooManyJobs, job_start
from registrations.limits import client_address, too_many_requests
from setara.export_log import export_log_record_request
from setara.history import history_entries
from setara.pagination import ForgivingPaginationMixin
from setara.pdf import PdfUnavailable
from trainings.models import Enrolment, Training

from . import tasks
from .filters import CertificateFilterSet
from .forms import RevokeForm
from .models import Certificate
from .pdf import certificates_pdf
from .services import (
    certificate_issue,
    certificate_revoke,
    certificates_issue_qualifying,
)

ISSUE_PERMISSIONS = (
    "trainings.view_training",
    "certificates.view_certificate",
    "certificates.add_certificate",
)
REVOKE_PERMISSIONS = (
    "certificates.view_certificate",
    "certificates.revoke_certificate",
)
#: Reading the certificates' history (revocations) on the list page.
HISTORY_PERMISSION = "certificates.view_historicalcertificate"


def panel_url(training_id: int) -> str:
    """The certificate panel on the training page."""
    return reverse("trainings:detail", args=[training_id]) + "#certificates"


def site_base_url(request) -> str:
    """The site's address as the visitor reached it (``https://host/``): the
    base of verification addresses, as the registration QR codes use
    (``build_absolute_uri``; the host is checked against ``ALLOWED_HOSTS``)."""
    return request.build_absolute_uri("/")


class CertificateIssueView(PermissionRequiredMixin, SingleObjectMixin, View):
    """Issue one participant's certificate (a POST from the panel), then back to
    the panel; a second POST finds the same certificate. Someone who does not
    qualify is refused with the reasons."""

    permission_required = ISSUE_PERMISSIONS
    http_method_names = ["post"]
    queryset = Enrolment.objects.select_related("participant")

    def post(self, request, *args, **kwargs):
        enrolment = self.get_object()
        try:
            certificate = certificate_issue(enrolment=enrolment, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Certificate %(number)s of %(name)s is ready.")
                % {"number": certificate.number, "name": certificate.name},
            )
        return redirect(panel_url(enrolment.training_id))


class CertificateIssueAllView(PermissionRequiredMixin, SingleObjectMixin, View):
    """Issue the certificates of everyone who qualifies and has none, then start
    the job that draws every valid certificate of the training into one PDF, and
    go to its progress page. A POST only."""

    permission_required = ISSUE_PERMISSIONS
    http_method_names = ["post"]
    queryset = Training.objects.all()

    def post(self, request, *args, **kwargs):
        training = self.get_object()
        issued = certificates_issue_qualifying(training=training, user=request.user)
        count = Certificate.objects.of_training(training).valid().count()
        if not count:
            messages.warning(
                request, _("Nobody qualifies for a certificate of this training yet.")
            )
            return redirect(panel_url(training.pk))
        if issued:
            messages.success(
                request,
                ngettext(
                    "%(count)s certificate issued.",
                    "%(count)s certificates issued.",
                    issued,
                )
                % {"count": issued},
            )
        try:
            job = job_start(
                task=tasks.training_certificates_pdf,
                user=request.user,
                kind=Job.Kind.PDF,
                title=_("Certificates (.pdf), %(title)s") % {"title": training.title},
                params={"training": training.pk, "base_url": site_base_url(request)},
                permission="certificates.add_certificate",
                personal=True,
                log_export=request.resolver_match.view_name,
                log_filters={"pk": str(training.pk)},
                total=count,
            )
        except TooManyJobs as error:
            messages.error(request, error.messages[0])
            return redirect("jobs:list")
        return redirect(job)


class CertificatePdfView(PermissionRequiredMixin, DetailView):
    """One certificate as a PDF attachment, recorded in the export log (a name
    leaves the system). A revoked certificate is not printed again."""

    permission_required = ("certificates.view_certificate",)
    queryset = Certificate.objects.select_related("enrolment__training__region")

    def render_to_response(self, context, **response_kwargs):
        certificate = self.object
        back = panel_url(certificate.enrolment.training_id)
        if certificate.is_revoked:
            messages.error(
                self.request, _("This certificate is revoked; it is not printed.")
            )
            return redirect(back)
        try:
            pdf = certificates_pdf([certificate], site_base_url(self.request))
        except PdfUnavailable:
            messages.error(self.request, _("PDF is not available on this server."))
            return redirect(back)
        export_log_record_request(
            self.request,
            filters={
                "participant": str(certificate.enrolment.participant_id),
                "certificate": certificate.number,
            },
            row_count=1,
        )
        words = f"{_('certificate')} {certificate.number.replace('/', ' ')}"
        filename = f"{slugify(words)}.pdf"
        return HttpResponse(
            pdf,
            content_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "private, no-store",
            },
        )


class CertificateListView(
    PermissionRequiredMixin, ForgivingPaginationMixin, FilterView
):
    """Every certificate, filtered by training, status, number or name, with a
    revoke link on the valid ones, and below, the history of the certificates
    listed (issues and revocations)."""

    permission_required = REVOKE_PERMISSIONS
    filterset_class = CertificateFilterSet
    queryset = Certificate.objects.for_list()
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.has_perm(HISTORY_PERMISSION):
            rows = Certificate.history.filter(
                id__in=self.object_list.order_by().values("id")
            )
            context["history"] = history_entries(
                [
                    (
                        rows,
                        lambda row: (
                            _("Certificate %(number)s") % {"number": row.number}
                        ),
                    )
                ]
            )
        return context


class CertificateRevokeView(PermissionRequiredMixin, SingleObjectMixin, FormView):
    """Revoke a certificate: a page that says what it is and asks why (GET),
    then the revocation (POST), back to the list of its training."""

    permission_required = REVOKE_PERMISSIONS
    queryset = Certificate.objects.select_related("enrolment__training", "revoked_by")
    form_class = RevokeForm
    template_name = "certificates/certificate_confirm_revoke.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        certificate = self.object
        if certificate.is_revoked:
            return redirect(self.get_success_url())
        try:
            certificate_revoke(
                certificate=certificate,
                user=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Certificate %(number)s was revoked.") % {"number": certificate.number},
        )
        return redirect(self.get_success_url())

    def get_success_url(self):
        training_id = self.object.enrolment.training_id
        return f"{reverse('certificates:list')}?training={training_id}"


# The public verification page
# ------------------------------------------------------------------------------
#: Per client address and 10 minutes: pages opened, and unknown codes (a code is
#: one of 2**128, so guessing is hopeless; the limit stops scripted scanning).
VERIFY_RATES = {"GET": "120/10m", "unknown": "20/10m"}


def _verify_limited(request) -> bool:
    """Count this request for its address and say whether the address is over a
    limit (pages opened, or unknown codes already spent)."""
    address = client_address(request)
    limited = is_ratelimited(
        request,
        group="certificates.verify.GET",
        key=lambda _group, _request: address,
        rate=VERIFY_RATES["GET"],
        increment=True,
    )
    usage = get_usage(
        request,
        group="certificates.verify.unknown",
        key=lambda _group, _request: address,
        rate=VERIFY_RATES["unknown"],
        increment=False,
    )
    return limited or (usage is not None and usage["count"] >= usage["limit"])


def _count_unknown(request) -> None:
    address = client_address(request)
    get_usage(
        request,
        group="certificates.verify.unknown",
        key=lambda _group, _request: address,
        rate=VERIFY_RATES["unknown"],
        increment=True,
    )


@login_not_required
@never_cache
def verify(request, code):
    """The public page of the certificate with verification ``code``: valid or
    withdrawn, with the name, the training's title and dates and the number, and
    nothing else. An unknown code is a 404 that says only that. Not indexed by
    search engines; rate limited per address."""
    if _verify_limited(request):
        return too_many_requests(request)
    certificate = (
        Certificate.objects.select_related("enrolment__training")
        .filter(code=code)
        .first()
    )
    if certificate is None:
        _count_unknown(request)
        response = render(request, "certificates/verify_unknown.html", status=404)
    else:
        training = certificate.enrolment.training
        context = {
            "name": certificate.name,
            "number": certificate.number,
            "title": training.title,
            "dates": training.date_range_display,
            "revoked": certificate.is_revoked,
        }
        response = render(request, "certificates/verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
