"""Administrative regions of Indonesia, shared by trainings, agencies and referrals.

Codes follow the Ministry of Home Affairs (Kemendagri) region codes, as published in
Kepmendagri No. 300.2.2-2138 Tahun 2025 (kode dan data wilayah administrasi
pemerintahan); ``regions/data/SOURCE.md`` names the transcription shipped here.
A code is dotted text, one part per level, and the parent of a region is its code
without the last part:

========  ===============  ===============================================
level     code             rule
========  ===============  ===============================================
province  ``73``           two digits (Sulawesi Selatan)
regency   ``73.09``        second part 01-69: kabupaten (Kabupaten Maros)
city      ``73.71``        second part 71-99: kota (Kota Makassar)
district  ``73.09.11``     kecamatan (Tompobulu)
village   ``73.09.11.2001``  desa: last part starts with 2 (or 3, desa adat)
urban     ``73.71.01.1001``  kelurahan: last part starts with 1
========  ===============  ===============================================

These are not the statistics bureau's (BPS) codes: BPS writes Maros as 7308, the
decree as 73.09; a code without dots is refused with a message saying so.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from setara.fields import SingleLineCharField

PROVINCE_CODE_RE = r"^[0-9]{2}$"
REGENCY_CODE_RE = r"^[0-9]{2}\.(0[1-9]|[1-6][0-9])$"
CITY_CODE_RE = r"^[0-9]{2}\.(7[1-9]|[89][0-9])$"
DISTRICT_CODE_RE = r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$"
VILLAGE_CODE_RE = r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[2-9][0-9]{3}$"
URBAN_VILLAGE_CODE_RE = r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.1[0-9]{3}$"
#: Any Kemendagri code, one to four dotted parts (shape only, not the level).
ANY_CODE_RE = r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$"
#: Digits without dots: a BPS (statistics bureau) code such as 7308 or 7308010.
BPS_CODE_RE = r"^[0-9]{4,10}$"

#: Longest code: ``73.09.11.2001``.
CODE_MAX_LENGTH = 13


class Level(models.TextChoices):
    """The level of a region; regency/city and desa/kelurahan are told apart by
    the code (see the module docstring)."""

    PROVINCE = "province", _("Province")
    REGENCY = "regency", _("Regency")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    # "Village" alone elsewhere means desa or kelurahan; as a level it is a desa.
    VILLAGE = "village", pgettext_lazy("region level", "Village (desa)")
    URBAN_VILLAGE = (
        "urban_village",
        pgettext_lazy("region level", "Urban village (kelurahan)"),
    )


VILLAGE_LEVELS = (Level.VILLAGE.value, Level.URBAN_VILLAGE.value)
REGENCY_LEVELS = (Level.REGENCY.value, Level.CITY.value)
#: Levels from the top: provinces 0, regencies and cities 1, districts 2, villages 3.
LEVEL_DEPTH = {
    Level.PROVINCE: 0,
    Level.REGENCY: 1,
    Level.CITY: 1,
    Level.DISTRICT: 2,
    Level.VILLAGE: 3,
    Level.URBAN_VILLAGE: 3,
}
LEVEL_CODE_RES = {
    Level.PROVINCE: PROVINCE_CODE_RE,
    Level.REGENCY: REGENCY_CODE_RE,
    Level.CITY: CITY_CODE_RE,
    Level.DISTRICT: DISTRICT_CODE_RE,
    Level.VILLAGE: VILLAGE_CODE_RE,
    Level.URBAN_VILLAGE: URBAN_VILLAGE_CODE_RE,
}

CODE_SHAPE_HELP = _(
    "A Kemendagri code has dotted parts: 73 (province), 73.09 (regency or city), "
    "73.09.11 (district), 73.09.11.2001 (village)."
)


def level_of_code(code: str) -> str:
    """The ``Level`` value of a Kemendagri code: ``level_of_code("73.71") ==
    "city"``, ``level_of_code("73.09.11.2001") == "village"``.

    Raises ``ValidationError`` (code ``bps_code``) for digits without dots such as
    ``7308`` (a BPS statistics code) and (code ``bad_code``) for any other shape,
    each message naming the code and the expected shape.
    """
    code = (code or "").strip()
    for level, pattern in LEVEL_CODE_RES.items():
        if re.match(pattern, code):
            return level.value
    if re.match(BPS_CODE_RE, code):
        raise ValidationError(
            _(
                "%(code)s looks like a BPS (statistics bureau) code; Kemendagri "
                "codes are dotted, for example 73.09 for Kabupaten Maros."
            ),
            code="bps_code",
            params={"code": code},
        )
    raise ValidationError(
        _("%(code)s is not a Kemendagri region code. %(shape)s"),
        code="bad_code",
        params={"code": code, "shape": CODE_SHAPE_HELP},
    )


def parent_code(code: str) -> str | None:
    """The parent's code: the code without its last part (``"73.09.11"`` ->
    ``"73.09"``); ``None`` for a province. Does not validate the code."""
    head, dot, _last = code.rpartition(".")
    return head if dot else None


def regency_code(code: str) -> str:
    """The code of the regency or city a region lies in: its first two parts
    (``"73.09.11.2001"`` -> ``"73.09"``); a province's own code (``"73"``).
    Does not validate the code."""
    return ".".join(code.split(".")[:2])


#: Words that name a level at the start of a regency's name or of a query.
_LEVEL_WORDS = {
    "prov": (Level.PROVINCE,),
    "provinsi": (Level.PROVINCE,),
    "kab": (Level.REGENCY,),
    "kabupaten": (Level.REGENCY,),
    "kota": (Level.CITY,),
    "kec": (Level.DISTRICT,),
    "kecamatan": (Level.DISTRICT,),
    "desa": (Level.VILLAGE,),
    "kel": (Level.URBAN_VILLAGE,),
    "kelurahan": (Level.URBAN_VILLAGE,),
}
#: Short names of provinces in common use (news, government letters, the
#: provinces' own sites), each read as that province by ``RegionQuerySet.search``:
#: typed alone ("ntt") or as a place after a name ("manulai ntt"). Keys are
#: normalised text, values Kemendagri province codes (the decree's, see the module
#: docstring). Only names in wide use are listed; the newer Papua provinces have
#: no settled short name except Papua Barat Daya's "PBD".
PROVINCE_ALIASES = {
    "nad": "11",  # Nanggroe Aceh Darussalam, the former name
    "sumut": "12",
    "sumbar": "13",
    "sumsel": "16",
    "babel": "19",
    "kepri": "21",
    "dki": "31",
    "jakarta": "31",  # the decree's name starts "Daerah Khusus Ibukota"
    "jabar": "32",
    "jateng": "33",
    "diy": "34",
    "jogja": "34",
    "jatim": "35",
    "ntb": "52",
    "ntt": "53",
    "kalbar": "61",
    "kalteng": "62",
    "kalsel": "63",
    "kaltim": "64",
    "kaltara": "65",
    "sulut": "71",
    "sulteng": "72",
    "sulsel": "73",
    "sultra": "74",
    "sulbar": "76",
    "malut": "82",
    "pabar": "92",
    "pbd": "96",
}
#: Most words after the name that ``RegionQuerySet.search`` reads as places.
_MAX_PLACE_WORDS = 3
#: Leading words dropped from regency and city names in ``search_name``.
_NAME_PREFIX_RE = re.compile(r"^(kabupaten|kota)( administrasi)? ")


def normalise_search_text(text: str) -> str:
    """Lower-case ASCII words separated by one space: accents dropped,
    punctuation and spaces collapsed (``"Kab. MAROS "`` -> ``"kab maros"``)."""
    text = unicodedata.normalize("NFKD", text or "")
    text = text.encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def search_name_of(name: str, level: str) -> str:
    """The indexed ``Region.search_name``: the normalised name, without the
    leading "Kabupaten"/"Kota" ("Administrasi") of regencies and cities, so
    "makassar" finds Kota Makassar by prefix."""
    text = normalise_search_text(name)
    if level in REGENCY_LEVELS:
        text = _NAME_PREFIX_RE.sub("", text)
    return text


def within_q(region, field: str = "region") -> Q:
    """A Q for rows whose ``field`` (a lookup to a ``Region``) is ``region`` or
    any region below it at any depth, by code prefix: a province includes its
    regencies, their districts and villages. ``region`` is a ``Region`` (its
    code is read; no query). The one rule for "a region includes what is below
    it" (``Training.objects.filter(within_q(sulsel))``).
    """
    return Q(**{field: region}) | Q(**{f"{field}__code__startswith": region.code + "."})


def _prefix_q(field: str, prefix: str, vendor: str) -> Q:
    """Rows whose ``field`` starts with ``prefix`` (normalised text: ASCII
    letters, digits, single spaces), written so an index answers it: a range on
    SQLite (binary collation), ``LIKE 'x%'`` on PostgreSQL (Django's
    ``varchar_pattern_ops`` index)."""
    if vendor == "postgresql":
        return Q(**{f"{field}__startswith": prefix})
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


class RegionQuerySet(models.QuerySet):
    def provinces(self):
        """Provinces, by code."""
        return self.filter(level=Level.PROVINCE).order_by("code")

    def regencies(self):
        """Regencies and cities, by code."""
        return self.filter(level__in=REGENCY_LEVELS).order_by("code")

    def at_levels(self, *levels: str):
        """Regions at any of ``levels`` (``Level`` values); all when none given."""
        return self.filter(level__in=levels) if levels else self

    def active(self):
        """Regions in the current decree (``is_active``)."""
        return self.filter(is_active=True)

    def with_parents(self):
        """Regions with their parents joined, so ``label`` needs no query."""
        return self.select_related("parent__parent__parent")

    def search(
        self,
        text: str,
        *,
        limit: int | None = None,
        offset: int = 0,
        near: str | None = None,
    ):
        """Regions whose name starts with ``text``, best first: regions within
        ``near`` (a Kemendagri code, e.g. the training's regency "53.71"), then
        within its province, then the rest; in each, the exact name, then longer
        names; higher levels first, then by name and code.

        ``text`` is compared case-, accent-, space- and punctuation-insensitively
        (``normalise_search_text``). A leading level word narrows the level
        ("kab maros", "kota makassar", "kec tompobulu", "desa ...", "kel ...",
        "prov ...") or is read as part of the name ("Kota Baru" the village).
        "Kabupaten"/"Kota" are not part of the indexed name of regencies and
        cities, so "maros" finds Kabupaten Maros. A province's short name
        (``PROVINCE_ALIASES``: "ntt", "sulsel") finds the province. Words after
        the first may name a place above ("tompobulu maros", "manulai kota
        kupang", "manulai ntt"): the first word is then the start of the name and
        the other words, together or each, the start of a parent's,
        grandparent's or great-grandparent's name (or a province's short name).
        Empty text finds nothing; ``near`` that is not a code is ignored.

        One query, answered by the ``region_search`` index. With ``limit`` (the
        pickers), the best ``limit`` primary keys after ``offset`` are chosen
        inside the index first, so joins added later (``with_parents()``) touch
        those rows only: a two-letter prefix matches thousands of villages
        (timings in bench/regions_bench.py). Filter before calling ``search``
        when ``limit`` is given.
        """
        query = normalise_search_text(text)
        if not query:
            return self.none()
        vendor = connections[self.db].vendor
        condition, exact = _search_conditions(query, vendor)
        near = near if near and re.fullmatch(ANY_CODE_RE, near) else None
        found = _ranked(self.filter(condition), exact, near)
        if limit is None:
            return found
        best = found.values("pk")[offset : offset + limit]
        return _ranked(self.model._default_manager.filter(pk__in=best), exact, near)


def _search_conditions(query: str, vendor: str) -> tuple[Q, Q]:
    """``(matches, exact)`` for ``RegionQuerySet.search`` of normalised ``query``:
    which regions it finds, and which of those it names exactly."""
    condition = _prefix_q("search_name", query, vendor)
    exact = Q(search_name=query)
    first, _space, rest = query.partition(" ")
    if first in _LEVEL_WORDS and rest:
        at_level = Q(level__in=_LEVEL_WORDS[first])
        condition |= at_level & _prefix_q("search_name", rest, vendor)
        exact |= at_level & Q(search_name=rest)
    if alias := PROVINCE_ALIASES.get(query.replace(" ", "")):  # "Sul-Sel" too
        province = Q(level=Level.PROVINCE, code=alias)
        condition |= province
        exact |= province
    # "tompobulu maros", "kec tompobulu maros": a name's first word, then places.
    name, _space, place_text = query.partition(" ")
    named = Q()
    if name in _LEVEL_WORDS and place_text:
        named = Q(level__in=_LEVEL_WORDS[name])
        name, _space, place_text = place_text.partition(" ")
    if place_text and len(name) > 1:
        places = _place_q(place_text, vendor)
        words = place_text.split(" ")
        if 1 < len(words) <= _MAX_PLACE_WORDS:
            each = Q()
            for word in words:
                each &= _place_q(word, vendor)
            places |= each
        condition |= named & _prefix_q("search_name", name, vendor) & places
        exact |= named & Q(search_name=name) & places
    return condition, exact


def _place_q(text: str, vendor: str) -> Q:
    """Regions with a parent, grandparent or great-grandparent whose name starts
    with ``text`` (normalised; a leading level word narrows that place's level:
    "kab maros", "kota kupang"), or within the province ``text`` is a short name
    of (``PROVINCE_ALIASES``)."""
    first, _space, rest = text.partition(" ")
    levels = _LEVEL_WORDS.get(first) if rest else None
    q = Q()
    for path in ("parent__", "parent__parent__", "parent__parent__parent__"):
        q |= _prefix_q(path + "search_name", text, vendor)
        if levels:
            q |= Q(**{path + "level__in": levels}) & _prefix_q(
                path + "search_name", rest, vendor
            )
    if alias := PROVINCE_ALIASES.get(text.replace(" ", "")):
        q |= Q(code__startswith=alias + ".")
    return q


def _ranked(queryset, exact: Q, near: str | None = None):
    """``queryset`` best first for ``RegionQuerySet.search``: rows within the
    region coded ``near``, then within its province; then rows matching
    ``exact``, then by depth (provinces first), name and code."""
    depth = Case(
        *(When(level=level, then=Value(d)) for level, d in LEVEL_DEPTH.items()),
        output_field=IntegerField(),
    )
    exact_first = Case(When(exact, then=Value(0)), default=Value(1))
    order = ["search_exact", "search_depth", "search_name", "code"]
    queryset = queryset.alias(search_exact=exact_first, search_depth=depth)
    if near:
        province = near.partition(".")[0]
        near_first = Case(
            When(Q(code=near) | Q(code__startswith=near + "."), then=Value(0)),
            When(code__startswith=province + ".", then=Value(1)),
            default=Value(2),
        )
        queryset = queryset.alias(search_near=near_first)
        order.insert(0, "search_near")
    return queryset.order_by(*order)


class Region(models.Model):
    """A province, regency/city, district or village, identified by its
    Kemendagri code; ``parent`` is the region of the code without its last
    part (``regions.loading`` loads the whole decree)."""

    Level = Level

    code = models.CharField(
        _("region code"),
        max_length=CODE_MAX_LENGTH,
        unique=True,
        help_text=_(
            "Kemendagri code: 73 for a province, 73.09 for a regency or city, "
            "73.09.11 for a district, 73.09.11.2001 for a village."
        ),
    )
    name = SingleLineCharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=13, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Inactive regions are no longer in the latest decree; they stay for "
            "the records that name them."
        ),
    )
    search_name = models.CharField(
        _("search name"),
        max_length=120,
        editable=False,
        help_text=_("The name as searched: lower case, without punctuation."),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [
            # RegionQuerySet.search: a prefix of search_name, ranked by level and
            # code, read from the index alone. PostgreSQL compares the prefix
            # with LIKE, which needs the pattern operator classes (any
            # collation); SQLite compares a range and ignores opclasses.
            models.Index(
                fields=["search_name", "level", "is_active", "code"],
                opclasses=[
                    "varchar_pattern_ops",
                    "varchar_pattern_ops",
                    "bool_ops",
                    "varchar_pattern_ops",
                ],
                name="region_search",
            ),
        ]
        constraints = [
            # The code's shape gives the level; only provinces have no parent.
            models.CheckConstraint(
                condition=(
                    Q(level="province", code__regex=PROVINCE_CODE_RE)
                    & Q(parent__isnull=True)
                )
                | (
                    Q(parent__isnull=False)
                    & (
                        Q(level="regency", code__regex=REGENCY_CODE_RE)
                        | Q(level="city", code__regex=CITY_CODE_RE)
                        | Q(level="district", code__regex=DISTRICT_CODE_RE)
                        | Q(level="village", code__regex=VILLAGE_CODE_RE)
                        | Q(level="urban_village", code__regex=URBAN_VILLAGE_CODE_RE)
                    )
                ),
                name="region_code_matches_level",
                violation_error_message=_(
                    "The code does not match the level: 73 for a province (no "
                    "parent), 73.01-73.69 for a regency, 73.71-73.99 for a city, "
                    "73.09.11 for a district, 73.09.11.2001 for a village (desa) "
                    "and 73.71.01.1001 for an urban village (kelurahan)."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = search_name_of(self.name, self.level)
        if (
            kwargs.get("update_fields") is not None
            and "name" in kwargs["update_fields"]
        ):
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name"}
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        """The name with its parents, for pickers: "Tompobulu, Kec. Tompobulu,
        Kab. Maros" (village), "Kec. Tompobulu, Kab. Maros" (district),
        "Kabupaten Maros, Sulawesi Selatan" (regency), "Prov. Sulawesi Selatan".

        Reads up to three parents: use ``Region.objects.with_parents()``
        (``select_related("parent__parent__parent")``) to build labels without
        queries. The abbreviations are Indonesian place designations, kept as
        written in every language.
        """
        if self.level == Level.PROVINCE:
            return f"Prov. {self.name}"
        if self.level in REGENCY_LEVELS:
            return f"{self.name}, {self.parent.name}"
        if self.level == Level.DISTRICT:
            return f"Kec. {self.name}, {_short_regency(self.parent.name)}"
        district = self.parent
        return (
            f"{self.name}, Kec. {district.name}, {_short_regency(district.parent.name)}"
        )

    def clean(self):
        """Friendly messages for the code: its shape (BPS codes named), its
        level and its parent, which must be the code without its last part."""
        if not self.code:
            return
        try:
            level = level_of_code(self.code)
        except ValidationError as error:
            raise ValidationError({"code": error}) from None
        if self.level and self.level != level:
            raise ValidationError(
                {
                    "level": _("The code %(code)s is for the level %(level)s.")
                    % {"code": self.code, "level": Level(level).label}
                }
            )
        expected = parent_code(self.code)
        if self.parent_id and self.parent.code != expected:
            raise ValidationError(
                {
                    "code": _("The code must start with the parent's code %(code)s.")
                    % {"code": self.parent.code}
                }
            )
        if expected and not self.parent_id:
            raise ValidationError(
                {"parent": _("Choose the region %(code)s.") % {"code": expected}}
            )


def _short_regency(name: str) -> str:
    """ "Kabupaten Maros" -> "Kab. Maros"; city names stay ("Kota Makassar")."""
    if name.startswith("Kabupaten "):
        return "Kab. " + name.removeprefix("Kabupaten ")
    return name
