"""What the scripts in ``bench/`` share. They run as ``python bench/<script>.py``,
so this folder is on ``sys.path`` and they import it as ``common``."""

import sys
from urllib.parse import urlparse


def recreate_database(url: str, *, allowed: tuple[str, ...] = ("bench",)) -> None:
    """Drop the PostgreSQL database named in ``url`` (closing its connections) and
    create it again, empty.

    Exits the script (``SystemExit`` with a message) without touching anything
    when the database's name contains none of the words in ``allowed``, so a
    mistyped DATABASE_URL cannot wipe real data.
    """
    import psycopg  # only the PostgreSQL scripts need it

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not any(word in name for word in allowed):
        words = " or ".join(repr(word) for word in allowed)
        sys.exit(f"Refusing to drop database {name!r}: its name must contain {words}.")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def client_verified(user, **options):
    """A ``django.test.Client`` (``options`` go to it) logged in as ``user`` with
    the second factor given, as ``tests.auth.login`` does for the tests
    (``accounts.testing.session_mark_verified``: the user's authenticator app,
    created if there is none). For the coordinators and admins whom the
    two-factor step would otherwise stop; Django must be set up."""
    from django.test import Client

    from accounts.testing import session_mark_verified

    client = Client(**options)
    client.force_login(user)
    session_mark_verified(client, user)
    return client
