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
import logging
import re
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate

T = TypeVar("T")
logger = logging.getLogger(__name__)

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
    Called by the execute wrapper and after ``migrate`` (a release may count
    differently); call it directly only after a change made without Django's
    connection. A cache that cannot be reached (Redis down) is logged, never
    raised: a write to the data must not fail because of the cache, and without
    Redis nothing cached is read either."""
    cache = caches[CACHE_ALIAS]
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # the key was missing: start above every old number
            cache.add(VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:  # noqa: BLE001 - any error of the cache's client
        logger.warning("The data version could not be changed in the cache.")


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


class DataVersionMixin:
    """For a view whose template keeps parts in ``{% cache %}`` fragments (a
    training's numbers; a django-filter ``FilterView``'s form and rows): puts in
    the context

    - ``data_version``, read when the request starts (``setup``), before the
      view reads any data, so that a fragment is never kept under a version newer
      than the data it shows (a write between the view's queries and the
      template would otherwise be hidden until the next write);
    - for a ``FilterView``, ``cache_query``, what else the fragment is kept
      for: the filter's cleaned values (model instances by primary key) and the
      number of the page shown, as a string; None when the filter is not valid
      or has a free-text search (``search_fields``), and the template then
      draws the page without the cache. Made-up parameters (``?x=1``,
      ``?page=99999``) therefore make no new cache entries.
    """

    #: Free-text filters: a page with one of them is not cached.
    search_fields: tuple[str, ...] = ("q",)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.data_version = data_version()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["data_version"] = self.data_version
        if "filter" in context:
            context["cache_query"] = _cache_query(
                context["filter"].form, context.get("page_obj"), self.search_fields
            )
        return context


def _cache_query(form, page, search_fields) -> str | None:
    """``DataVersionMixin``'s ``cache_query`` for a filter ``form`` and the
    ``page`` shown (a ``Page`` or None). An unbound form (no query) filters
    nothing."""
    if form.is_bound and not form.is_valid():
        return None
    values = form.cleaned_data if form.is_bound else {}
    if any(values.get(name) for name in search_fields):
        return None
    kept = sorted(
        (name, _plain(value))
        for name, value in values.items()
        if value not in (None, "", [], ())
    )
    return repr((kept, page.number if page is not None else 1))


def _plain(value):
    """A filter value as a stable string: a model instance by its primary key,
    a queryset or list by its members, anything else by ``repr``."""
    if hasattr(value, "_meta") and hasattr(value, "pk"):
        return f"{value._meta.label}:{value.pk}"
    if isinstance(value, list | tuple) or hasattr(value, "model"):
        return repr(sorted(_plain(item) for item in value))
    return repr(value)


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
        # Once more after the commit; one callback a transaction is enough.
        if connection.in_atomic_block and not any(
            callback is data_changed for _, callback, _ in connection.run_on_commit
        ):
            transaction.on_commit(data_changed, using=connection.alias, robust=True)
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


def _migrated(sender, **kwargs):
    data_changed()


def install() -> None:
    """Watch every database connection opened from now on, and make a new
    version after ``migrate`` (a release's templates and counts replace what the
    last one cached). Called once, from ``setara.apps``."""
    connection_created.connect(_install, dispatch_uid="setara.data_version")
    post_migrate.connect(_migrated, dispatch_uid="setara.data_version")
