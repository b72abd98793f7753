"""The villages of an import: each row's "Desa/Kelurahan" text (narrowed by its
"Kecamatan" text) matched to a village region of the training's regency.

A village is optional data: a row whose village is not found, or matches several
villages and the user did not pick one, keeps its text only
(``ImportRow.village_as_written``); it never stops the import. Nothing here
writes to the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from participants.normalisation import DISTRICT_PREFIXES, place_key
from regions.models import REGENCY_LEVELS, VILLAGE_LEVELS, Region, regency_code

from .rows import ImportRow


@dataclass
class VillageMatch:
    """One distinct village of the file (its text and district text, compared
    by ``place_key``) and what the regions say about it.

    ``region`` is the village the rows get: the one village of that name (in
    that district, when the district is given and matches), or the candidate
    the user chose; None keeps the text only. ``candidates`` are the villages
    the user may choose from when the name alone does not settle it: several
    villages of that name, or villages of that name whose district is not the
    one written. ``rows`` are spreadsheet row numbers. ``village`` and
    ``district`` are the first row's texts; ``written`` every distinct
    "village, district" text of the rows as written ("Desa Tompobulu" and
    "Tompobulu" are one village, shown as both).
    """

    key: str
    village: str
    district: str
    rows: list[int]
    region: Region | None = None
    candidates: list[Region] = field(default_factory=list)
    chosen: bool = False
    written: list[tuple[str, str]] = field(default_factory=list)

    @property
    def code(self) -> str:
        """The chosen or matched village's code, "" when kept as text."""
        return self.region.code if self.region is not None else ""

    @property
    def ambiguous(self) -> bool:
        """Whether the user may pick a village among ``candidates``."""
        return bool(self.candidates)


def village_key(row: ImportRow) -> str:
    """The key of a row's village (``""`` when the row has no village text):
    the village and the district compared by ``place_key``."""
    village = place_key(row.village)
    if not village:
        return ""
    return f"{village}|{place_key(row.district, DISTRICT_PREFIXES)}"


def village_scope(training) -> Region | None:
    """The region whose villages a training's rows are matched with: the
    training's regency or city (the first two parts of its region's code), or
    its province when the training is recorded for a whole province; None when
    the training has no region. One query at most (none for a regency)."""
    if training.region_id is None:
        return None
    region = training.region
    if region.level in REGENCY_LEVELS or "." not in region.code:
        return region
    return Region.objects.filter(code=regency_code(region.code)).first()


def match_villages(
    training, rows: list[ImportRow], choices: dict[str, str]
) -> dict[str, VillageMatch]:
    """Village key -> ``VillageMatch`` for the villages written in ``rows``.

    Names are compared by ``place_key`` (case, spaces, punctuation and a leading
    "Desa", "Ds.", "Kel." or "Kelurahan" ignored), among the villages (desa and
    kelurahan, active or not) under the training's regency or city, or its
    province when the training is recorded for a whole province (the code's
    first two parts, ``regions.models.regency_code``, as ``village_scope``
    without reading that region); a district text narrows them to the
    villages of the districts of that name. One village
    left is the match; several, or villages of that name whose district is not
    the one written, are candidates, and ``choices`` (village key -> code, the
    user's picks) picks one of them; a choice that is not a candidate is
    ignored. One query for the file (all the villages of the regency,
    at most a few thousand), whatever its number of rows.
    """
    matches: dict[str, VillageMatch] = {}
    for row in rows:
        key = village_key(row)
        if not key:
            continue
        if key not in matches:
            matches[key] = VillageMatch(
                key=key, village=row.village, district=row.district, rows=[]
            )
        matches[key].rows.append(row.row)
        if (row.village, row.district) not in matches[key].written:
            matches[key].written.append((row.village, row.district))
    if not matches or training.region_id is None:
        return matches
    by_name = _villages_by_name(regency_code(training.region.code))
    for match in matches.values():
        name_key, district_key = match.key.split("|")
        found = by_name.get(name_key, [])
        in_district = [
            v
            for v in found
            if place_key(v.parent.name, DISTRICT_PREFIXES) == district_key
        ]
        if district_key:
            found, settled = (in_district, True) if in_district else (found, False)
        else:
            settled = True
        if len(found) == 1 and settled:
            match.region = found[0]
            continue
        match.candidates = found
        chosen = choices.get(match.key)
        for village in found:
            if village.code == chosen:
                match.region, match.chosen = village, True
    return matches


def _villages_by_name(scope_code: str) -> dict[str, list[Region]]:
    """``place_key(name)`` -> the villages of that name under the region whose
    code is ``scope_code``, by code, with their district and regency joined
    (for ``Region.label``)."""
    villages = (
        Region.objects.filter(
            level__in=VILLAGE_LEVELS, code__startswith=scope_code + "."
        )
        .with_parents()
        .order_by("code")
    )
    by_name = defaultdict(list)
    for village in villages:
        by_name[place_key(village.name)].append(village)
    return by_name
