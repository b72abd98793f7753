"""Benchmark: importing a 10,000-row sign-in sheet, against the plainest possible
import of the same rows.

    .venv/bin/python bench/import_bench.py [--rows 10000] [--repeat 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/setara_bench \\
        .venv/bin/python bench/import_bench.py

Runs in a throwaway test database (``test_`` + the name in DATABASE_URL, or
in-memory SQLite when DATABASE_URL is unset), created and destroyed here. Builds an
.xlsx with a title block, a header on row 5, ``--rows`` participants from 20
agencies (half known through aliases) and three attendance days, then times, best
of ``--repeat``, each inside a transaction that is rolled back:

- baseline: openpyxl reads the rows (read-only mode), and ``bulk_create`` writes
  the same participants, enrolments and attendance with no checks at all;
- import: the preview (read, clean, plan against the registry) plus the confirm
  (read, clean and plan again, then ``participants_import``), as the pages do.

Prints ``name value`` lines. The targets (issue 5): import at most 3 times the
baseline, and at most 2 queries per 100 rows; ``ok`` is 1 when both hold, and
the exit status is 1 otherwise. SQLite caps a query at 999 parameters, so its
bulk inserts need more, smaller batches than PostgreSQL's: ``lookup_queries``
counts the reads alone, which do not depend on the database.
"""

import argparse
import datetime
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AGENCIES = 20
DAYS = 3


def build_workbook(rows: int) -> bytes:
    """A sign-in sheet of ``rows`` fictional people, as staff fill them in."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Daftar Hadir")
    sheet.append(["DAFTAR HADIR PESERTA"])
    sheet.append(["Pelatihan Uji Beban"])
    sheet.append(["Kabupaten Maros, 18 - 20 Oktober 2023"])
    sheet.append([])
    sheet.append(
        ["No", "Nama Lengkap", "L/P", "Instansi / Lembaga", "Jabatan", "No. HP",
         "NIK", "Desa/Kelurahan", "Hari 1", "Hari 2", "Hari 3", "Tanda Tangan"]
    )  # fmt: skip
    sexes = ["P", "L", "p ", "Perempuan", "Laki-laki"]
    for i in range(rows):
        sheet.append(
            [
                i + 1,
                f"Peserta Uji {i:05d}, S.Sos",
                sexes[i % len(sexes)],
                f"Dinas Uji {i % AGENCIES} Kab. Maros",
                "Staf",
                f"0812-{i // 10000:04d}-{i % 10000:04d}" if i % 7 else 81200000000 + i,
                f"73090{i:011d}" if i % 3 == 0 else None,
                "Bonto Marannu" if i % 4 == 0 else None,
                "v",
                "v" if i % 10 else None,
                "V",
                None,
            ]
        )
    sheet.append([None, "Jumlah peserta"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def baseline(data: bytes, training) -> None:
    """openpyxl read plus bulk_create of the same rows, with no checks."""
    from openpyxl import load_workbook

    from participants.models import Agency, Participant
    from trainings.models import Attendance, Enrolment

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = list(workbook.active.iter_rows(min_row=6, values_only=True))
    workbook.close()
    agencies = {a.name: a for a in Agency.objects.all()}
    people = [
        Participant(
            full_name=str(row[1]),
            normalised_name=str(row[1]).lower(),
            sex=str(row[2]).strip()[:1].upper(),
            agency=agencies.get(row[3]),
            position=row[4] or "",
            phone="",
            nik=row[6] or "",
            village=row[7] or "",
        )
        for row in rows
        if len(row) > 7 and row[2]
    ]
    Participant.objects.bulk_create(people)
    enrolments = Enrolment.objects.bulk_create(
        [Enrolment(training=training, participant=p) for p in people]
    )
    Attendance.objects.bulk_create(
        [
            Attendance(enrolment=e, date=day, present=True)
            for e in enrolments
            for day in training.days
        ]
    )


def run_import(data: bytes, training) -> dict:
    """Preview then confirm, as the two pages do; returns query counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from participants.importing import (
        ImportOptions,
        plan_import,
        read_participant_file,
    )
    from participants.services import participants_import

    with CaptureQueriesContext(connection) as queries:
        # Preview.
        parsed = read_participant_file(data, "bench.xlsx", days=training.days)
        plan = plan_import(training=training, parsed=parsed, options=ImportOptions())
        assert not plan.problems, [str(p) for p in plan.problems[:5]]
        preview = len(queries)
        # Confirm.
        parsed = read_participant_file(data, "bench.xlsx", days=training.days)
        plan = plan_import(training=training, parsed=parsed, options=ImportOptions())
        lookups = len(queries) - preview
        result = participants_import(training=training, plan=plan)
    assert result.created + result.matched == len(parsed.rows)
    return {"queries": len(queries), "lookup_queries": preview + lookups}


def timed(function, repeat: int):
    from django.db import transaction

    best, value = None, None
    for _ in range(repeat):
        with transaction.atomic():
            start = time.perf_counter()
            value = function()
            elapsed = time.perf_counter() - start
            transaction.set_rollback(True)
        best = elapsed if best is None else min(best, elapsed)
    return best, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "setara.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from participants.models import Agency, AgencyAlias
        from regions.models import Region
        from trainings.models import Training

        region = Region.objects.get(code="73.09")
        for i in range(0, AGENCIES, 2):  # half the agencies are known
            agency = Agency.objects.create(
                name=f"Dinas Uji {i} Kabupaten Maros", region=region
            )
            AgencyAlias.objects.create(agency=agency, name=f"Dinas Uji {i} Kab. Maros")
        training = Training.objects.create(
            title="Pelatihan Uji Beban",
            region=region,
            start_date=datetime.date(2023, 10, 18),
            end_date=datetime.date(2023, 10, 18) + datetime.timedelta(days=DAYS - 1),
        )
        data = build_workbook(args.rows)
        base_seconds, _ = timed(lambda: baseline(data, training), args.repeat)
        import_seconds, counts = timed(lambda: run_import(data, training), args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()

    ratio = import_seconds / base_seconds
    per_100 = counts["queries"] * 100 / args.rows
    lookups_per_100 = counts["lookup_queries"] * 100 / args.rows
    ok = ratio <= 3 and per_100 <= 2
    print(f"database {connection.vendor}")
    print(f"rows {args.rows}")
    print(f"file_bytes {len(data)}")
    print(f"baseline_seconds {base_seconds:.3f}")
    print(f"import_seconds {import_seconds:.3f}")
    print(f"ratio {ratio:.2f}")
    print(f"queries {counts['queries']}")
    print(f"queries_per_100_rows {per_100:.2f}")
    print(f"lookup_queries {counts['lookup_queries']}")
    print(f"lookup_queries_per_100_rows {lookups_per_100:.2f}")
    print(f"ok {int(ok)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
