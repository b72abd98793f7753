"""The session's absolute lifetime, and the second step of logging in for every
page.

Both go after ``AuthenticationMiddleware``, django-otp's ``OTPMiddleware`` (which
tells whether this session gave a second factor) and ``MessageMiddleware``.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import ngettext

from .sessions import session_expired
from .two_factor import is_verified, step_url, two_factor_required

#: Pages a user who still owes the second factor may open.
SECOND_STEP_VIEWS = {"accounts:setup", "accounts:verify", "logout"}


class SessionLifetimeMiddleware:
    """Log the user out ``SESSION_ABSOLUTE_SECONDS`` after the password login, however
    active the session has been; the next page then asks for the login again,
    with a message saying why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if session_expired(request.session):
            logout(request)
            hours = max(1, settings.SESSION_ABSOLUTE_SECONDS // 3600)
            messages.info(
                request,
                ngettext(
                    "You were logged out: a session lasts at most %(hours)d hour. "
                    "Please log in again.",
                    "You were logged out: a session lasts at most %(hours)d hours. "
                    "Please log in again.",
                    hours,
                )
                % {"hours": hours},
            )
        return self.get_response(request)


class TwoFactorMiddleware(MiddlewareMixin):
    """Send a user who needs a second factor and has not given one in this session
    to set-up or verify, from every page (the Django admin's too) except those
    two, logging out and the public pages (``login_not_required``)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in SECOND_STEP_VIEWS:
            return None
        user = request.user
        if not user.is_authenticated or is_verified(user):
            return None
        if not two_factor_required(user):
            return None
        next_path = request.get_full_path() if request.method in ("GET", "HEAD") else ""
        return redirect(step_url(user, next_path))
