"""The public pages of a registration desk: the form at ``r/<token>/`` and the
"thank you" page. No login; every request is rate limited
(``registrations.limits``) and checks that the desk still accepts registrations
(``desk_accepting``), so closing the desk stops the link at once.

An unknown token is a plain 404; a real token whose desk is closed (or whose
training has ended) says "registration is closed". Nothing personal is ever
shown back: the thank-you page is the same for a new registration, a double
submit and a phone already registered.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from ..consent import consent_text
from ..cookies import device_cookie_set
from ..forms import HONEYPOT, RegistrationForm
from ..limits import desk_budget_count, public_rate_limit
from ..models import RegistrationDesk
from ..services import desk_accepting, registration_submit


def desk_of(token: str) -> RegistrationDesk:
    """The desk of a public link's token, with its training and region (one
    query); Http404 for an unknown token."""
    desk = (
        RegistrationDesk.objects.select_related("training__region")
        .filter(token=token)
        .first()
    )
    if desk is None:
        raise Http404
    return desk


def _closed(request, desk):
    return render(request, "registrations/public_closed.html", {"desk": desk})


@login_not_required
@never_cache
@public_rate_limit("register")
def register(request, token):
    """The registration form (GET), and its POST: stored through
    ``registration_submit``, then the thank-you page (POST/redirect/GET)."""
    desk = desk_of(token)
    if not desk_accepting(desk):
        return _closed(request, desk)
    training = desk.training
    form = RegistrationForm(
        request.POST if request.method == "POST" else None, training=training
    )
    if request.method == "POST" and form.is_valid():
        response = redirect("registrations:thanks", token=desk.token)
        if form.is_bot():
            return response  # looks like success; nothing is stored
        token_sent = form.submitted_token()
        now = timezone.now()
        registration = registration_submit(
            desk=desk,
            data=form.submission_data(),
            submission_token=token_sent,
            now=now,
        )
        if registration.consented_at == now:  # stored by this POST, not before
            desk_budget_count(request, group="register", token=token)
        # Only the browser that made the registration gets its key (a second
        # person typing the same phone number does not).
        if token_sent is not None and registration.submission_token == token_sent:
            device_cookie_set(response, desk=desk, registration=registration)
        return response
    errors = [
        (form[name], error)
        for name, field_errors in form.errors.items()
        if name in form.fields and name != HONEYPOT
        for error in field_errors
    ]
    return render(
        request,
        "registrations/public_form.html",
        {
            "desk": desk,
            "training": training,
            "form": form,
            "errors": errors,
            "consent": consent_text(),
        },
    )


@login_not_required
@never_cache
@public_rate_limit("register")
def thanks(request, token):
    """ "Thank you, registered": the same for everyone, nothing personal."""
    desk = desk_of(token)
    return render(
        request,
        "registrations/public_thanks.html",
        {"desk": desk, "training": desk.training},
    )
