"""Two app servers and one worker sharing the work (issue 12, requirement 8).

Against its own PostgreSQL database (``setara_multiserver``, dropped and created
again, dropped at the end) and one shared media folder (a temporary folder, the
``MEDIA_ROOT`` of every process), it starts two gunicorn servers, A and B, on two
free ports, each with its own ``TMPDIR``, and one ``manage.py db_worker``, all
with the production settings (``DEBUG=0``). Then, as one browser behind a load
balancer (one cookie jar; the session is in the database, so B knows a login
made on A), with the standard library only:

1. logs in on A as a coordinator (created with ``manage.py shell``, with a
   training, and an authenticator app on a key this script makes), typing the
   app's current code (``django_otp.oath.totp``) on the two-factor page;
2. uploads a sign-in sheet of ``IMPORT_JOB_MIN_ROWS`` + 1 rows on A (the
   processes run with ``IMPORT_JOB_MIN_ROWS=5``, so the confirm is a job) and
   opens its preview on A;
3. confirms on B, and follows the import job through B's ``jobs:status`` until
   the worker has written it;
4. starts the report's participant list (.xlsx) on B, polls its status on A,
   downloads the file from A and checks it is an .xlsx with every imported row.

Prints ``multiserver_ok 1``, or ``multiserver_ok 0`` and what failed (with the
end of the servers' and worker's logs). The processes are always stopped.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/setara_multiserver \\
        .venv/bin/python bench/multiserver.py
"""

import http.cookiejar
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

from common import recreate_database

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
#: The confirm of a file of more rows than this runs as a job (the processes'
#: ``IMPORT_JOB_MIN_ROWS``); the sheet has one more.
JOB_MIN_ROWS = 5
#: Longest wait for a server to answer, or a job to finish, in seconds.
DEADLINE = 120

SETUP = """
import datetime, os
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from accounts.two_factor import TOTP_DEVICE_NAME
from regions.models import Region
from setara import roles
from trainings.models import Training
user = get_user_model().objects.create_user(
    "multiserver", password=os.environ["MULTISERVER_PASSWORD"]
)
user.groups.add(Group.objects.get(name=roles.COORDINATOR))
TOTPDevice.objects.create(
    user=user, name=TOTP_DEVICE_NAME, confirmed=True,
    key=os.environ["MULTISERVER_TOTP_KEY"],
)
region = Region.objects.filter(code="73.09").first() or Region.objects.first()
training = Training.objects.create(
    title="Multiserver check", region=region,
    start_date=datetime.date(2024, 5, 6), end_date=datetime.date(2024, 5, 7),
)
print("training", training.pk)
"""


