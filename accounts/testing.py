"""Marking a Django test client's session as confirmed by a second factor, for the
tests (``tests.auth.login``) and the in-process benchmarks (``bench/``).

Only for ``django.test.Client`` sessions in tests and benchmarks: it skips the
code check that the verify page does, so no view or command imports it.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from .two_factor import TOTP_DEVICE_NAME


def confirmed_device(user) -> TOTPDevice:
    """``user``'s set-up authenticator app, created (confirmed, random key) if there
    is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, confirmed=True
    )


def session_mark_verified(client, user) -> TOTPDevice:
    """Mark the session of ``client`` (a ``django.test.Client`` already logged in
    as ``user``, e.g. by ``force_login``) as confirmed by ``user``'s authenticator
    app, as ``django_otp.login`` does after a right code; returns that device
    (created by ``confirmed_device`` if the user has none).

    Does not check that the client is logged in as ``user``: a session of another
    user would point at a device that is not theirs, which django-otp ignores
    (the session then counts as not confirmed).
    """
    device = confirmed_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device
