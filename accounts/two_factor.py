"""Two-factor sign-in: who needs it, setting up an authenticator app, checking a
code.

The second factor is a TOTP authenticator app (django-otp's ``TOTPDevice``) with
ten single-use recovery codes (``StaticDevice``) for when the phone is not at hand.
Every wrong code counts against the device (django-otp's exponential throttling,
kept in the database across sessions) and against the session
(``MAX_WRONG_CODES``, counted by the views).
"""

import base64
import re
from dataclasses import dataclass
from datetime import datetime

import django_otp
from django.db import transaction
from django.urls import reverse
from django.utils.http import urlencode
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

#: Who may export personal data (phone numbers, NIK, birth dates).
PERSONAL_DATA_PERMISSION = "participants.export_personal_data"
RECOVERY_CODE_COUNT = 10
#: Wrong codes one session may send before it is logged out.
MAX_WRONG_CODES = 5
TOTP_DEVICE_NAME = "authenticator app"
RECOVERY_DEVICE_NAME = "recovery codes"


def two_factor_required(user) -> bool:
    """Whether ``user`` must confirm each login with a second factor.

    True for everyone who can export personal data (coordinators, admins and
    superusers: the ``participants.export_personal_data`` permission) and for
    everyone who may open the Django admin (``is_staff``); False for programme
    staff and anonymous users. Reads the user's permissions (cached on ``user``).
    """
    if not user.is_authenticated:
        return False
    return user.is_staff or user.has_perm(PERSONAL_DATA_PERMISSION)


def is_verified(user) -> bool:
    """Whether this request's ``user`` has confirmed a second factor in its session
    (set by django-otp's ``OTPMiddleware``)."""
    return getattr(user, "otp_device", None) is not None


def totp_device_confirmed(user) -> TOTPDevice | None:
    """The user's set-up authenticator app, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_device_pending(user) -> TOTPDevice:
    """The authenticator app being set up: the same (unconfirmed) device and key on
    every visit to the set-up page until a code confirms it, so a reload does not
    invalidate a key already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk")
    return device.first() or TOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, confirmed=False
    )


def step_url(user, next_path: str = "") -> str:
    """The URL of the second step for ``user``: verify when an authenticator app
    is set up, else set one up; ``next_path`` is where to go after it."""
    name = "accounts:verify" if totp_device_confirmed(user) else "accounts:setup"
    query = f"?{urlencode({'next': next_path})}" if next_path else ""
    return reverse(name) + query


def key_text(device: TOTPDevice) -> str:
    """The device's secret as an authenticator app takes it typed in: base32 in
    groups of four ("ABCD EFGH ...")."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise_code(code: str) -> str:
    """A typed code without spaces or dashes, lower case ("123 456" -> "123456")."""
    return re.sub(r"[\s-]+", "", code or "").lower()


@transaction.atomic
def totp_setup_confirm(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the pending ``device`` with a code from the app.

    Returns the user's new recovery codes (any older ones stop working), or None
    when the code is wrong or the device refuses codes for now (throttled)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token(normalise_code(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_replace(device.user)


def recovery_codes_replace(user) -> list[str]:
    """Give ``user`` ``RECOVERY_CODE_COUNT`` new single-use recovery codes (8
    characters each) and delete the old ones; returns the codes, which are shown
    once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(
        user=user, name=RECOVERY_DEVICE_NAME, confirmed=True
    )
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    codes_sorted = sorted(codes)
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=code) for code in codes_sorted
    )
    return codes_sorted


def recovery_codes_left(user) -> int:
    """How many unused recovery codes ``user`` has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of ``code_verify``: the device that accepted the code (None when
    refused), and until when the refusing device takes no codes (throttled)."""

    device: Device | None
    locked_until: datetime | None = None


def code_verify(user, code: str) -> CodeCheck:
    """Check a code typed at login: six digits from the authenticator app, or one
    of the recovery codes (used up by this). Each wrong code slows down the
    device it was meant for."""
    code = normalise_code(code)
    if re.fullmatch(r"\d{6}", code):
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    locked_until = None
    for device in devices.order_by("pk"):
        allowed, details = device.verify_is_allowed()
        if not allowed:
            locked_until = (details or {}).get("locked_until")
            continue
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return CodeCheck(verified)
    return CodeCheck(None, locked_until)
