"""Logging a test client in as a user, the way every test does it.

``login(client, user)`` is the one door: for users who need a second factor
(``accounts.two_factor.two_factor_required``: coordinators, admins, anyone with
admin access) it also gives them an authenticator app and marks the session as
confirmed by it, as ``django_otp.login`` does after a right code
(``accounts.testing.session_mark_verified``, which the benchmarks share).
"""

from accounts.testing import confirmed_device, session_mark_verified
from accounts.two_factor import two_factor_required

__all__ = ["confirmed_device", "login"]


def login(client, user):
    """Log ``client`` (a Django test client) in as ``user``, with the second factor
    when the user needs one; returns the client."""
    client.force_login(user)
    # A fresh copy: permissions cached on ``user`` may predate the test's changes.
    if two_factor_required(type(user)._default_manager.get(pk=user.pk)):
        session_mark_verified(client, user)
    return client
