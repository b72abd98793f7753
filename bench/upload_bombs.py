"""Crafted spreadsheets against the upload limits (issue 17, requirement 2).

    .venv/bin/python bench/upload_bombs.py            # SQLite in a temporary folder
    .venv/bin/python bench/upload_bombs.py --messages # also print each refusal
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/setara_upload_bench \\
        .venv/bin/python bench/upload_bombs.py  # created, then dropped

Builds the files itself (nothing is downloaded), then feeds each one to the two
places where a spreadsheet is uploaded:

- the sign-in sheet import (``trainings:import``, as programme staff), named
  ``<file>``;
- the referral directory's import in the Django admin (django-import-export, as
  an admin), named ``admin_<file>``.

Each upload runs in a child process of its own (the test settings against the
database this script migrated), so one file's peak memory cannot hide another's:
the child logs in, warms up (the page, and one small good file of the same
kind), resets its peak resident memory
(``/proc/self/clear_refs``), posts the file through Django's test client and
reads the peak back (``VmHWM`` in ``/proc/self/status``). The child has a
wall-clock limit (``--timeout``, 60 s) and an address-space limit (4 GB), so a
file the app cannot bound ends as a timeout or a memory error, not a frozen
machine. One line per upload:

    <name> refused=<0/1> seconds=<s> peak_mb=<mb> status=<http status>

``peak_mb`` is the rise of the process's peak resident memory over its size just
before the request, in MB; ``seconds`` the request's wall time; ``refused`` 1 when
the page shows the file's error instead of going on (the preview, or the
admin's dry-run result). Then ``upload_bombs_ok 1`` when every crafted file is
refused within 5 s, every upload (the accepted control files too) stays under
200 MB, none gives a server error and the control files are accepted; else
``upload_bombs_ok 0`` (and exit status 1).

The files (``bench/bomb_files.py``, ``FILES``) are those of the issue, of about
the sizes it gives, and more of the same kinds (a styles part,
thousands of merged ranges, a last row far below the data, many zip members, an
old .xls), and the controls: the seed training's sign-in sheet, a CSV, the
largest sheet accepted (20,000 people) and a styles part just under its limit.
"""

