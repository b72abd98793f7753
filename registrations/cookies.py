"""The device cookie: the phone that registered can check in without typing.

After a successful registration the public form sets a signed cookie
``setara-reg-<desk pk>`` holding the registration's random ``device_key`` (never
a name, phone or id); the check-in page reads it back. It lasts until the
training's last day ends in the training's time zone, is sent over HTTPS only
(except with DEBUG), never to scripts (HttpOnly), and not on cross-site
sub-requests (SameSite=Lax).
"""

from django.conf import settings
from django.utils import timezone

from .models import Registration, RegistrationDesk
from .services import training_ends_at

SALT = "registrations.device"


def device_cookie_name(desk: RegistrationDesk) -> str:
    """The cookie's name for ``desk``: ``setara-reg-<desk pk>``."""
    return f"setara-reg-{desk.pk}"


def device_cookie_set(
    response, *, desk: RegistrationDesk, registration: Registration
) -> None:
    """Set on ``response`` the signed cookie that ties this browser to
    ``registration`` until the training of ``desk`` ends (nothing once it has)."""
    seconds = (training_ends_at(desk.training) - timezone.now()).total_seconds()
    if seconds <= 0:
        return
    response.set_signed_cookie(
        device_cookie_name(desk),
        registration.device_key,
        salt=SALT,
        max_age=int(seconds),
        httponly=True,
        samesite="Lax",
        secure=not settings.DEBUG,
    )


def device_cookie_key(request, desk: RegistrationDesk) -> str | None:
    """The ``device_key`` this browser holds for ``desk``, or None (no cookie, or
    one whose signature does not verify)."""
    return request.get_signed_cookie(device_cookie_name(desk), default=None, salt=SALT)