class Failed(Exception):
    """A step of the check went wrong; the message says which."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sheet() -> bytes:
    """A sign-in sheet of JOB_MIN_ROWS + 1 different people."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["Nama", "L/P", "Instansi", "No. HP"])
    for i in range(1, JOB_MIN_ROWS + 2):
        sex = "P" if i % 2 else "L"
        workbook.active.append(
            [f"Peserta Server {i}", sex, "Dinas Uji", f"0813{i:08d}"]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _SecureOverHttp(http.cookiejar.DefaultCookiePolicy):
    """The production settings mark the cookies Secure (HTTPS behind a proxy);
    this check talks plain HTTP to 127.0.0.1, so send them anyway."""

    def return_ok_secure(self, cookie, request):
        return True


class _Form(HTMLParser):
    """The fields of the page's form whose action is ``action`` (or the first
    POST form): inputs (checked boxes only), selects (selected option, else the
    first)."""

    def __init__(self, action=None):
        super().__init__()
        self.action, self.data, self.inside, self.done = action, {}, False, False
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done:
            method = (attrs.get("method") or "").lower()
            self.inside = method == "post" and (
                self.action is None or attrs.get("action") in (self.action, "", None)
            )
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self.data[attrs["name"]] = attrs.get("value", "on")
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select:
            first = self._select not in self.data
            if first or "selected" in attrs:
                self.data[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


class Browser:
    """One browser: one cookie jar for both servers (cookies ignore the port)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar(policy=_SecureOverHttp())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar)
        )

    def csrf(self) -> str:
        for cookie in self.jar:
            if cookie.name == "csrftoken":
                return cookie.value
        raise Failed("no CSRF cookie")

    def open(self, url, data=None, headers=None):
        """(final URL, status, body bytes) of a request; redirects followed."""
        request = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.geturl(), response.status, response.read()
        except urllib.error.HTTPError as error:
            raise Failed(f"{url} answered {error.code}") from None

    def get(self, url):
        return self.open(url)

    def post(self, url, fields: dict, files: dict | None = None):
        fields = {**fields, "csrfmiddlewaretoken": self.csrf()}
        if not files:
            body = urllib.parse.urlencode(fields).encode()
            kind = "application/x-www-form-urlencoded"
        else:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                    f"\r\n\r\n{value}\r\n".encode()
                )
            for name, (filename, content) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: application/octet-stream'
                    "\r\n\r\n".encode()
                    + content
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            kind = f"multipart/form-data; boundary={boundary}"
        # Django checks the Referer only over HTTPS; send it anyway, as browsers do.
        headers = {"Content-Type": kind, "Referer": url}
        return self.open(url, data=body, headers=headers)

    def wait_for_job(self, status_url: str) -> dict:
        """Poll a job's status (JSON) until it is finished; its last status."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            _url, _status, body = self.get(status_url)
            status = json.loads(body)
            if status["status"] in ("succeeded", "failed"):
                return status
            time.sleep(0.3)
        raise Failed(f"{status_url} did not finish within {DEADLINE} s")


def form_fields(page: bytes, action=None) -> dict:
    parser = _Form(action)
    parser.feed(page.decode())
    return parser.data


def start(command, env, log: Path) -> subprocess.Popen:
    """Start ``command`` in its own process group, its output in ``log``."""
    with open(log, "wb") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> None:
    """Stop the process and its children (its process group)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Failed(f"the server at {base} stopped")
        try:
            with urllib.request.urlopen(f"{base}/login/", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise Failed(f"the server at {base} did not answer")


def manage(env, *args) -> str:
    done = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise Failed(f"manage.py {args[0]} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def totp_code(key_hex: str) -> str:
    """The six-digit code an authenticator app on ``key_hex`` (the device's key,
    hex) shows now."""
    from django_otp.oath import totp  # no Django settings needed

    return f"{totp(bytes.fromhex(key_hex)):06d}"


def check(a: str, b: str, training_id: int, password: str, key_hex: str) -> None:
    """The steps, through servers ``a`` and ``b`` (base URLs); ``key_hex`` is the
    coordinator's authenticator app's key."""
    browser = Browser()
    browser.get(f"{a}/login/")
    url, _status, page = browser.post(
        f"{a}/login/", {"username": "multiserver", "password": password}
    )
    if "/login/" in url:
        raise Failed("login on A failed")
    if "/two-factor/verify/" not in url:
        raise Failed(f"the login on A did not ask for the second factor ({url})")
    # The verify form (no action: it posts to its page), not the language form.
    fields = {**form_fields(page, action=""), "code": totp_code(key_hex)}
    url, _status, _body = browser.post(url, fields)
    if "/two-factor/" in url or "/login/" in url:
        raise Failed(f"the two-factor code on A was refused ({url})")

    # Upload and preview on A.
    import_url = f"/trainings/{training_id}/import/"
    url, _status, _body = browser.post(
        f"{a}{import_url}", {}, files={"file": ("daftar-hadir.xlsx", sheet())}
    )
    preview_path = urlparse(url).path
    if not preview_path.startswith(import_url) or preview_path == import_url:
        raise Failed(f"the upload on A did not lead to a preview ({url})")
    _url, _status, preview = browser.get(f"{a}{preview_path}")
    fields = form_fields(preview, action=preview_path)
    if "fingerprint" not in fields:
        raise Failed("the preview on A has no import form")

    # Confirm on B: a job, run by the worker; followed on B.
    url, _status, _body = browser.post(f"{b}{preview_path}", {**fields, "confirm": "1"})
    match = re.search(r"/jobs/([0-9a-f-]{36})/", url)
    if not match:
        raise Failed(f"the confirm on B did not start a job (went to {url})")
    status = browser.wait_for_job(f"{b}/jobs/{match[1]}/status.json")
    if status["status"] != "succeeded":
        raise Failed(f"the import job failed: {status['error']}")
    expected = JOB_MIN_ROWS + 1
    if status["done"] != expected or not status["next_url"]:
        raise Failed(f"the import job wrote {status['done']} rows, not {expected}")
    print(f"import_job_rows {status['done']}")

    # Export on B, followed and downloaded on A.
    report = "/trainings/report/participants.xlsx"
    browser.get(f"{b}{report}")  # the page with the button
    url, _status, _body = browser.post(f"{b}{report}", {})
    match = re.search(r"/jobs/([0-9a-f-]{36})/", url)
    if not match:
        raise Failed(f"the export on B did not start a job (went to {url})")
    status = browser.wait_for_job(f"{a}/jobs/{match[1]}/status.json")
    if status["status"] != "succeeded" or not status["download_url"]:
        raise Failed(f"the export job did not succeed: {status['error']}")
    _url, _status, content = browser.get(f"{a}{status['download_url']}")
    rows = xlsx_data_rows(content)
    if rows != expected:
        raise Failed(f"the downloaded file has {rows} rows, not {expected}")
    print(f"export_rows {rows}")


def xlsx_data_rows(content: bytes) -> int:
    """Rows of the sheet an .xlsx opens on (the data, after the cover of its
    filters) whose first column holds one of the sheet's people ("Peserta ...");
    raises Failed if it is not an .xlsx."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    except Exception as error:
        raise Failed(f"the download is not an .xlsx ({error})") from None
    sheet = workbook.active
    names = [row[0] for row in sheet.iter_rows(values_only=True)]
    people = [n for n in names if isinstance(n, str) and n.startswith("Peserta")]
    return len(people)


def drop_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            f'DROP DATABASE IF EXISTS "{parsed.path.lstrip("/")}" WITH (FORCE)'
        )


def main() -> int:
    url = os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/setara_multiserver"
    )
    recreate_database(url, allowed=("multiserver",))
    folder = Path(tempfile.mkdtemp(prefix="setara-multiserver-"))
    password = secrets.token_urlsafe(16)
    totp_key = secrets.token_hex(20)  # the coordinator's authenticator app
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "setara.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "MEDIA_ROOT": str(folder / "media"),
        "IMPORT_JOB_MIN_ROWS": str(JOB_MIN_ROWS),
        "MULTISERVER_PASSWORD": password,
    }
    processes, logs = [], []
    try:
        manage(env, "migrate", "--noinput")
        if not (ROOT / "staticfiles" / "staticfiles.json").exists():
            manage(env, "collectstatic", "--noinput")  # DEBUG=0 needs the manifest
        setup_env = {**env, "MULTISERVER_TOTP_KEY": totp_key}  # not the servers'
        training_id = int(
            re.search(r"training (\d+)", manage(setup_env, "shell", "-c", SETUP))[1]
        )
        bases = []
        for name in ("a", "b"):
            port = free_port()
            tmp = folder / f"tmp-{name}"
            tmp.mkdir()
            log = folder / f"server-{name}.log"
            command = [str(BIN / "gunicorn"), "setara.wsgi", "--bind",
                       f"127.0.0.1:{port}", "--workers", "2"]  # fmt: skip
            processes.append(start(command, {**env, "TMPDIR": str(tmp)}, log))
            logs.append(log)
            bases.append(f"http://127.0.0.1:{port}")
        tmp = folder / "tmp-worker"
        tmp.mkdir()
        log = folder / "worker.log"
        worker = [str(BIN / "python"), "manage.py", "db_worker", "--interval", "0.2",
                  "--no-reload"]  # fmt: skip
        processes.append(start(worker, {**env, "TMPDIR": str(tmp)}, log))
        logs.append(log)
        for base, process in zip(bases, processes, strict=False):
            wait_until_up(base, process)
        check(bases[0], bases[1], training_id, password, totp_key)
    except Failed as failure:
        print("multiserver_ok 0")
        print(f"failed: {failure}")
        for log in logs:
            if log.exists():
                print(f"--- end of {log.name}")
                print(log.read_text(errors="replace")[-3000:])
        return 1
    finally:
        for process in processes:
            stop(process)
        drop_database(url)
        shutil.rmtree(folder, ignore_errors=True)
    print("multiserver_ok 1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
