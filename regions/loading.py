"""Loading the Kemendagri region list (``manage.py load_regions``).

The file is ``code,name`` (UTF-8 CSV, optionally gzip-compressed, with or without
that header line), one region per line, as shipped in
``regions/data/kemendagri-2025.csv.gz`` (see ``regions/data/SOURCE.md``). Loading
is idempotent and follows a newer decree with the same command:

- a code not in the database is created, its parent found by its code (the code
  without its last part, in the file or already in the database);
- a code whose name differs is renamed (names are cleaned as every name is:
  ``setara.text.clean_text``); an inactive code found again is reactivated;
- a code in the database but not in the file is marked inactive, never deleted
  (records name it) and never given to another place.

The whole file is checked first; any bad line (a code of the wrong shape, a BPS
code, an empty name, a code twice, a parent missing) refuses the whole file with
``RegionFileError`` naming each line, and nothing is written. The writes are
bulk (``bulk_create``/``bulk_update`` in batches, by depth) in one transaction.
"""

import contextlib
import csv
import gzip
import io
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from setara.text import clean_text

from .models import (
    LEVEL_DEPTH,
    Level,
    Region,
    level_of_code,
    parent_code,
    search_name_of,
)

#: The list shipped with the code: Kepmendagri No. 300.2.2-2138 Tahun 2025.
DEFAULT_PATH = Path(__file__).parent / "data" / "kemendagri-2025.csv.gz"
BATCH_SIZE = 2000
#: Bad lines named in a refusal; more are counted, not listed.
MAX_ERRORS_SHOWN = 20
ACTIONS = ("created", "renamed", "reactivated", "deactivated", "unchanged")


