"""One number that changes whenever the programme's data changes, so that counts
and tables computed from the data can be cached and are never served stale.

Pages cache what they count (the report's tables for a filter, a training's
panels) under keys that include ``data_version()``; any write to the data makes
a new version, so the old entries are simply never read again and expire.

How a change is seen: every SQL statement Django sends passes through
``_watch`` (a database execute wrapper, installed on each new connection). An
``INSERT``, ``UPDATE`` or ``DELETE`` on a table of the apps in ``WATCHED_APPS``
(but the ``IGNORED_TABLES``), or a ``TRUNCATE``, bumps the version twice: at
once, and again after the transaction commits.

- The first bump covers a reader in the same transaction (tests run inside one
  that never commits).
- The second covers a reader in another process that read the new number before
  the commit. It counted the data as it was before the write, and the bump after
  the commit makes sure nobody reads what it stored.

Bulk writes (``bulk_create``, ``QuerySet.update``), the admin, imports and raw
SQL through Django's connection are all seen, since they are all statements.
Writes made outside Django (``psql``, ``manage.py dbshell``) are not; the cache
entries' own expiry (``DATA_CACHE_SECONDS``) bounds how long such a change goes
unseen.

The number and everything keyed on it live in the "data" cache
(``settings.CACHES``): Redis in production, shared by every app server and job
worker; local memory in tests (one process); without Redis, a cache that keeps
nothing, since processes that do not share it could not see each other's
writes. A lost key (Redis restarted or
evicted it) starts again from the current time in nanoseconds, which is larger
than any number used before, so old entries are not read again.
"""

import hashlib
import re
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.backends.signals import connection_created

T = TypeVar("T")

#: The cache key of the version number.
VERSION_KEY = "setara:data-version"

#: The apps whose tables hold the programme's data: a write to any of their
#: tables makes a new version. Sessions, logins, two-factor devices, jobs and the
#: task queue are left out; they change on every request or job, and no cached
#: count depends on them.
WATCHED_APPS = (
    "certificates",
    "participants",
    "referrals",
    "regions",
    "registrations",
    "trainings",
)

#: Tables of the watched apps whose rows no cached count reads, written by
#: actions that change no data (an export of personal data logs itself; an
#: import's upload is kept until it is confirmed): they make no new version.
IGNORED_TABLES = frozenset({"participants_exportlog", "trainings_importupload"})

#: ``INSERT INTO "table"`` (SQLite's ``INSERT OR IGNORE INTO`` of
#: ``bulk_create(ignore_conflicts=True)`` too), ``UPDATE "table"``, ``DELETE FROM
#: "table"``, a table name quoted or not, with or without its schema.
_WRITE = re.compile(
    r"""\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)
    \s+(?:[`"]?\w+[`"]?\.)?[`"]?(?P<table>\w+)""",
    re.IGNORECASE | re.VERBOSE,
)
#: ``TRUNCATE`` (PostgreSQL's ``flush``): many tables in one statement, so any
#: makes a new version.
_TRUNCATE = re.compile(r"\s*TRUNCATE\b", re.IGNORECASE)
_PREFIXES = tuple(f"{app}_" for app in WATCHED_APPS)


#: The cache alias of the version and of everything keyed on it.
CACHE_ALIAS = "data"


def data_version() -> int | None:
    """The current version of the programme's data: an integer that is never
    reused. One cache read; creates the number when it is missing. None when the
    "data" cache keeps nothing (no Redis: ``settings.CACHES``), where nothing
    keyed on it is kept either."""
    cache = caches[CACHE_ALIAS]
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def data_changed() -> None:
    """Make a new version now: every cached count is recomputed on next use.
    Called by the execute wrapper; call it directly only after a change made
    without Django's connection."""
    cache = caches[CACHE_ALIAS]
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # the key was missing: start again above every old number
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)


def cached(name: str, parts: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, kept in the cache for the current data version.

    ``name`` names what is computed (for example ``"report-tables"``), ``parts``
    the values it depends on besides the data (a filter's values, the language,
    a training's id); they must be hashable by ``repr``. Entries expire after
    ``settings.DATA_CACHE_SECONDS``. What is cached must hold no personal data
    (names, phone numbers, NIK): counts, labels and regions only.
    """
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    key = f"setara:{name}:{data_version()}:{digest}"
    cache = caches[CACHE_ALIAS]
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, settings.DATA_CACHE_SECONDS)
    return value


def context(request) -> dict:
    """Template context processor: ``data_version``, to vary a ``{% cache %}``
    fragment on (``{% cache 3600 "name" data_version LANGUAGE_CODE … using="data"
    %}``: always the "data" cache, which is nothing without Redis). A function,
    so only the templates that use it read the cache."""
    return {"data_version": data_version}


def _watch(execute, sql, params, many, context):
    """The execute wrapper: runs the statement, then bumps the version when it
    wrote to a watched table (see the module's docstring)."""
    result = execute(sql, params, many, context)
    # Not a SELECT (the cheap test first), and a write to the data.
    if sql[:1] not in ("S", "s") and _writes_data(sql):
        data_changed()
        connection = context["connection"]
        if connection.in_atomic_block:
            transaction.on_commit(data_changed, using=connection.alias)
    return result


def _writes_data(sql: str) -> bool:
    """Whether the statement ``sql`` writes to a watched table (not one of
    ``IGNORED_TABLES``). Statements that start otherwise (a ``WITH`` before an
    ``UPDATE``, which Django never writes) are not seen."""
    match = _WRITE.match(sql)
    if match:
        table = match["table"].lower()
        return table.startswith(_PREFIXES) and table not in IGNORED_TABLES
    return bool(_TRUNCATE.match(sql))


def _install(sender, connection, **kwargs):
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def install() -> None:
    """Watch every database connection opened from now on (called once, from
    ``setara.apps``)."""
    connection_created.connect(_install, dispatch_uid="setara.data_version")
