"""Load test: throughput of the main pages against a floor page, served by
gunicorn with the production settings on 127.0.0.1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/setara_load \\
        .venv/bin/python bench/load.py [--users 25] [--seconds 20] \\
        [--participants 20000] [--worker-class sync] [--threads 1]

Builds a fresh PostgreSQL database (the one in DATABASE_URL, dropped and created
again, so its name must contain "load") with the Maros demo, ``--participants``
extra people enrolled 50 to a training, and one mass socialisation event that
enrols all of them (20,000 by default, one day, attendance recorded). It starts
gunicorn with ``gunicorn.conf.py`` (the README's production set-up; workers,
worker class and threads from the options) with Redis as the shared cache
(``REDIS_URL``, by default database 14 of the local Redis, emptied first) and
lets ``--users`` simulated users log in.

Then, page after page, every user requests the same page for ``--seconds``: first
the floor page (``setara/floor.py``: logged in, one small query, the site's
layout), then the training list, the Maros training's page, the mass event's
page, the directory and the report, then the floor page again. The same users
under the same load, so each page's requests per second divided by the floor's
(the mean of its two phases) is what the page itself costs.

Each user is a coordinator of its own (``load-coordinator-<n>``) with an
authenticator app on a key this script makes: it logs in with the password,
then types the app's current code (``django_otp.oath.totp``) on the two-factor
page (a code works once per device, so the users do not share one). Traffic
goes to 127.0.0.1 only; every loop is bounded by its phase's deadline.

Prints ``name value`` lines:

- ``requests``, ``errors`` (status other than 200, a connection error or a failed
  login step, counted under ``login``);
- ``rps_<page>`` and ``p95_ms_<page>``, ``median_ms_<page>`` for every page;
- ``<page>_vs_floor`` for each main page (bound: at least 0.33 for the training
  list, the Maros training's page, the directory and the report; the mass
  event's is for information);
- ``big_training_vs_maros``: the mass event page's median time over the Maros
  page's (bound: at most 3).

Exits 1 when any request failed or a bound is missed.
"""

import argparse
import datetime
import http.client
import os
import re
import secrets
import statistics
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

#: The pages, in the order they are loaded; "floor" comes again at the end.
PAGES = ("floor", "training_list", "maros", "big_training", "directory", "report")
#: The pages held to ``<page>_vs_floor`` >= VS_FLOOR_MIN: the training list, a
#: training page (the Maros demo's), the directory and the report. The mass
#: event's page is held to BIG_VS_MAROS_MAX instead; its ``_vs_floor`` is printed
#: for information.
VS_FLOOR_BOUND = ("training_list", "maros", "directory", "report")
VS_FLOOR_MIN = 0.33
#: ``big_training_vs_maros`` <= BIG_VS_MAROS_MAX.
BIG_VS_MAROS_MAX = 3.0
#: People enrolled in each of the small trainings.
PER_TRAINING = 50