import argparse
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bomb_files import (
    FILES,
    admin_control_csv,
    admin_control_xlsx,
    control_csv,
    control_xlsx,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Bounds of the issue: refused within this many seconds, under this many MB.
MAX_SECONDS = 5
MAX_PEAK_MB = 200

SETUP = """
import datetime
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from regions.models import Region
from setara import roles
from trainings.models import Training
User = get_user_model()
staff = User.objects.create_user("bombs-staff")
staff.groups.add(Group.objects.get(name=roles.PROGRAMME_STAFF))
admin = User.objects.create_superuser("bombs-admin", "bombs@example.org")
region = Region.objects.filter(code="73.09").first() or Region.objects.first()
training = Training.objects.create(
    title="Upload bombs", region=region,
    start_date=datetime.date(2023, 10, 18), end_date=datetime.date(2023, 10, 20),
)
print("ids", staff.pk, admin.pk, training.pk)
"""


# One upload, in a child process ------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset this process's peak resident memory (VmHWM); False if not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child(args) -> None:
    """Upload one file (``args.file``) as ``args.path`` says and print a JSON
    line: status, refused, seconds, peak_mb, message."""
    limit = 4 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "setara.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import translation

    setup_test_environment()  # response.context for the forms' errors
    staff_id, admin_id, training_id = (int(i) for i in args.ids.split(","))
    data = Path(args.file).read_bytes()
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    user = get_user_model().objects.get(
        pk=admin_id if args.path == "admin" else staff_id
    )
    _login(client, user)
    if args.path == "admin":
        url = reverse("admin:referrals_referralinstitution_import")
        fmt = "1" if args.name.endswith(".csv") else "0"
        form = {"import_file": SimpleUploadedFile(args.name, data), "format": fmt}
        field = "import_file"
    else:
        url = reverse("trainings:import", args=[training_id])
        form = {"file": SimpleUploadedFile(args.name, data)}
        field = "file"
    client.get(url)  # warm up: templates, translations, the form
    # A warm-up upload of a small good file imports the readers (openpyxl, lxml).
    csv = args.name.endswith(".csv")
    if args.path == "admin":
        warm = admin_control_csv() if csv else admin_control_xlsx()
    else:
        warm = control_csv() if csv else control_xlsx()
    client.post(url, {**form, field: SimpleUploadedFile(args.name, warm)})
    gc.collect()
    before = _status_kb("VmRSS")
    reset = _reset_peak()
    start = time.perf_counter()
    with translation.override("en"):
        response = client.post(url, form)
    seconds = time.perf_counter() - start
    peak = _status_kb("VmHWM") - before
    errors = []
    context = response.context
    if response.status_code == 200 and context is not None:
        bound = context.get("form")
        if bound is not None and bound.errors.get(field):
            errors = [str(e) for e in bound.errors[field]]
    print(
        json.dumps(
            {
                "status": response.status_code,
                "refused": bool(errors),
                "seconds": seconds,
                "peak_mb": peak / 1024,
                "peak_reset": reset,
                "message": " ".join(errors),
            }
        )
    )


def _login(client, user) -> None:
    """Log ``client`` in as ``user``, with the second factor confirmed when the
    project asks for one (the admin; not programme staff): ``tests.auth.login``."""
    from tests.auth import login

    login(client, user)


# The parent ------------------------------------------------------------------------


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        sys.exit(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def run_one(env, ids, name, filename, path, timeout) -> dict:
    command = [sys.executable, __file__, "--child", "--path", path, "--ids", ids,
               "--file", str(filename), "--name", filename.name]  # fmt: skip
    start = time.perf_counter()
    try:
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "refused": False,
                "seconds": time.perf_counter() - start, "peak_mb": -1,
                "message": f"no answer within {timeout} s"}  # fmt: skip
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode or not lines:
        return {"status": "crash", "refused": False,
                "seconds": time.perf_counter() - start, "peak_mb": -1,
                "message": result.stderr.strip().splitlines()[-1:]}  # fmt: skip
    return json.loads(lines[-1])


def _drop_database(url: str) -> None:
    """Drop the PostgreSQL database this script created."""
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        name = parsed.path.lstrip("/")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--ids", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--messages", action="store_true")
    parser.add_argument("--only", help="comma-separated names of files to run")
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0

    folder = Path(tempfile.mkdtemp(prefix="setara-upload-bombs-"))
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        from common import recreate_database

        recreate_database(url, allowed=("bench",))
    else:
        url = f"sqlite:///{folder / 'bombs.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "setara.settings.test",
        "MEDIA_ROOT": str(folder / "media"),
    }
    manage(env, "migrate", "--noinput")
    ids = ",".join(manage(env, "shell", "-c", SETUP).split("ids", 1)[1].split())
    only = set(args.only.split(",")) if args.only else None
    ok = True
    try:
        for name, (filename, build, control, where) in FILES.items():
            if only and name not in only:
                continue
            path = folder / filename
            path.write_bytes(build())
            paths = ["import", "admin"] if where == "both" else [where]
            for target in paths:
                shown = name if target == "import" else f"admin_{name}"
                if target == "admin" and name.startswith("control_directory"):
                    shown = name
                result = run_one(env, ids, shown, path, target, args.timeout)
                # A refusal within 5 s, any upload under 200 MB.
                good = 0 <= result["peak_mb"] <= MAX_PEAK_MB and (
                    not result["refused"]
                    if control
                    else result["refused"] and result["seconds"] <= MAX_SECONDS
                )
                good = good and result["status"] in (200, 302)
                ok = ok and good
                print(
                    f"{shown} refused={int(result['refused'])} "
                    f"seconds={result['seconds']:.2f} "
                    f"peak_mb={result['peak_mb']:.0f} status={result['status']}"
                    + ("" if good else "  <-- out of bounds"),
                    flush=True,
                )
                if args.messages and result["message"]:
                    print(f"    {result['message']}  [{path.stat().st_size:,} bytes]")
            path.unlink()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if url.startswith("postgres"):
            _drop_database(url)
    print(f"upload_bombs_ok {int(ok)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
