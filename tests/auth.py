"""Logging a test client in as a user, the way every test does it.

``login(client, user)`` is the one door: when sign-in needs more than a password
for some roles (a second factor), this is where a test's session gets it.
"""


def login(client, user):
    """Log ``client`` (a Django test client) in as ``user``; returns the client."""
    client.force_login(user)
    return client