def _coordinators(users: int, password: str) -> list[tuple[str, bytes]]:
    """``users`` coordinators, each with an authenticator app of its own: a list
    of (username, the app's key as bytes)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.two_factor import TOTP_DEVICE_NAME
    from setara import roles

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
    return coordinators


def _people(participants: int):
    """``participants`` people enrolled PER_TRAINING to a two-day training in
    Maros, with attendance; returns (people, the trainings)."""
    from participants.models import Agency, Participant
    from regions.models import Region
    from trainings.models import Attendance, Enrolment, Training

    maros = Region.objects.get(code="73.09")
    agencies = list(Agency.objects.all())
    trainings = Training.objects.bulk_create(
        Training(
            title=f"Pelatihan uji beban {i}",
            region=maros,
            start_date=datetime.date(2024, 1, 1) + datetime.timedelta(days=i % 700),
            end_date=datetime.date(2024, 1, 2) + datetime.timedelta(days=i % 700),
        )
        for i in range(participants // PER_TRAINING)
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
        Enrolment(training=trainings[i // PER_TRAINING], participant=person)
        for i, person in enumerate(people)
        if i // PER_TRAINING < len(trainings)
    )
    Attendance.objects.bulk_create(
        (
            Attendance(
                enrolment=enrolment,
                date=enrolment.training.start_date + datetime.timedelta(days=day),
                present=bool((enrolment.pk + day) % 7),
            )
            for enrolment in enrolments
            for day in (0, 1)
        ),
        batch_size=5000,
    )
    return people, trainings


def _mass_event(people):
    """A one-day mass socialisation event in Maros that enrols every one of
    ``people``, nine in ten of them present; returns the training."""
    from regions.models import Region
    from trainings.models import Attendance, Enrolment, Training

    day = datetime.date(2024, 3, 1)
    training = Training.objects.create(
        title="Sosialisasi massal perlindungan anak",
        region=Region.objects.get(code="73.09"),
        start_date=day,
        end_date=day,
    )
    enrolments = Enrolment.objects.bulk_create(
        (Enrolment(training=training, participant=person) for person in people),
        batch_size=5000,
    )
    Attendance.objects.bulk_create(
        (
            Attendance(enrolment=e, date=day, present=bool(e.pk % 10))
            for e in enrolments
        ),
        batch_size=5000,
    )
    return training


def _build_data(participants: int, password: str, users: int):
    """Migrate, load the demo, add the people, the mass event and ``users``
    coordinators; return the page paths (name -> path), the two-factor page's
    path, and the coordinators as (username, key of their authenticator app)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "setara.settings.base")
    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from trainings.models import Training

    cache.clear()  # nothing cached from an earlier run's database
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    maros = Training.objects.order_by("pk").first()  # the demo's training
    coordinators = _coordinators(users, password)
    people, _trainings = _people(participants)
    big = _mass_event(people)
    with connection.cursor() as cursor:  # planner statistics, as autovacuum would
        cursor.execute("ANALYZE")
    paths = {
        "floor": "/bench/floor/",
        "training_list": reverse("trainings:list"),
        "maros": reverse("trainings:detail", args=[maros.pk]),
        "big_training": reverse("trainings:detail", args=[big.pk]),
        "directory": reverse("referrals:directory"),
        "report": reverse("trainings:report"),
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return paths, reverse("accounts:verify"), coordinators


class User(threading.Thread):
    """One simulated user: logs in (password, then the authenticator app's code),
    then, phase by phase, requests its phase's page until the phase's deadline.
    ``account`` is (username, key of the user's authenticator app, bytes);
    ``phases`` a list of (page name, path, deadline in ``time.monotonic()``);
    results go to ``shared`` = (dict page -> [(ms, ok)], lock)."""

    def __init__(self, port, account, password, verify_path, phases, shared):
        super().__init__(daemon=True)
        self.port, self.password, self.phases = port, password, phases
        (self.username, self.key), self.verify_path = account, verify_path
        self.results, self.lock = shared
        self.cookies: dict[str, str] = {}

    def _request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
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

    def login(self) -> bool:
        """Both steps; True when each answered with a redirect onwards."""
        try:
            fields = {"username": self.username, "password": self.password}
            if self._post_form("/login/", fields) != 302:
                return False
            code = f"{totp(self.key):06d}"  # the app's code now
            return self._post_form(self.verify_path, {"code": code}) == 302
        except OSError:
            return False

    def run(self):
        for name, path, deadline in self.phases:
            while time.monotonic() < deadline:
                started = time.monotonic()
                try:
                    status, _ = self._request("GET", path)
                    ok = status == 200
                except OSError:
                    ok = False
                elapsed_ms = (time.monotonic() - started) * 1000
                with self.lock:
                    self.results.setdefault(name, []).append((elapsed_ms, ok))


def _p95(values):
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)] if ordered else 0.0


