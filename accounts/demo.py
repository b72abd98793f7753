"""The demo's second factor: a fixed, published key, so that ``make demo`` works
without an authenticator app (``manage.py demo_totp_code <user>`` prints the
code). Only ``load_demo`` and the tests use this module; a key everyone knows
protects nothing, so it is never given to a real user.
"""

from django.db import transaction
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from .two_factor import TOTP_DEVICE_NAME, recovery_codes_replace

#: The demo key, hex (20 bytes: the ASCII of "SETARA-DEMO-TOTP-KEY"); typed into an
#: authenticator app it is KNCV IQKS IEWU IRKN J4WV IT2U KAWU WRKZ (base32).
DEMO_TOTP_KEY = "5345544152412d44454d4f2d544f54502d4b4559"


@transaction.atomic
def demo_device_give(user) -> TOTPDevice:
    """Replace ``user``'s two-factor devices with a confirmed authenticator app on
    the demo key (and new recovery codes, which nobody sees)."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True
    )
    recovery_codes_replace(user)
    return device


def usable_code(device: TOTPDevice) -> str:
    """A code ``device`` accepts now: the current one, or the next one when the
    current one was already used (each code works once; the device accepts one
    step ahead)."""
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    counter = max(now.t(), device.last_t + 1)
    return f"{hotp(device.bin_key, counter, digits=device.digits):0{device.digits}d}"
