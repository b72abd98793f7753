"""The all-participants export of ``bench/run.py``, run as a job through the real
worker, and the fastest plain writer it is compared with.

``measure_export_job(url)`` starts ``manage.py db_worker`` against the bench
database, asks for the report's participant list (.xlsx, everyone, as a
coordinator) through the Django test client, as a browser would, and polls the
``jobs.Job`` row until it is finished; meanwhile it samples the worker's peak
resident memory (``VmHWM`` in /proc). It counts the rows of the finished file in
storage by streaming its sheet's XML.

``measure_fastest(url)`` runs, in child processes, the bare minimum for the same
file: the export's SQL statement on a server-side cursor (psycopg, no ORM, no
formatting), its rows written as plain typed values by XlsxWriter in
constant-memory mode and by openpyxl's write-only mode with lxml.

Run as ``python bench/export_job.py fastest <xlsxwriter|openpyxl>`` (a child; the
bench's environment and settings) it prints ``seconds rows``.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from common import client_verified

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
SETTINGS = "bench_settings"
#: Longest wait for the job to finish before the bench gives up, in seconds.
JOB_DEADLINE = 600
XLSX_NAMESPACES = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}


def environment(url: str) -> dict:
    """The environment of the bench's children: its database, settings and media
    folder, with ``bench/`` importable for the settings module."""
    path = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "PYTHONPATH": path,
    }


def peak_mb(pid: int) -> float:
    """The peak resident memory of process ``pid`` so far (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def active_sheet_part(archive: zipfile.ZipFile) -> str:
    """The part name (such as ``xl/worksheets/sheet2.xml``) of the sheet an .xlsx
    opens on: the workbook's ``activeTab`` (the first sheet when unset). A report
    export opens on its data, after the cover sheet of its filters."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    view = book.find("m:bookViews/m:workbookView", XLSX_NAMESPACES)
    active = int(view.get("activeTab", 0)) if view is not None else 0
    sheet = book.findall("m:sheets/m:sheet", XLSX_NAMESPACES)[active]
    relation = sheet.get(f"{{{XLSX_NAMESPACES['r']}}}id")
    links = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    [target] = [link.get("Target") for link in links if link.get("Id") == relation]
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def xlsx_rows(fileobj) -> int:
    """Data rows of the sheet an .xlsx opens on (rows after the header; see
    ``active_sheet_part``), counted by streaming its XML, without loading it."""
    pattern = re.compile(rb"<row[ >]")
    count, tail = 0, b""
    archive = zipfile.ZipFile(fileobj)
    with archive, archive.open(active_sheet_part(archive)) as sheet:
        while chunk := sheet.read(1 << 20):
            # The last 4 bytes, too short to hold a whole tag, go with the next
            # chunk: a tag cut at a chunk's end is counted once, there.
            data = tail + chunk
            count += len(pattern.findall(data))
            tail = data[-4:]
    return max(0, count - 1)


def _start_request() -> float:
    """The click that starts the export (a POST to the export's address, as the
    button on its page sends), timed in seconds; exits unless it redirects to the
    job's page."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    user = get_user_model().objects.get(username="bench-coordinator")
    client = client_verified(user)  # a coordinator: second factor given
    url = reverse("trainings:report_participants", args=["xlsx"])
    client.get(url)  # the page with the button; warms up imports and the session
    started = time.perf_counter()
    response = client.post(url)
    seconds = time.perf_counter() - started
    if response.status_code != 302:
        sys.exit(f"starting the export answered {response.status_code}")
    return seconds


def measure_export_job(url: str) -> dict:
    """The export as a job through a real worker; see the module's docstring."""
    from django.core.files.storage import default_storage

    from jobs.models import Job

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2",
         "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=environment(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        time.sleep(3)  # lets the worker import Django before the clock starts
        if worker.poll() is not None:
            sys.exit(f"db_worker stopped:\n{worker.stderr.read()}")
        before = set(Job.objects.values_list("pk", flat=True))
        request_seconds = _start_request()
        [job] = Job.objects.exclude(pk__in=before)
        deadline = time.monotonic() + JOB_DEADLINE
        peak = peak_mb(worker.pid)
        while not job.is_finished:
            if time.monotonic() > deadline or worker.poll() is not None:
                sys.exit(f"export job not finished: {job.status}")
            time.sleep(0.2)
            peak = max(peak, peak_mb(worker.pid))
            job.refresh_from_db()
        peak = max(peak, peak_mb(worker.pid))
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    if job.status != Job.Status.SUCCEEDED:
        sys.exit(f"export job failed: {job.error_message}")
    with default_storage.open(job.file.name, "rb") as stored:
        rows = xlsx_rows(stored)
    return {
        "export_rows": rows,
        "export_request_seconds": round(request_seconds, 3),
        "export_job_seconds": (job.finished_at - job.started_at).total_seconds(),
        "export_queue_seconds": (job.started_at - job.created_at).total_seconds(),
        "export_peak_mb": round(peak),
        "export_file_mb": round(job.size / 1e6, 1),
        "export_progress_done": job.progress_done,
        # Set by the worker when it starts (the click does not count).
        "export_progress_total": job.progress_total,
    }


def _fastest_rows(url: str):
    """The export's SQL statement on a server-side cursor: yields its rows as the
    database sends them (tuples), with the column names first."""
    import psycopg

    from trainings.models import Enrolment

    sql, params = (
        Enrolment.objects.participants().participant_summary().query.sql_with_params()
    )
    connection = psycopg.connect(url)
    with connection, connection.transaction(), connection.cursor("fast") as cursor:
        cursor.itersize = 2000
        cursor.execute(sql, params)
        yield [column.name for column in cursor.description]
        yield from cursor


def _write_xlsxwriter(rows, out) -> int:
    import datetime

    import xlsxwriter

    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = workbook.add_worksheet("Participants")
    dates = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, next(rows))
    write_string, write_number = sheet.write_string, sheet.write_number
    number = 0
    for number, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            kind = type(value)
            if kind is str:
                write_string(number, index, value)
            elif kind is int or kind is float:
                write_number(number, index, value)
            elif kind is datetime.date:
                sheet.write_datetime(number, index, value, dates)
            elif value is not None:
                sheet.write(number, index, value)
    workbook.close()
    return number