def _server(args) -> subprocess.Popen:
    """gunicorn with gunicorn.conf.py, bound to 127.0.0.1:``args.port``, with the
    options' workers, worker class and threads; returns once it answers."""
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "setara.wsgi",
            "-c", str(ROOT / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{args.port}",
            "--workers", str(args.workers),
            "--worker-class", args.worker_class, "--threads", str(args.threads),
            "--access-logfile", os.devnull, "--log-level", "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )  # fmt: skip
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request(
                "GET", "/login/"
            )
            break
        except OSError:
            time.sleep(0.2)
    return server


def _run_phases(args, paths, verify_path, accounts, password) -> dict:
    """Log every user in, then load each page in turn (floor first and last) for
    ``args.seconds``; returns {phase name: [(ms, ok)]}, the floor's two phases
    as "floor" and "floor_end", failed logins under "login"."""
    results: dict[str, list[tuple[float, bool]]] = {}
    shared = (results, threading.Lock())
    users = [
        User(args.port, account, password, verify_path, [], shared)
        for account in accounts
    ]
    for user in users:  # log in before the clock starts
        if not user.login():
            results.setdefault("login", []).append((0.0, False))
    order = [*PAGES, "floor_end"]
    start = time.monotonic() + 0.5
    phases = [
        (name, paths[name.removesuffix("_end")], start + args.seconds * (i + 1))
        for i, name in enumerate(order)
    ]
    for user in users:
        user.phases = phases
        user.start()
    for user in users:
        user.join(timeout=args.seconds * len(order) + 120)
    return results


def _report(results: dict, seconds: int) -> bool:
    """Print the ``name value`` lines; True when every bound holds."""
    total = sum(len(v) for v in results.values())
    errors = sum(1 for v in results.values() for _, ok in v if not ok)
    print(f"requests {total}")
    print(f"errors {errors}")
    rps = {name: len(v) / seconds for name, v in results.items() if name != "login"}
    medians = {}
    for name in [*PAGES, "floor_end"]:
        times = [ms for ms, _ in results.get(name, [])]
        medians[name] = statistics.median(times) if times else 0.0
        print(f"rps_{name} {rps.get(name, 0):.1f}")
        print(f"median_ms_{name} {medians[name]:.0f}")
        print(f"p95_ms_{name} {_p95(times):.0f}")
    floor = (rps.get("floor", 0) + rps.get("floor_end", 0)) / 2
    ok = bool(total) and not errors
    for name in PAGES[1:]:
        ratio = rps.get(name, 0) / floor if floor else 0.0
        print(f"{name}_vs_floor {ratio:.2f}")
        ok = ok and (name not in VS_FLOOR_BOUND or ratio >= VS_FLOOR_MIN)
    big_vs_maros = medians["big_training"] / medians["maros"] if medians["maros"] else 0
    print(f"big_training_vs_maros {big_vs_maros:.2f}")
    return ok and 0 < big_vs_maros <= BIG_VS_MAROS_MAX


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=25)
    parser.add_argument("--seconds", type=int, default=20, help="per page")
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    url = os.environ.setdefault(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/setara_load"
    )
    password = secrets.token_urlsafe(16)
    os.environ.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        BENCH_FLOOR_PAGE="1",
    )
    # The production set-up's shared cache (README, Deployment): Redis database
    # 14 unless REDIS_URL says otherwise; emptied first (clear() below).
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    recreate_database(url, allowed=("load",))
    paths, verify_path, accounts = _build_data(args.participants, password, args.users)
    print(
        f"note: {args.users} users, {args.seconds} s per page, gunicorn "
        f"{args.workers} x {args.worker_class} x {args.threads} threads, cache "
        f"{os.environ['REDIS_URL']}",
        file=sys.stderr,
    )
    server = _server(args)
    try:
        results = _run_phases(args, paths, verify_path, accounts, password)
    finally:
        server.terminate()
        server.wait(timeout=30)
    sys.exit(0 if _report(results, args.seconds) else 1)


if __name__ == "__main__":
    main()
