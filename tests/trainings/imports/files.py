"""Sign-in sheets built for the import tests, and the import run end to end."""

import datetime
import io
from pathlib import Path

import openpyxl

from trainings.imports.plan import ImportOptions, plan_import
from trainings.imports.rows import read_participant_file
from trainings.services import enrolments_import

DATA = Path(__file__).parent.parent.parent / "participants" / "data"
MAROS = DATA / "maros-ocsea-2023-daftar-hadir.xlsx"
DAYS = [datetime.date(2023, 10, 18) + datetime.timedelta(days=i) for i in range(3)]
HEADER = ["No", "Nama", "L/P", "Instansi", "No HP", "Hari 1", "Hari 2", "Hari 3"]


def xlsx(rows, title_rows=0) -> bytes:
    """An .xlsx whose first sheet holds ``rows`` under ``title_rows`` title lines."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for i in range(title_rows):
        sheet.append([f"DAFTAR HADIR {i}"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, delimiter=",", encoding="utf-8") -> bytes:
    lines = [delimiter.join("" if v is None else str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def person(name="Rahmawati", sex="P", agency="Dinas Uji", phone="081355501234"):
    return [1, name, sex, agency, phone, "v", "v", "v"]


def read(data, name="list.xlsx", **kwargs):
    return read_participant_file(data, name, days=DAYS, **kwargs)


def import_all(training, data, name="list.xlsx", options=None):
    parsed = read_participant_file(data, name, days=training.days)
    plan = plan_import(
        training=training, parsed=parsed, options=options or ImportOptions()
    )
    return plan, enrolments_import(training=training, plan=plan)
