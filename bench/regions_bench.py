"""Benchmark: loading every Kemendagri region, and the picker's lookup at
91,599 regions; not a test.

    .venv/bin/python bench/regions_bench.py [--repeat 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/setara_bench \\
        .venv/bin/python bench/regions_bench.py

Runs in a throwaway test database (``test_`` + the name in DATABASE_URL, or an
SQLite file in a temporary folder when DATABASE_URL is unset, as the demo's
database is a file), created and destroyed here, migrated as usual (the seeded
73 and 73.09 included). Loads the shipped file (``regions.loading.regions_load``)
once, then again (nothing to change), then searches the picker's queries both
through ``RegionQuerySet.search`` (active regions, parents joined, 21 rows, as
the view reads them) and through the ``regions:autocomplete`` view with a logged-in
client, best of ``--repeat`` runs after a warm-up.

Prints ``name value`` lines: ``regions``, ``load_seconds``, ``reload_seconds``,
``search_ms <query>``, ``view_ms <query>`` and ``near_view_ms <query>`` (the
view with ``near=53.71``; milliseconds), ``ok`` (1 when
both loads are under ``LOAD_TARGET_SECONDS`` and every search under
``SEARCH_TARGET_MS``); the exit status is 1 otherwise.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOAD_TARGET_SECONDS = 30.0
SEARCH_TARGET_MS = 50.0
QUERIES = [
    "maros",
    "kab maros",
    "kota makassar",
    "makassar",
    "tompobulu",
    "kec tompobulu",
    "kupang",
    "su",  # two letters: the widest prefix the picker sends
    "ba",
    "ntt",  # a province's short name
    "tompobulu maros",  # a name, then a place above it
    "manulai kupang",
    "ba kupang",  # the widest name with a place
    "su sulsel",
    "su ba",
]
#: The same searches from a training in Kota Kupang (the village picker's hint).
NEAR = "53.71"


def best_ms(function, repeat: int) -> float:
    function()  # warm-up
    best = None
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
    return best * 1000


def measure(repeat: int) -> dict:
    from django.test import Client
    from django.urls import reverse

    from regions.loading import regions_load
    from regions.models import Region
    from setara import roles
    from tests.factories import UserFactory

    result = {"load_seconds": regions_load().seconds}
    result["reload_seconds"] = regions_load().seconds
    result["regions"] = Region.objects.count()
    client = Client()
    client.force_login(UserFactory(username="bench", role=roles.PROGRAMME_STAFF))
    url = reverse("regions:autocomplete")
    for query in QUERIES:
        result[f"search_ms {query}"] = best_ms(
            lambda: list(
                Region.objects.active()
                .search(query, limit=21)  # noqa: B023
                .with_parents()
            ),
            repeat,
        )
        result[f"view_ms {query}"] = best_ms(
            lambda: client.get(url, {"q": query}),  # noqa: B023
            repeat,
        )
        result[f"near_view_ms {query}"] = best_ms(
            lambda: client.get(url, {"q": query, "near": NEAR}),  # noqa: B023
            repeat,
        )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "setara.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    folder = tempfile.TemporaryDirectory()
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(Path(folder.name) / "bench.db")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        result = measure(args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        folder.cleanup()
    searches = [v for k, v in result.items() if k.split()[0].endswith("_ms")]
    ok = (
        max(result["load_seconds"], result["reload_seconds"]) < LOAD_TARGET_SECONDS
        and max(searches) < SEARCH_TARGET_MS
    )
    print("database", connection.vendor)
    for name, value in result.items():
        print(name, f"{value:.3f}" if isinstance(value, float) else value)
    print("ok", int(ok))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
