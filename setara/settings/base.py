"""Settings for every environment, read from environment variables.

Every value that differs between a laptop and a server comes from the environment
(or a ``.env`` file beside ``manage.py``); see ``.env.example`` for the full list.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .storage import storage_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)

# A development key is only acceptable while DEBUG is on; a server without a real
# key must not start.
_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, or set DEBUG=1 "
            "for local development."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)

ROOT_URLCONF = "setara.urls"
WSGI_APPLICATION = "setara.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# INTERNATIONALISATION
# ------------------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [
    ("id", _("Bahasa Indonesia")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Day-first dates (18/10/2023) in both languages: see setara/formats/.
FORMAT_MODULE_PATH = ["setara.formats"]
USE_I18N = True
# WITA, the time zone of Sulawesi Selatan where the programme runs.
TIME_ZONE = "Asia/Makassar"
USE_TZ = True

# DATABASES
# ------------------------------------------------------------------------------
# Unset DATABASE_URL means an SQLite file beside manage.py, so the demo needs no
# server; CI and production use postgres://...
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
# One transaction per request: a failing view never leaves a half-done write.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# PostgreSQL's JIT compiler costs more than it saves on the report queries, which
# carry many FILTERed counts: at 100,000 participants it added ~0.5 s of compiling
# to a 0.3 s query (bench/run.py). Turn it off for this app's connections only.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# SQLite (the demo, and the suite without DATABASE_URL): a transaction takes the
# write lock when it begins (BEGIN IMMEDIATE), so two requests that both read and
# then write wait their turn (up to 20 s) instead of one failing at once with
# "database is locked" (SQLite's answer to a deadlock of two deferred
# transactions); runserver's threads and the job worker share one file.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE", timeout=20
    )

# APPS
# ------------------------------------------------------------------------------
DJANGO_APPS = [
    # django.contrib.admin with the project's site: the Admin role only
    # (setara/admin_site.py).
    "setara.apps.SetaraAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    # django-autocomplete-light: region pickers (regions/widgets.py).
    "dal",
    "dal_select2",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "import_export",
    "axes",
    "csp",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    # Two-factor sign-in: authenticator apps (TOTP) and recovery codes (static).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]
LOCAL_APPS = [
    "regions",
    "participants",
    "trainings",
    "referrals",
    "jobs",
    "registrations",
    "certificates",
    # After django_otp's plugins: replaces their admin pages (accounts/admin.py).
    "accounts",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so static files keep their caching: every other response
    # is "no-store, private".
    "setara.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "setara.middleware.IndonesianFirstLocaleMiddleware",
    # A query value with a NUL, or too long, is a 400 (in the user's language).
    "setara.middleware.QueryGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whether this session gave a second factor (request.user.is_verified()).
    "django_otp.middleware.OTPMiddleware",
    # Every page needs a login except those marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Sessions end SESSION_ABSOLUTE_SECONDS after login; coordinators and admins
    # give a second factor before any page (accounts/middleware.py).
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Counts failed logins and locks out; must stay the last auth-related entry.
    "axes.middleware.AxesMiddleware",
    # Records who made each change in the history of the referral directory.
    "simple_history.middleware.HistoryRequestMiddleware",
]

# AUTHENTICATION
# ------------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "trainings:list"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a username from one IP address after 5 failed logins, for an hour.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a TLS proxy the client address is in X-Forwarded-For (see README).
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    if AXES_IPWARE_PROXY_COUNT
    else ["REMOTE_ADDR"]
)
# Sessions end after 30 minutes without a request, and with the browser.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# ... and 12 hours after login however active (accounts/middleware.py).
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
# Two-factor sign-in (accounts/two_factor.py): the name authenticator apps show;
# the admin never shows keys, QR codes or recovery codes.
OTP_TOTP_ISSUER = "SETARA"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# TEMPLATES
# ------------------------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "setara.navigation.navigation",
                "setara.admin_site.admin_access",
                "setara.data_version.context",
            ],
        },
    },
]
# Filter drop-downs say "Semua" (all) rather than "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# STATIC FILES
# ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # MEDIA_ROOT, or an S3-compatible bucket when STORAGE_BUCKET is set
    # (setara/settings/storage.py). MEDIA_URL is deliberately routed nowhere.
    "default": storage_settings(os.environ),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# CACHE
# ------------------------------------------------------------------------------
# Rate limits of the public registration pages count in the cache, so every app
# server must share it: Redis in production (REDIS_URL=redis://127.0.0.1:6379/0);
# without it, each process keeps its own counts in memory (the SQLite demo).
#
# "data" holds counts and tables computed from the programme's data, keyed on
# the data version (setara/data_version.py). It must be shared by every process
# that writes (app servers and job workers), or one process would go on serving
# counts another has changed: so it is Redis when REDIS_URL is set and nothing
# at all otherwise (the demo and a single server without Redis count afresh on
# every request, as before).
REDIS_URL = env.str("REDIS_URL", default="")
_REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": REDIS_URL,
}
CACHES = {
    "default": (
        _REDIS
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "data": (
        {**_REDIS, "KEY_PREFIX": "data"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    ),
}

#: Seconds a cached count or table is kept (``setara.data_version.cached`` and
#: the ``{% cache … using="data" %}`` fragments keyed on ``data_version``). Any
#: write through the app makes them obsolete at once; this bounds only how long a
#: change made outside the app (psql) goes unseen.
DATA_CACHE_SECONDS = env.int("DATA_CACHE_SECONDS", default=60 * 60)

#: Serve bench/load.py's floor page at /bench/floor/ (setara/floor.py); off
#: everywhere but the benchmark's own server.
BENCH_FLOOR_PAGE = env.bool("BENCH_FLOOR_PAGE", default=False)

# BACKGROUND JOBS
# ------------------------------------------------------------------------------
# Django's Tasks API (the django-tasks backport on Django 5.2) with the database
# backend: the queue is a table in the same database, so any number of workers
# (`manage.py db_worker`) on any machine share it and no extra server is needed.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Files that jobs write (exports, PDFs) are offered this long, then removed by
# `manage.py jobs_clean_up`; a running job that has not reported for
# JOBS_STALE_AFTER is marked failed (its worker died): the worker reports at least
# every 30 s (jobs.runner.HEARTBEAT_SECONDS), so 5 minutes is ten missed reports.
# The clean-up marks it, and so does starting the same job again. An empty
# variable (as in .env.example) means the default.
JOBS_FILE_EXPIRY = timedelta(days=int(env.str("EXPORT_EXPIRY_DAYS", default="") or 7))
JOBS_STALE_AFTER = timedelta(
    minutes=int(env.str("JOBS_STALE_MINUTES", default="") or 5)
)
# Jobs one user may have waiting or running at once; one more is refused with a
# message (a user cannot fill the queue and keep everyone else's jobs waiting).
JOBS_MAX_UNFINISHED_PER_USER = int(
    env.str("JOBS_MAX_UNFINISHED_PER_USER", default="") or 3
)
# Uploaded sign-in sheets waiting between preview and confirm.
IMPORT_UPLOAD_EXPIRY = timedelta(
    hours=int(env.str("UPLOAD_EXPIRY_HOURS", default="") or 24)
)
# An import confirm of a file with more rows than this runs as a job on a worker;
# smaller files are written in the request (faster: no job page to wait on).
IMPORT_JOB_MIN_ROWS = int(env.str("IMPORT_JOB_MIN_ROWS", default="") or 2000)
# A training of more people than this gets its sign-in sheet PDF from a job, and
# its sign-in page shows the job's button instead of the rows: WeasyPrint takes
# about 8 ms and 0.25 MB per row (trainings/signin_pdf.py), so 300 people (18
# pages) are 2-3 s in the request, and a page of 300 rows still prints well.
SIGNIN_PDF_IN_REQUEST_MAX_ROWS = env.int("SIGNIN_PDF_IN_REQUEST_MAX_ROWS", default=300)

# UPLOADED SPREADSHEETS (setara/upload_limits.py, setara/xlsx_limits.py)
# ------------------------------------------------------------------------------
# Checked before a file is parsed and while it streams; the first one passed
# refuses the file with a message naming it. A sign-in sheet is at most a mass
# event of 20,000 people, in a few dozen columns; bench/upload_bombs.py measures
# crafted files against these numbers. Sizes in bytes.
UPLOAD_MAX_FILE_BYTES = 10 * 1024 * 1024  # the upload itself (read by the forms)
UPLOAD_MAX_ROWS = 20_000  # rows of people (well above IMPORT_JOB_MIN_ROWS)
UPLOAD_MAX_ROW_NUMBER = 100_000  # last row used, empty rows between included
UPLOAD_MAX_COLUMNS = 200  # columns, or cells in one row
UPLOAD_MAX_CELLS = 1_000_000  # filled cells: 20,000 rows of 50
UPLOAD_MAX_CELL_CHARS = 10_000  # one cell's text (a name field keeps 200)
UPLOAD_MAX_LINE_CHARS = 100_000  # one row of a .csv
UPLOAD_MAX_MERGED_RANGES = 50_000  # two per row of 20,000 people, and more
UPLOAD_MAX_MERGED_CELLS = 200_000  # cells all merged ranges cover together
UPLOAD_MAX_ZIP_MEMBERS = 1_000  # parts of an .xlsx (Excel writes about 10-50)
UPLOAD_MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # all parts unpacked
UPLOAD_MAX_SHEET_BYTES = 50 * 1024 * 1024  # one worksheet (20,000 x 12: 11 MB)
UPLOAD_MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024  # the table of texts
UPLOAD_MAX_SHARED_STRINGS = 400_000  # texts in that table
UPLOAD_MAX_PART_BYTES = 4 * 1024 * 1024  # any other XML part (styles: 4 MB, 2 s)
UPLOAD_MAX_COMPRESSION_RATIO = 100  # unpacked / packed, parts over 1 MB
# Files of jobs and pending uploads live in the "default" storage: MEDIA_ROOT on
# this machine, or an S3-compatible bucket (see STORAGES below). They are never
# served by URL: downloads go through jobs:download, which checks the role.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default="") or BASE_DIR / "media")
# The queue's own rows of finished tasks are deleted by the clean-up after this.
JOBS_TASK_RESULTS_KEPT = timedelta(days=14)
# Extra clean-up steps `manage.py jobs_clean_up` runs after the jobs' own: dotted
# paths of callables taking the current time and returning {"what": count}.
JOBS_CLEAN_UP_HOOKS: list[str] = [
    "trainings.imports.pending.uploads_clean_up",
    "registrations.review.rejected_registrations_clean_up",
]

# SECURITY
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# With DEBUG off the site is HTTPS only. Behind a TLS proxy (nginx, a load balancer)
# set BEHIND_TLS_PROXY=1 so Django trusts the proxy's X-Forwarded-Proto header; the
# proxy must set that header itself and never pass a client's one through.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Content-Security-Policy: scripts and styles only from this site's static files, so
# an injected <script> never runs. Inline style attributes stay allowed (Bootstrap
# markup uses a few); inline scripts do not.
# django-import-export's own formats strip a leading "=" on export; the admin's
# exports use setara.spreadsheets' SafeXLSX/SafeCSV, which keep such text as
# text (this is the fallback for an admin that names no formats).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# ERROR REPORTS
# ------------------------------------------------------------------------------
# With DEBUG off, error reports (Django's e-mails to ADMINS) and logged tracebacks
# show no form or query-string values, no local variables and no exception
# messages: they may hold names, phone numbers or NIK (setara/error_reports.py).
DEFAULT_EXCEPTION_REPORTER = "setara.error_reports.PersonalDataExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = (
    "setara.error_reports.PersonalDataExceptionReporterFilter"
)

# E-MAIL
# ------------------------------------------------------------------------------
# Error reports go to ADMINS ("Name:address,Name:address"); they carry no personal
# data (setara/error_reports.py). EMAIL_URL, e.g. smtp+tls://user:pass@host:587.
ADMINS = [tuple(entry.split(":", 1)) for entry in env.list("ADMINS", default=[])]
SERVER_EMAIL = env.str("SERVER_EMAIL", default="setara@localhost")
DEFAULT_FROM_EMAIL = SERVER_EMAIL
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))

# LOGGING
# ------------------------------------------------------------------------------
# Errors go to the console without request bodies: personal data (names, phone
# numbers, NIK) in a POST must never reach a log.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "hide_personal_data": {"()": "setara.error_reports.HidePersonalDataLogFilter"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["hide_personal_data"],
        }
    },
    "root": {
        "handlers": ["console"],
        "level": env.str("LOG_LEVEL", default="") or "INFO",
    },
    # django-axes logs every login at INFO; keep lockouts and failures only.
    # WeasyPrint (sign-in sheet PDF) logs each layout step at INFO.
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
