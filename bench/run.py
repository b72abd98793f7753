"""Benchmark of the reports and exports at programme scale; not a test.

    .venv/bin/python bench/run.py                # 100,000 people: 1.5 minutes
    .venv/bin/python bench/run.py --scale 3      # 300,000 people: 4-5 minutes
    .venv/bin/python bench/run.py --scale 0.05   # 5,000 people, while developing

Builds its own PostgreSQL database, the one named in DATABASE_URL (default
``postgres://postgres@127.0.0.1:5432/setara_bench``; it is dropped and created
again, so its name must contain "bench"), with ``--scale`` x 100,000 participants,
5,000 trainings of 1 to 5 days and 1,000,000 attendance rows (COPY, about 333,000
enrolments; every person is in at least one training). Then prints one line per
measure, ``name value``:

- ``report_vs_sql``: the filtered report page (one province, one year) through the
  Django test client, divided by the same aggregates in one hand-written SQL query
  (``REPORT_SQL``: headline numbers with villages reached, agency type,
  disability, agencies, months, provinces and regencies/cities with their names,
  the region filter by code prefix as the app's) (medians of three runs after a
  warm-up); bound: at most 3.
- ``export_rows``: the rows in the file of the participant list of everyone
  (.xlsx, with phone and NIK, as a coordinator), run as a background job through
  a real worker (``manage.py db_worker``, started by the bench); must be every
  participant.
- ``export_request_seconds``: the request that starts that export (the click;
  it does not count the people, the worker does); bound: at most 1.
- ``export_vs_fastest``: the job's time (``finished_at - started_at``) divided by
  the bare minimum for the same file: the export's SQL statement on a raw
  server-side cursor, its rows written as plain values by the faster of XlsxWriter
  (constant memory) and openpyxl (write-only, lxml), each in a child process;
  bound: at most 1.3.
- ``export_peak_mb``: the worker's peak resident memory (VmHWM: Python, Django
  and the job together); bound: under 150.
- ``report_queries``: the queries the report page runs, session and permission
  look-ups included (BEGIN and COMMIT, which psycopg 3 logs, are not counted);
  bound: at most 12 (session, user, the authenticator app that confirmed the
  session's second factor, two for permissions, topics, the chosen region, the
  headline, the breakdowns by month and place, the agencies, the knowledge-gain
  summary, the session save; one more when some enrolment has a test score).
  The bench's coordinator is logged in with the second factor given, as
  ``tests.auth.login`` does (``bench/common.py``, ``client_verified``).

Also prints the row counts and, for information, the timings in seconds (the two
plain writers' among them). Exits 1 when a measure is out of its bound.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from common import client_verified, recreate_database
from export_job import SETTINGS, measure_export_job, measure_fastest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/setara_bench"

BOUNDS = {
    "report_vs_sql": 3,
    "report_queries": 12,  # the knowledge-gain summary (issue 15)
    "export_request_seconds": 1,
    "export_vs_fastest": 1.3,
    "export_peak_mb": 150,
}
YEARS = range(2019, 2026)


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS  # bench/bench_settings.py
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client call "testserver"


# Building the data
# ------------------------------------------------------------------------------
def build(scale: float, seed: int = 4) -> dict:
    """Fill the (migrated, empty) database; returns the row counts."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from participants.models import Agency, Participant
    from regions.models import Region
    from setara import roles
    from trainings.models import Topic, Training

    rng = random.Random(seed)
    n_people = max(50, round(100_000 * scale))
    n_trainings = max(10, round(5_000 * scale))
    n_attendance = max(100, round(1_000_000 * scale))
    n_agencies = max(11, round(1_000 * scale))

    province = Region.objects.get(code="73")
    for number in range(1, 25):
        Region.objects.get_or_create(
            code=f"73.{number:02d}",
            defaults={
                "name": f"Kabupaten Bench {number}",
                "level": Region.Level.REGENCY,
                "parent": province,
            },
        )
    regencies = list(
        Region.objects.filter(parent=province).values_list("pk", flat=True)
    )
    types = Agency.Type.values
    Agency.objects.bulk_create(
        Agency(
            name=f"Instansi Bench {n}",
            short_name=f"IB{n}",
            type=types[n % len(types)],
            region_id=regencies[n % len(regencies)],
        )
        for n in range(n_agencies)
    )
    agencies = list(Agency.objects.values_list("pk", flat=True))
    topics = list(Topic.objects.values_list("pk", flat=True))
    now = datetime.datetime.now(datetime.UTC)

    def copy(table, columns, rows):
        with connection.cursor() as cursor:
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as pipe:
                for row in rows:
                    pipe.write_row(row)

    first_names = ["Andi", "Sitti", "Muh.", "Nur", "Rahmat", "Hasna", "Ilham", "Dewi"]

    def people():
        for n in range(n_people):
            roll = rng.random()
            sex = "P" if roll < 0.55 else "L" if roll < 0.95 else ""
            disability = rng.choice(["not_asked", "not_asked", "no", "yes"])
            name = f"{rng.choice(first_names)} Peserta {n}"
            nik = f"7309{n:012d}" if n % 3 == 0 else ""
            yield (
                name,
                name.lower().replace(".", ""),
                sex,
                disability,
                rng.choice(agencies),
                "Staf",
                f"+62812{n:08d}",
                "",
                nik,
                "",
                now,
                now,
            )

    copy(
        "participants_participant",
        [
            "full_name", "normalised_name", "sex", "disability", "agency_id",
            "position", "phone", "email", "nik", "village", "created_at",
            "updated_at",
        ],
        people(),
    )  # fmt: skip
    person_ids = list(Participant.objects.values_list("pk", flat=True))

    # Trainings of 1 to 5 days (3 on average), spread over the years.
    lengths = [1 + n % 5 for n in range(n_trainings)]
    starts = [
        datetime.date(rng.choice(YEARS), rng.randint(1, 12), rng.randint(1, 25))
        for _ in range(n_trainings)
    ]
    copy(
        "trainings_training",
        [
            "title", "programme", "organiser", "partners", "venue", "region_id",
            "start_date", "end_date", "objectives", "certificate_requires_pass",
            "created_at", "updated_at",
        ],
        (
            (f"Pelatihan Bench {n}", "SETARA", "Yayasan BaKTI", "", "",
             rng.choice(regencies), starts[n],
             starts[n] + datetime.timedelta(days=lengths[n] - 1), "", False, now,
             now)
            for n in range(n_trainings)
        ),
    )  # fmt: skip
    trainings = list(
        Training.objects.order_by("pk").values_list("pk", "start_date", "end_date")
    )
    copy(
        "trainings_training_topics",
        ["training_id", "topic_id"],
        ((pk, rng.choice(topics)) for pk, _, _ in trainings),
    )

    # Enrolments: a shuffled, cycled list of everyone, so each person is in at
    # least one training; sized so that attendance rows (enrolments x days) come
    # to n_attendance.
    counts = [max(1, n_attendance // sum(lengths))] * n_trainings
    remaining = n_attendance - sum(c * d for c, d in zip(counts, lengths, strict=True))
    while remaining > 0:  # the one-day trainings always absorb what is left
        for index, days in enumerate(lengths):
            if days <= remaining and counts[index] < len(person_ids):
                counts[index] += 1
                remaining -= days
    cycle, position = person_ids[:], len(person_ids)
    enrolment_plan = []
    for (pk, start, end), count in zip(trainings, counts, strict=True):
        chosen = set()
        while len(chosen) < count:
            if position >= len(cycle):
                rng.shuffle(cycle)
                position = 0
            chosen.add(cycle[position])
            position += 1
        enrolment_plan.append((pk, start, (end - start).days + 1, sorted(chosen)))
    copy(
        "trainings_enrolment",
        ["training_id", "participant_id", "role", "created_at"],
        (
            (pk, person, "participant", now)
            for pk, _, _, people_in in enrolment_plan
            for person in people_in
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, training_id FROM trainings_enrolment ORDER BY training_id, id"
        )
        by_training = {}
        for enrolment_id, training_id in cursor.fetchall():
            by_training.setdefault(training_id, []).append(enrolment_id)

    def attendance():
        for pk, start, days, _ in enrolment_plan:
            for enrolment_id in by_training[pk]:
                for offset in range(days):
                    date = start + datetime.timedelta(days=offset)
                    yield (enrolment_id, date, rng.random() < 0.9)

    # The data is valid by construction: skip the per-row trigger that checks each
    # date against its training, which would triple the load time.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE trainings_attendance DISABLE TRIGGER USER")
    copy("trainings_attendance", ["enrolment_id", "date", "present"], attendance())
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE trainings_attendance ENABLE TRIGGER USER")
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM trainings_enrolment")
        (n_enrolments,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM trainings_attendance")
        (n_rows,) = cursor.fetchone()

    user = get_user_model().objects.create_user("bench-coordinator")
    user.groups.add(Group.objects.get(name=roles.COORDINATOR))
    return {
        "participants": len(person_ids),
        "trainings": len(trainings),
        "enrolments": n_enrolments,
        "attendance_rows": n_rows,
    }


# Measures
# ------------------------------------------------------------------------------
def _client():
    """A test client logged in as the bench's coordinator, second factor given."""
    from django.contrib.auth import get_user_model

    return client_verified(get_user_model().objects.get(username="bench-coordinator"))


def _report_filters() -> dict:
    """The report's filters as a link gives them: the region by its code."""
    return {
        "region": "73",
        "period_after": "2023-01-01",
        "period_before": "2023-12-31",
    }


#: The report page's aggregates (summary with villages reached, agency type,
#: disability, agencies, months, provinces and regencies/cities with their names)
#: in one query, as a DBA would write them; the region filter keeps the region and
#: every region below it by code prefix, as the app does.
REPORT_SQL = """
WITH e AS (
    SELECT en.id, en.training_id, en.participant_id, p.sex, p.disability,
           p.village_region_id, p.agency_id, ag.name AS agency_name,
           ag.type AS agency_type, r.code AS region_code,
           date_trunc('month', t.start_date) AS month,
           t.end_date - t.start_date + 1 AS length,
           (SELECT count(*) FROM trainings_attendance at
             WHERE at.enrolment_id = en.id AND at.present) AS days
      FROM trainings_enrolment en
      JOIN trainings_training t ON t.id = en.training_id
      JOIN regions_region r ON r.id = t.region_id
      JOIN participants_participant p ON p.id = en.participant_id
      LEFT JOIN participants_agency ag ON ag.id = p.agency_id
     WHERE en.role = 'participant'
       AND t.start_date BETWEEN %(start)s AND %(end)s
       AND (t.region_id = %(region)s OR r.code LIKE %(below)s)
)
SELECT
  (SELECT json_build_object(
      'trainings', count(DISTINCT training_id), 'max_days', max(length),
      'villages', count(DISTINCT village_region_id),
      'participations', json_build_array(count(*) FILTER (WHERE sex = 'L'),
          count(*) FILTER (WHERE sex = 'P'), count(*) FILTER (WHERE sex = ''),
          count(*)),
      'persons', json_build_array(
          count(DISTINCT participant_id) FILTER (WHERE sex = 'L'),
          count(DISTINCT participant_id) FILTER (WHERE sex = 'P'),
          count(DISTINCT participant_id) FILTER (WHERE sex = ''),
          count(DISTINCT participant_id)),
      'person_days', json_build_array(sum(days) FILTER (WHERE sex = 'L'),
          sum(days) FILTER (WHERE sex = 'P'), sum(days) FILTER (WHERE sex = ''),
          sum(days)))
     FROM e),
  (SELECT json_agg(x) FROM (
      SELECT agency_type, sex, disability, count(*) AS participations,
             count(DISTINCT participant_id) AS persons
        FROM e GROUP BY agency_type, sex, disability) x),
  (SELECT json_agg(x) FROM (
      SELECT agency_id, agency_name, agency_type,
             count(*) FILTER (WHERE sex = 'L') AS l,
             count(*) FILTER (WHERE sex = 'P') AS p,
             count(*) FILTER (WHERE sex = '') AS n, count(*) AS total
        FROM e GROUP BY agency_id, agency_name, agency_type
        ORDER BY agency_type, agency_name) x),
  (SELECT json_agg(x) FROM (
      SELECT month, count(*) FILTER (WHERE sex = 'L') AS l,
             count(*) FILTER (WHERE sex = 'P') AS p,
             count(*) FILTER (WHERE sex = '') AS n, count(*) AS total
        FROM e GROUP BY month ORDER BY month) x),
  (SELECT json_agg(x ORDER BY x.prefix_length, x.code) FROM (
      SELECT g.*, rg.name FROM (
          SELECT place.prefix_length, place.code,
                 count(DISTINCT training_id) AS trainings,
                 count(*) FILTER (WHERE sex = 'L') AS l,
                 count(*) FILTER (WHERE sex = 'P') AS p,
                 count(*) FILTER (WHERE sex = '') AS n, count(*) AS total,
                 count(DISTINCT participant_id) FILTER (WHERE sex = 'L') AS persons_l,
                 count(DISTINCT participant_id) FILTER (WHERE sex = 'P') AS persons_p,
                 count(DISTINCT participant_id) FILTER (WHERE sex = '') AS persons_n,
                 count(DISTINCT participant_id) AS persons
            FROM e CROSS JOIN LATERAL (
                 VALUES (2, left(e.region_code, 2)), (5, left(e.region_code, 5))
                 ) place (prefix_length, code)
           GROUP BY place.prefix_length, place.code) g
      LEFT JOIN regions_region rg ON rg.code = g.code) x)
"""


def _median_seconds(function, runs: int = 3) -> float:
    function()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure_report() -> dict:
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from regions.models import Region

    client = _client()
    filters = _report_filters()
    query = "?" + urlencode(filters)
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")

    def getter(url, *, cold=True):
        # Cold: the report's tables are cached per filter (setara.data_version);
        # the bound is on computing them, so every request starts without them.
        def page():
            if cold:
                caches["data"].clear()
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return page

    def queries(page) -> int:
        with CaptureQueriesContext(connection) as captured:
            page()
        # Transaction control (psycopg 3 logs BEGIN and COMMIT) is not a query.
        return sum(
            1 for q in captured.captured_queries if not q["sql"].startswith(control)
        )

    code = filters["region"]
    params = {
        "start": filters["period_after"],
        "end": filters["period_before"],
        "region": Region.objects.get(code=code).pk,
        "below": code + ".%",  # every region below it, as regions.models.within_q
    }

    def sql():
        with connection.cursor() as cursor:
            cursor.execute(REPORT_SQL, params)
            cursor.fetchall()

    page = getter(reverse("trainings:report") + query)
    # The per-training tab, for information: it has no single-query counterpart.
    trainings_page = getter(reverse("trainings:report_trainings") + query)
    page_seconds = _median_seconds(page)
    sql_seconds = _median_seconds(sql)
    return {
        "report_vs_sql": round(page_seconds / sql_seconds, 2),
        "report_queries": queries(page),
        "report_page_seconds": round(page_seconds, 3),
        "report_sql_seconds": round(sql_seconds, 3),
        "report_trainings_page_seconds": round(_median_seconds(trainings_page), 3),
        "report_trainings_queries": queries(trainings_page),
        "report_cached_page_seconds": round(
            _median_seconds(getter(reverse("trainings:report") + query, cold=False)),
            4,
        ),
        "report_cached_queries": queries(
            getter(reverse("trainings:report") + query, cold=False)
        ),
    }


def measure_export(url: str) -> dict:
    """The participant list of everyone as a job, and the plain writers
    (``bench/export_job.py``)."""
    job = measure_export_job(url)
    fastest = measure_fastest(url)
    if fastest["fastest_rows"] != job["export_rows"]:
        sys.exit(f"rows differ: {job['export_rows']} {fastest['fastest_rows']}")
    ratio = job["export_job_seconds"] / fastest["fastest_seconds"]
    return {"export_vs_fastest": round(ratio, 2), **job, **fastest}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    started = time.perf_counter()
    # The bench and its worker share one media folder for the job's file.
    media = tempfile.TemporaryDirectory(prefix="setara-bench-media-")
    os.environ["SETARA_BENCH_MEDIA"] = media.name
    recreate_database(url)
    _setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    counts = build(args.scale)
    for name, value in counts.items():
        print(f"rows_{name} {value}", flush=True)
    print(f"build_seconds {time.perf_counter() - started:.1f}", flush=True)

    results = {**measure_report(), **measure_export(url)}
    print(f"export_rows {results.pop('export_rows')}")
    for name in BOUNDS:
        print(f"{name} {results[name]}")
    for name, value in results.items():
        if name not in BOUNDS:
            print(f"info_{name} {value}")
    print(f"info_total_seconds {time.perf_counter() - started:.1f}")
    media.cleanup()
    failed = [
        name
        for name, bound in BOUNDS.items()
        if results[name] > bound
        or (name == "export_peak_mb" and results[name] == bound)
    ]
    for name in failed:
        print(f"out_of_bound {name} (bound {BOUNDS[name]})", file=sys.stderr)
    if results["fastest_rows"] != counts["participants"]:
        print("out_of_bound export_rows (every participant)", file=sys.stderr)
        failed.append("export_rows")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
