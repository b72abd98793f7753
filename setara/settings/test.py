"""Settings for the test suite: fast password hashing, in-memory mail and cache."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# SQLite: the test database is a file in the temporary folder, not Django's shared
# in-memory database, whose table locks ignore the busy timeout: the tests where
# two requests run at once in threads would fail with "database table is locked"
# instead of taking turns (BEGIN IMMEDIATE, setara/settings/base.py). One file per
# process (pytest-xdist adds its worker's suffix); Django deletes it at the end.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(
            tempfile.gettempdir(), f"setara-test-{os.getpid()}.sqlite3"
        )
    }
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# One process per test worker, so local memory is shared by every writer: the
# cached counts ("data", setara/data_version.py) are on, as with Redis.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "data": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "data",
    },
}
# Tests render pages without running collectstatic first.
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The test server speaks plain HTTP.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Login lockout is tested on its own (tests/test_security.py) with AXES_ENABLED on;
# elsewhere Client.login() has no request for axes to inspect.
AXES_ENABLED = False
# Serve static files from the source folders, never from a stale collectstatic copy.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Jobs run at once, inside the request, except in the tests of the real worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# Files of jobs and uploads go to a throw-away folder, never into the checkout.
MEDIA_ROOT = tempfile.mkdtemp(prefix="setara-test-media-")
# ... and removed when the test process ends (each xdist worker has its own).
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
