"""The absolute session lifetime: a session ends ``SESSION_ABSOLUTE_SECONDS`` after
the password login, however active it is (the idle limit is Django's own:
``SESSION_COOKIE_AGE`` with ``SESSION_SAVE_EVERY_REQUEST``)."""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY

#: Session key of the Unix time (seconds) of the password login.
LOGIN_AT_KEY = "login_at"


def login_time_record(sender, request, user, **kwargs) -> None:
    """Receiver of ``user_logged_in``: store the time of the login in the session,
    and forget a second factor given before it. Django keeps the session's data
    when the same user logs in again, so without this a password alone, typed in
    a session that had passed the code, would skip the code and restart the
    12-hour limit."""
    from django_otp import DEVICE_ID_SESSION_KEY

    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT_KEY] = int(time.time())
        request.session.pop(DEVICE_ID_SESSION_KEY, None)


def session_expired(session, *, now: float | None = None) -> bool:
    """Whether the logged-in ``session`` is older than ``SESSION_ABSOLUTE_SECONDS``.

    A session without a user is never expired; a logged-in one without a login
    time (made before this rule existed, or tampered with) is."""
    if SESSION_KEY not in session:
        return False
    login_at = session.get(LOGIN_AT_KEY)
    if not isinstance(login_at, int | float):
        return True
    now = time.time() if now is None else now
    return now - login_at >= settings.SESSION_ABSOLUTE_SECONDS