class RegionFileError(ValueError):
    """The file was refused; ``errors`` lists one message per bad line."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > len(shown):
            shown.append(_("… and %(n)d more.") % {"n": len(errors) - len(shown)})
        super().__init__("\n".join(shown))


@dataclass
class LoadResult:
    """What one load did: ``counts[level][action]``, ``action`` one of
    ``ACTIONS``; ``seconds`` is the wall time of the load."""

    counts: dict[str, Counter] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, level: str, action: str, n: int = 1) -> None:
        self.counts.setdefault(level, Counter())[action] += n

    def total(self, action: str) -> int:
        return sum(counter[action] for counter in self.counts.values())

    @property
    def changed(self) -> int:
        """Rows created, renamed, reactivated or deactivated."""
        return sum(self.total(action) for action in ACTIONS if action != "unchanged")

    def lines(self) -> list[str]:
        """One line per level, in level order: "Village: 83762 created, ..."."""
        lines = []
        for level in Level:
            counter = self.counts.get(level.value)
            if counter:
                parts = ", ".join(f"{counter[a]} {a}" for a in ACTIONS if counter[a])
                lines.append(f"{level.label}: {parts}")
        return lines


def regions_load(
    path_or_file: str | Path | IO | None = None,
    *,
    stdout=None,
    deactivate_missing: bool = True,
) -> LoadResult:
    """Load ``path_or_file`` (a path, ``.gz`` or plain, or an open binary or text
    file; ``None`` = ``DEFAULT_PATH``) into ``Region``, as the module docstring
    says. Writes one line per level to ``stdout`` (a file-like) when given.
    ``deactivate_missing=False`` leaves regions missing from the file as they
    are (for a partial file such as the tests' sample).

    Raises ``RegionFileError`` (nothing written) for a bad file.
    """
    started = time.monotonic()
    rows = _read(path_or_file if path_or_file is not None else DEFAULT_PATH)
    result = LoadResult()
    with transaction.atomic():
        existing = {
            code: (pk, name, level, active)
            for pk, code, name, level, active in Region.objects.values_list(
                "pk", "code", "name", "level", "is_active"
            )
        }
        pks = {code: values[0] for code, values in existing.items()}
        _check_parents(rows, pks)
        for depth in range(4):
            level_rows = [row for row in rows if LEVEL_DEPTH[row[2]] == depth]
            _create(level_rows, existing, pks, result)
            _update(level_rows, existing, result)
        if deactivate_missing:
            _deactivate(rows, existing, result)
    if result.changed:
        _refresh_statistics()
    result.seconds = time.monotonic() - started
    if stdout is not None:
        for line in result.lines():
            stdout.write(line + "\n")
    return result


def _read(source) -> list[tuple[str, str, str]]:
    """The file's rows as ``(code, name, level)``, checked; raises
    ``RegionFileError`` listing every bad line."""
    rows, errors, seen = [], [], {}
    with _open_text(source) as text:
        reader = csv.reader(text)
        for record in reader:
            number = reader.line_num
            if number == 1 and [c.strip().lower() for c in record] == ["code", "name"]:
                continue
            if not record or not any(c.strip() for c in record):
                continue
            if len(record) != 2:
                errors.append(
                    _(
                        "Line %(line)d: expected two columns, code and name; "
                        "found %(n)d."
                    )
                    % {"line": number, "n": len(record)}
                )
                continue
            code, name = record[0].strip(), clean_text(record[1])
            try:
                level = level_of_code(code)
            except ValidationError as error:
                errors.append(
                    _("Line %(line)d: %(message)s")
                    % {"line": number, "message": " ".join(error.messages)}
                )
                continue
            if not name:
                errors.append(
                    _("Line %(line)d: the region %(code)s has no name.")
                    % {"line": number, "code": code}
                )
            elif code in seen:
                errors.append(
                    _("Line %(line)d: the code %(code)s is already on line %(first)d.")
                    % {"line": number, "code": code, "first": seen[code]}
                )
            else:
                seen[code] = number
                rows.append((code, name, level))
    if errors:
        raise RegionFileError(errors)
    return rows


def _open_text(source):
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.suffix == ".gz":
            return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
        return open(path, encoding="utf-8-sig", newline="")
    if isinstance(source, io.TextIOBase):
        return contextlib.nullcontext(source)  # the caller closes its file
    data = source.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if isinstance(data, str):
        return io.StringIO(data, newline="")
    return io.StringIO(data.decode("utf-8-sig"), newline="")


def _check_parents(rows, pks) -> None:
    """Every region's parent is in the file or already in the database."""
    codes = {row[0] for row in rows}
    errors = [
        _("The parent %(parent)s of %(code)s is neither in the file nor loaded.")
        % {"parent": parent, "code": code}
        for code, _name, _level in rows
        if (parent := parent_code(code)) and parent not in codes and parent not in pks
    ]
    if errors:
        raise RegionFileError(errors)


def _create(rows, existing, pks, result) -> None:
    new = [
        Region(
            code=code,
            name=name,
            level=level,
            parent_id=pks[parent_code(code)] if parent_code(code) else None,
            search_name=search_name_of(name, level),
        )
        for code, name, level in rows
        if code not in existing
    ]
    if not new:
        return
    created = Region.objects.bulk_create(new, batch_size=BATCH_SIZE)
    if all(region.pk for region in created):
        pks.update((region.code, region.pk) for region in created)
    else:  # a database that does not return primary keys from bulk inserts
        codes = [region.code for region in created]
        for start in range(0, len(codes), BATCH_SIZE):
            pks.update(
                Region.objects.filter(
                    code__in=codes[start : start + BATCH_SIZE]
                ).values_list("code", "pk")
            )
    for level, n in Counter(region.level for region in created).items():
        result.add(level, "created", n)


def _update(rows, existing, result) -> None:
    changed = []
    for code, name, level in rows:
        if code not in existing:
            continue
        pk, old_name, old_level, active = existing[code]
        if old_name == name and old_level == level and active:
            result.add(level, "unchanged")
            continue
        result.add(level, "reactivated" if not active else "renamed")
        changed.append(
            Region(
                pk=pk,
                name=name,
                level=level,
                is_active=True,
                search_name=search_name_of(name, level),
            )
        )
    Region.objects.bulk_update(
        changed, ["name", "level", "is_active", "search_name"], batch_size=BATCH_SIZE
    )


def _deactivate(rows, existing, result) -> None:
    codes = {row[0] for row in rows}
    gone = [
        (values[0], values[2])
        for code, values in existing.items()
        if code not in codes and values[3]
    ]
    pks = [pk for pk, _level in gone]
    for start in range(0, len(pks), BATCH_SIZE):
        Region.objects.filter(pk__in=pks[start : start + BATCH_SIZE]).update(
            is_active=False
        )
    for level, n in Counter(level for _pk, level in gone).items():
        result.add(level, "deactivated", n)


def _refresh_statistics() -> None:
    """After a bulk load, PostgreSQL's planner still thinks the table is tiny
    and its index-only scans need the visibility map: ``VACUUM ANALYZE`` the
    table (only possible outside a transaction; ``ANALYZE`` inside one).
    SQLite plans the search well without statistics."""
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(Region._meta.db_table)
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
