"""The account pages: changing one's password, and the second step of logging in
(setting up an authenticator app, or typing its code)."""

import logging
import math

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.messages.views import SuccessMessageMixin
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView
from django_otp.plugins.otp_static.models import StaticDevice

from setara.qr import qr_data_uri

from .forms import SetupCodeForm, VerifyCodeForm
from .two_factor import (
    MAX_WRONG_CODES,
    code_verify,
    is_verified,
    key_text,
    recovery_codes_left,
    step_url,
    totp_device_confirmed,
    totp_device_pending,
    totp_setup_confirm,
    two_factor_required,
)

logger = logging.getLogger(__name__)

#: Session key: wrong codes sent in this session.
WRONG_CODES_KEY = "two_factor_wrong_codes"


def next_url(request) -> str:
    """Where to go after the second step: the ``next`` the page was given when it
    is a path on this site, else the home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """Change one's own password (typing the current one first). This session
    stays logged in; the user's other sessions end."""

    success_message = gettext_lazy("Your password was changed.")

    def get_success_url(self):
        return resolve_url(settings.LOGIN_REDIRECT_URL)


@method_decorator([never_cache, sensitive_post_parameters("code")], name="dispatch")
class TwoFactorStepView(FormView):
    """The part the set-up and verify pages share: only for a user who needs a
    second factor and has not given one in this session (the others go on to
    ``next``); wrong codes count, and the fifth in a session logs the user out."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not two_factor_required(user) or is_verified(user):
            return redirect(next_url(request))
        elsewhere = self.redirect_elsewhere()
        if elsewhere is not None:
            return elsewhere
        return super().dispatch(request, *args, **kwargs)

    def redirect_elsewhere(self):
        """A redirect when this step is the wrong one for the user, else None."""
        return None

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=next_url(self.request), **kwargs)

    def verified(self, device) -> None:
        """Mark this session as confirmed by ``device``, under a new session key."""
        django_otp.login(self.request, device)
        self.request.session.cycle_key()
        self.request.session.pop(WRONG_CODES_KEY, None)

    def code_refused(self, form, locked_until=None):
        """Count a wrong code: the form again with the reason, or, at the limit, a
        logout."""
        session = self.request.session
        session[WRONG_CODES_KEY] = session.get(WRONG_CODES_KEY, 0) + 1
        logger.warning("Wrong two-factor code for user id %s", self.request.user.pk)
        if session[WRONG_CODES_KEY] >= MAX_WRONG_CODES:
            logout(self.request)
            messages.error(
                self.request,
                _(
                    "Too many wrong codes: you have been logged out. Log in again "
                    "to try once more."
                ),
            )
            return redirect(settings.LOGIN_URL)
        if locked_until is not None:
            seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
            message = ngettext(
                "Too many wrong codes in a row: wait %(seconds)d second, then "
                "type the newest code.",
                "Too many wrong codes in a row: wait %(seconds)d seconds, then "
                "type the newest code.",
                seconds,
            ) % {"seconds": seconds}
        else:
            message = _("That code is not right. Type the code the app shows now.")
        form.add_error("code", message)
        return self.form_invalid(form)


class TwoFactorSetupView(TwoFactorStepView):
    """Set up an authenticator app: its key as a QR code and as text, a code from
    the app to confirm it, then the ten recovery codes, shown this once."""

    template_name = "accounts/two_factor_setup.html"
    form_class = SetupCodeForm

    def redirect_elsewhere(self):
        if totp_device_confirmed(self.request.user) is not None:
            return redirect(step_url(self.request.user, next_url(self.request)))
        return None

    def get_context_data(self, **kwargs):
        device = totp_device_pending(self.request.user)
        return super().get_context_data(
            key=key_text(device), qr=qr_data_uri(device.config_url), **kwargs
        )

    def form_valid(self, form):
        device = totp_device_pending(self.request.user)
        allowed, details = device.verify_is_allowed()
        if not allowed:
            return self.code_refused(form, (details or {}).get("locked_until"))
        codes = totp_setup_confirm(device, form.cleaned_data["code"])
        if codes is None:
            return self.code_refused(form)
        device.refresh_from_db()
        self.verified(device)
        # Rendered in answer to the POST, not stored for a later page: the codes
        # are shown this once.
        return render(
            self.request,
            "accounts/recovery_codes.html",
            {"codes": codes, "next": next_url(self.request)},
        )


class TwoFactorVerifyView(TwoFactorStepView):
    """The second step of logging in: a code from the app, or a recovery code."""

    template_name = "accounts/two_factor_verify.html"
    form_class = VerifyCodeForm

    def redirect_elsewhere(self):
        if totp_device_confirmed(self.request.user) is None:
            return redirect(step_url(self.request.user, next_url(self.request)))
        return None

    def form_valid(self, form):
        user = self.request.user
        check = code_verify(user, form.cleaned_data["code"])
        if check.device is None:
            return self.code_refused(form, check.locked_until)
        self.verified(check.device)
        if isinstance(check.device, StaticDevice):
            left = recovery_codes_left(user)
            messages.warning(
                self.request,
                ngettext(
                    "You logged in with a recovery code; %(count)d is left. Each "
                    "works once: ask an admin to reset your two-factor sign-in "
                    "before they run out.",
                    "You logged in with a recovery code; %(count)d are left. Each "
                    "works once: ask an admin to reset your two-factor sign-in "
                    "before they run out.",
                    left,
                )
                % {"count": left},
            )
        return redirect(next_url(self.request))
