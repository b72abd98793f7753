"""Load test: concurrent users browsing the app served by gunicorn on 127.0.0.1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/setara_load \\
        .venv/bin/python bench/load.py [--users 25] [--seconds 120] \
        [--participants 10000]

Builds a fresh PostgreSQL database (the one in DATABASE_URL, dropped and created
again, so its name must contain "load") with the Maros demo plus
``--participants`` extra people enrolled in extra trainings, starts gunicorn with
production settings on 127.0.0.1, and lets ``--users`` simulated users log in and
browse the training list, a training page and the report page until
``--seconds`` have passed. Each user is a coordinator of its own
(``load-coordinator-<n>``) with an authenticator app on a key this script makes:
it logs in with the password, then types the app's current code
(``django_otp.oath.totp``) on the two-factor page (a code works once per
device, so the users do not share one). Traffic goes to 127.0.0.1 only; every
loop is bounded by the deadline.

Prints ``name value`` lines: requests, errors, and p95_ms_<page> per page. Exits 1
when any request failed (status other than 200, or a connection error) or a login
failed (either step; counted under ``login``).
"""

import argparse
import datetime
import http.client
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from common import recreate_database
from django_otp.oath import totp  # no Django settings needed

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _build_data(participants: int, password: str, users: int):
    """Migrate, load the demo and add people and ``users`` coordinators; return
    the page paths to browse (name -> path), the two-factor page's path, and the
    coordinators as (username, key of their authenticator app, bytes)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "setara.settings.base")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.urls import NoReverseMatch, reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.two_factor import TOTP_DEVICE_NAME
    from participants.models import Agency, Participant
    from regions.models import Region
    from setara import roles
    from trainings.models import Attendance, Enrolment, Training

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    coordinators = []
    for number in range(users):
        username = f"load-coordinator-{number}"
        user = get_user_model().objects.create_user(username, password=password)
        user.groups.add(Group.objects.get(name=roles.COORDINATOR))
        key = secrets.token_hex(20)
        TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True
        )
        coordinators.append((username, bytes.fromhex(key)))

    maros = Region.objects.get(code="73.09")
    agencies = list(Agency.objects.all())
    per_training = 50
    trainings = Training.objects.bulk_create(
        Training(
            title=f"Pelatihan uji beban {i}",
            region=maros,
            start_date=datetime.date(2024, 1, 1) + datetime.timedelta(days=i % 700),
            end_date=datetime.date(2024, 1, 2) + datetime.timedelta(days=i % 700),
        )
        for i in range(participants // per_training)
    )
    people = Participant.objects.bulk_create(
        Participant(
            full_name=f"Peserta Uji {i}",
            normalised_name=f"peserta uji {i}",
            sex="LP"[i % 2] if i % 50 else "",
            agency=agencies[i % len(agencies)],
        )
        for i in range(participants)
    )
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(training=trainings[i // per_training], participant=person)
        for i, person in enumerate(people)
        if i // per_training < len(trainings)
    )
    Attendance.objects.bulk_create(
        Attendance(
            enrolment=enrolment,
            date=enrolment.training.start_date + datetime.timedelta(days=day),
            present=bool((enrolment.pk + day) % 7),
        )
        for enrolment in enrolments
        for day in (0, 1)
    )
    paths = {
        "training_list": reverse("trainings:list"),
        "training_detail": reverse("trainings:detail", args=[trainings[0].pk]),
    }
    try:
        paths["report"] = reverse("trainings:report")
    except NoReverseMatch:
        print("note: no trainings:report URL yet; report page not loaded")
    call_command("collectstatic", interactive=False, verbosity=0)
    return paths, reverse("accounts:verify"), coordinators


class User(threading.Thread):
    """One simulated user: logs in (password, then the authenticator app's code),
    then requests random pages until the deadline. ``account`` is (username, key
    of the user's authenticator app, bytes); ``verify_path`` the two-factor
    page."""

    def __init__(self, port, account, password, paths, verify_path, deadline, shared):
        super().__init__(daemon=True)
        self.port, self.password, self.paths = port, password, paths
        (self.username, self.key), self.verify_path = account, verify_path
        self.deadline, (self.results, self.lock) = deadline, shared
        self.cookies: dict[str, str] = {}

    def _request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for header in response.msg.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        conn.close()
        return response.status, data

    def _post_form(self, path, fields: dict) -> int:
        """GET ``path``, then POST ``fields`` to it with the page's CSRF token;
        the POST's status (0 when the page has no form)."""
        _status, page = self._request("GET", path)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            return 0
        fields = {**fields, "csrfmiddlewaretoken": token.group(1).decode()}
        status, _ = self._request("POST", path, urlencode(fields))
        return status

    def _login(self):
        """Both steps; True when each answered with a redirect onwards."""
        fields = {"username": self.username, "password": self.password}
        if self._post_form("/login/", fields) != 302:
            return False
        code = f"{totp(self.key):06d}"  # the app's code now
        return self._post_form(self.verify_path, {"code": code}) == 302

    def run(self):
        try:
            logged_in = self._login()
        except OSError:
            logged_in = False
        if not logged_in:
            with self.lock:
                self.results.setdefault("login", []).append((0.0, False))
            return
        names = list(self.paths)
        while time.monotonic() < self.deadline:
            name = random.choice(names)
            started = time.monotonic()
            try:
                status, _ = self._request("GET", self.paths[name])
                ok = status == 200
            except OSError:
                ok = False
            elapsed_ms = (time.monotonic() - started) * 1000
            with self.lock:
                self.results.setdefault(name, []).append((elapsed_ms, ok))


def _p95(values):
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)] if ordered else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()

    url = os.environ.setdefault(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/setara_load"
    )
    secret = secrets.token_urlsafe(50)
    password = secrets.token_urlsafe(16)
    os.environ.update(
        DEBUG="0",
        SECRET_KEY=secret,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
    )
    recreate_database(url, allowed=("load",))
    paths, verify_path, accounts = _build_data(args.participants, password, args.users)

    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "setara.wsgi",
            "--bind", f"127.0.0.1:{args.port}",
            "--workers", str(args.workers), "--threads", "4",
            "--access-logfile", os.devnull, "--log-level", "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request(
                    "GET", "/login/"
                )
                break
            except OSError:
                time.sleep(0.2)
        deadline = time.monotonic() + args.seconds
        results: dict[str, list[tuple[float, bool]]] = {}
        shared = (results, threading.Lock())
        users = [
            User(args.port, account, password, paths, verify_path, deadline, shared)
            for account in accounts
        ]
        for user in users:
            user.start()
        for user in users:
            user.join(timeout=args.seconds + 60)
    finally:
        server.terminate()
        server.wait(timeout=30)

    total = sum(len(v) for v in results.values())
    errors = sum(1 for v in results.values() for _, ok in v if not ok)
    print(f"requests {total}")
    print(f"errors {errors}")
    for name in paths:
        print(f"p95_ms_{name} {_p95([ms for ms, _ in results.get(name, [])]):.0f}")
    sys.exit(1 if errors or not total else 0)


if __name__ == "__main__":
    main()
