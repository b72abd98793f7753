"""Settings come from the environment; a server without a secret key does not start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _load_settings(**env):
    """Import setara.settings.base in a fresh interpreter with only ``env`` set."""
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    code = (
        "import setara.settings.base as s; "
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.SECRET_KEY[:15])"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = _load_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_development_key_only_with_debug_on():
    result = _load_settings(DEBUG="1")
    assert result.returncode == 0, result.stderr
    debug, engine, key = result.stdout.split()
    assert debug == "True"
    assert engine == "django.db.backends.sqlite3"
    assert key.startswith("django-insecure")


def test_database_url_selects_postgresql():
    result = _load_settings(
        SECRET_KEY="x" * 50, DATABASE_URL="postgres://postgres@127.0.0.1:5432/x"
    )
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql" in result.stdout


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("LANGUAGE_CODE", "id"),
        ("TIME_ZONE", "Asia/Makassar"),
        ("USE_TZ", True),
    ],
)
def test_locale_settings(name, expected):
    assert getattr(settings, name) == expected


def test_english_is_the_second_language():
    assert [code for code, _ in settings.LANGUAGES] == ["id", "en"]


def test_source_commands_run_without_a_secret_key_but_serving_does_not():
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    check = [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"]
    result = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    serve = [sys.executable, "manage.py", "check"]
    result = subprocess.run(serve, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