def _write_openpyxl(rows, out) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Participants")
    sheet.append(next(rows))
    number = 0
    for row in rows:
        sheet.append(row)
        number += 1
    workbook.save(out)
    return number


def fastest_child(writer: str) -> None:
    """In a child process: the plain writer ``writer`` ("xlsxwriter" or
    "openpyxl") writing the export's rows from a raw cursor; prints
    ``seconds rows``."""
    import django

    django.setup()
    from openpyxl.xml import LXML

    assert LXML, "openpyxl would not use lxml"
    url = os.environ["DATABASE_URL"]
    write = {"xlsxwriter": _write_xlsxwriter, "openpyxl": _write_openpyxl}[writer]
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        rows = write(_fastest_rows(url), out)
        print(f"{time.perf_counter() - started:.3f} {rows}")


def measure_fastest(url: str) -> dict:
    """Seconds of each plain writer (``fastest_<writer>_seconds``) and of the
    faster (``fastest_seconds``), each in a child process."""
    results = {}
    for writer in ("xlsxwriter", "openpyxl"):
        done = subprocess.run(
            [sys.executable, __file__, "fastest", writer],
            env=environment(url),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            sys.exit(f"bench/export_job.py fastest {writer} failed:\n{done.stderr}")
        seconds, rows = done.stdout.split()
        results[f"fastest_{writer}_seconds"] = float(seconds)
        results["fastest_rows"] = int(rows)
    results["fastest_seconds"] = min(
        results["fastest_xlsxwriter_seconds"], results["fastest_openpyxl_seconds"]
    )
    return results


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if sys.argv[1:2] == ["fastest"]:
        fastest_child(sys.argv[2])
