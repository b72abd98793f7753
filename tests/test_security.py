"""Login lockout, idle sessions, Content-Security-Policy and deploy checks."""

import os
import re
import secrets
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


class TestLoginLockout:
    @pytest.fixture(autouse=True)
    def _axes_on(self, settings):
        settings.AXES_ENABLED = True

    def _attempt(self, client, password, ip="10.0.0.1"):
        return client.post(
            reverse("login"),
            {"username": "officer", "password": password},
            REMOTE_ADDR=ip,
        )

    def test_five_failures_lock_the_username_from_that_address(self, client):
        UserFactory(username="officer")
        for _ in range(5):
            self._attempt(client, "wrong")
        response = self._attempt(client, "test-password")
        assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
        assert "_auth_user_id" not in client.session

    def test_other_address_is_not_locked(self, client):
        UserFactory(username="officer")
        for _ in range(5):
            self._attempt(client, "wrong")
        response = self._attempt(client, "test-password", ip="10.0.0.2")
        assert response.status_code == HTTPStatus.FOUND

    def test_four_failures_do_not_lock(self, client):
        UserFactory(username="officer")
        for _ in range(4):
            self._attempt(client, "wrong")
        assert self._attempt(client, "test-password").status_code == HTTPStatus.FOUND


def test_sessions_expire_after_30_minutes_idle():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_password_validators_are_on():
    names = [v["NAME"].rsplit(".", 1)[-1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert "MinimumLengthValidator" in names
    assert "CommonPasswordValidator" in names


def test_pages_send_a_csp_without_inline_scripts(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1)
    assert script_src.strip() == "'self'"
    assert "unsafe-inline" not in script_src
    assert "object-src 'none'" in policy


def test_templates_have_no_inline_scripts_or_event_handlers():
    """The CSP would block them: every script must come from static/."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0):
                offenders.append(f"{path.relative_to(ROOT)}: inline <script>")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(f"{path.relative_to(ROOT)}: on* event handler")
    assert offenders == []


def test_check_deploy_passes_with_production_settings():
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "setara.example.org",
        "DJANGO_SETTINGS_MODULE": "setara.settings.base",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
