"""Benchmark: one page of the probable duplicates list with many people in one
agency; not a test.

    .venv/bin/python bench/duplicates_bench.py [--people 4000] [--repeat 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/setara_bench \\
        .venv/bin/python bench/duplicates_bench.py

Runs in a throwaway test database (``test_`` + the name in DATABASE_URL, or
in-memory SQLite when DATABASE_URL is unset), created and destroyed here. Adds
``--people`` participants to one agency (generated Indonesian names: given names,
"Muh."/"Muhammad" and "St."/"Sitti" spellings, one-letter typos, some shared
phones), then opens the duplicates page (``merging:duplicates``) as a coordinator
through Django's test client, ``--repeat`` times after a warm-up.

Prints ``name value`` lines: ``people``, ``pairs`` (pairs on the list),
``queries`` (of one page, session and permission look-ups included),
``page_seconds`` (the best run) and ``ok`` (1 when the page takes under
``TARGET_SECONDS``); the exit status is 1 otherwise.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

from common import client_verified

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 2.0

GIVEN = [
    "Andi", "Baso", "Nurhaeda", "Rahman", "Sitti", "St.", "Muh.", "Muhammad",
    "Moh.", "Abd.", "Abdul", "Hasnah", "Rina", "Rini", "Syamsul", "Haeruddin",
    "Nurhayati", "Kartini", "Ahmad", "Irwan", "Fatmawati", "Suriani", "Jumriah",
    "Bahtiar", "Hasanuddin", "Darmawati", "Ismail", "Rosmini", "Nurdin", "Asriani",
]  # fmt: skip
FAMILY = [
    "Rahman", "Basri", "Baso", "Sulaiman", "Hamzah", "Amir", "Latif", "Yusuf",
    "Hakim", "Ramli", "Nasir", "Saleh", "Arifin", "Karim", "Syukur", "Halim",
    "Rauf", "Tahir", "Mansur", "Jalil",
]  # fmt: skip
TITLES = ["", "", "", "Hj. ", "Dra. ", "Ir. "]


def person_name(rng: random.Random) -> str:
    """A generated name: a title sometimes, one or two given names, a family name,
    a one-letter typo in about one name in twenty."""
    words = [rng.choice(GIVEN) for _ in range(rng.randint(1, 2))]
    name = f"{rng.choice(TITLES)}{' '.join(words)} {rng.choice(FAMILY)}"
    if rng.random() < 0.05:
        position = rng.randrange(len(name))
        name = name[:position] + rng.choice("aeiouy") + name[position + 1 :]
    return name


def build(people: int) -> None:
    """``people`` participants in one agency, in bulk (about 1% share a phone)."""
    from participants.models import Agency, Participant
    from participants.normalisation import normalise_name
    from regions.models import Region

    rng = random.Random(11)
    agency = Agency.objects.create(
        name="Dinas Uji Duplikat Kabupaten Maros",
        region=Region.objects.get(code="73.09"),
    )
    rows = []
    for index in range(people):
        name = person_name(rng)
        phone = f"+62812{rng.randrange(people * 50):07d}" if index % 3 == 0 else ""
        rows.append(
            Participant(
                full_name=name,
                normalised_name=normalise_name(name),
                agency=agency,
                phone=phone,
                sex=rng.choice("LP"),
            )
        )
    Participant.objects.bulk_create(rows, batch_size=500)


def time_page(user, repeat: int) -> dict:
    """The duplicates page, best of ``repeat`` runs after a warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = client_verified(user)  # a coordinator: second factor given
    url = reverse("merging:duplicates")
    assert client.get(url).status_code == 200  # warm-up: caches, templates
    best = None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            seconds = time.perf_counter() - start
        assert response.status_code == 200, response.status_code
        best = seconds if best is None else min(best, seconds)
    pairs = response.context["page_obj"].paginator.count
    return {"page_seconds": best, "queries": len(queries), "pairs": pairs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=4000)
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
        from setara import roles
        from tests.factories import UserFactory

        build(args.people)
        user = UserFactory(username="bench", role=roles.COORDINATOR)
        result = time_page(user, args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    ok = result["page_seconds"] < TARGET_SECONDS
    lines = {
        "people": args.people,
        "pairs": result["pairs"],
        "queries": result["queries"],
        "page_seconds": f"{result['page_seconds']:.3f}",
        "ok": int(ok),
    }
    for name, value in lines.items():
        print(name, value)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
