"""Normalise the values staff type or paste: phone numbers, names, NIK; and parse
the cells of a sign-in sheet (sex, phone, NIK, dates, attendance marks).

These functions are pure (no database) so the forms, the importer and the demo loader
share one definition of "the same phone number" or "the same name", and of "a valid
sex, phone, NIK or date" in a spreadsheet cell. Every one of them first cleans its
text with ``setara.text.clean_text`` (NFKC, no control or zero-width characters,
no-break spaces made spaces), so full-width digits read as digits and invisible
characters never make two values differ.
"""

import datetime
import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from setara.text import clean_text

# Honorifics, police ranks and academic degrees that Indonesian sign-in sheets put
# around a name, compared without dots and case. Sources: Permendikbud No. 154/2014
# (gelar akademik) for degrees; Perkap No. 3/2016 for Polri ranks (ranks change with
# promotion, so they never identify a person).
_PREFIX_TITLES = {
    "h", "hj", "dr", "dra", "drs", "ir", "prof", "ust", "ustadz",
    "bharada", "bharatu", "bharaka", "bripda", "briptu", "brigpol", "bripka",
    "aipda", "aiptu", "ipda", "iptu", "akp", "kompol", "akbp", "kombes", "brigjen",
}  # fmt: skip
_DEGREES = {
    "spd", "spdi", "ssos", "sh", "mh", "se", "mm", "skm", "skep", "sip", "si",
    "ssi", "skom", "st", "sag", "spsi", "mpd", "msi", "mkes", "amd", "amdkeb",
    "ners", "mpsi", "shi", "ak", "mag", "phd", "ssit", "stp", "sked", "mpa",
}  # fmt: skip

PHONE_RE = r"^\+62[0-9]{8,13}$"
NIK_RE = r"^[0-9]{16}$"

#: What people write in a NIK or phone box or cell when the person has none, after
#: ``normalise_key`` (lower case, punctuation as spaces): "belum ada" (not yet),
#: "tidak ada" / "tdk ada" / "gak ada" (none), "tidak punya" (does not have one),
#: "kosong" (empty), "nihil", "n/a", "none", "null". Besides these, a value of only
#: punctuation ("0" aside: "-", "–", "—", ".", "?") and a value of only zeros ("0",
#: "0000000000000000") are placeholders too; see ``is_placeholder``.
PLACEHOLDER_WORDS = frozenset({
    "belum ada", "blm ada", "belum punya", "blm punya", "belum",
    "tidak ada", "tdk ada", "tak ada", "gak ada", "ga ada", "nggak ada", "tidak",
    "tidak punya", "tdk punya", "kosong", "nihil", "tidak tahu", "tdk tahu",
    "n a", "na", "none", "null", "nil", "nan",
})  # fmt: skip


class InvalidPhoneNumber(ValueError):
    """Raised when a phone number cannot be an Indonesian number."""


def is_placeholder(value: Any) -> bool:
    """True for a NIK or phone value that stands for "none": a word of
    ``PLACEHOLDER_WORDS`` in any case and spacing ("Belum ada", "N/A"), only
    punctuation ("-", "–", "?"), or only zeros ("0", "0000 0000 0000 0000", the
    number 0). An empty value is not a placeholder (it is simply empty)."""
    text = clean_text(cell_text(value))
    if not text:
        return False
    letters_and_digits = re.sub(r"[\W_]+", "", text)
    if not letters_and_digits or set(letters_and_digits) == {"0"}:
        return True  # "-", "?", "0", "0000 0000 0000 0000"
    return normalise_key(text) in PLACEHOLDER_WORDS


def normalise_phone(raw) -> str:
    """Return an Indonesian phone number as ``+62`` followed by 8-13 digits.

    Accepts ``0812-4231-7710``, ``+62 852 9900 1122``, ``6281355501234``, full-width
    digits (``０８１２...``, folded by ``clean_text``), and the number Excel leaves
    when it drops the leading zero (``81244556677`` as text, int or float). Empty
    input and a placeholder (``is_placeholder``: "-", "belum ada", "0") give
    ``""``. Lengths follow the national numbering plan (ITU-T E.164 country code
    62; subscriber numbers of 8 to 13 digits after the trunk prefix 0).

    Raises InvalidPhoneNumber for anything else.
    """
    if raw is None or is_placeholder(raw):
        return ""
    if isinstance(raw, float):
        if not raw.is_integer():
            raise InvalidPhoneNumber(str(raw))
        raw = int(raw)
    text = clean_text(raw)
    if not text:
        return ""
    if re.search(r"[^0-9+\-\s().]", text):
        raise InvalidPhoneNumber(text)
    plus = text.startswith("+")
    digits = re.sub(r"\D", "", text)
    if plus and not digits.startswith("62"):
        raise InvalidPhoneNumber(text)
    if digits.startswith("62"):
        national = digits[2:]
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits  # the leading 0 was lost, e.g. in an Excel number cell
    national = national.lstrip("0")  # "+62 0812..." carries a stray trunk 0
    if not 8 <= len(national) <= 13:
        raise InvalidPhoneNumber(text)
    return "+62" + national


def collapse_whitespace(value: str) -> str:
    """Trim a name and collapse runs of whitespace into single spaces: the one
    text-cleaning step, ``setara.text.clean_text`` (also NFKC, and no control or
    zero-width characters)."""
    return clean_text(value)


def normalise_name(value: str) -> str:
    """Return a key for comparing names: no titles, case, accents or punctuation.

    ``"Hj. Nurhaeda Rahman, S.Sos"`` and ``"nurhaeda  rahman"`` both give
    ``"nurhaeda rahman"``; ``"Bripka Andi Rusdi"`` gives ``"andi rusdi"``. Prefix
    titles are dropped from the front, degrees after a comma or at the end. Name
    abbreviations such as "St." (Sitti) or "Muh." stay. A name made only of titles
    is kept, lower-cased.
    """
    text = unicodedata.normalize("NFKD", clean_text(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    name_part = text.split(",")[0]  # degrees follow the first comma
    tokens = [re.sub(r"[^a-z0-9]", "", t) for t in name_part.split()]
    tokens = [t for t in tokens if t]
    kept = list(tokens)
    while len(kept) > 1 and kept[0] in _PREFIX_TITLES:
        kept.pop(0)
    while len(kept) > 1 and kept[-1] in _DEGREES:
        kept.pop()
    return " ".join(kept)


def normalise_key(value: str) -> str:
    """Return a key for comparing agency names: lower case, letters and digits only.

    ``"DP3A Kab. Maros"``, ``"dp3a  kab maros"`` and ``"DP3A\u00a0Kab.\u200bMaros"``
    all give ``"dp3a kab maros"`` (``clean_text`` first, then accents, case and
    punctuation dropped).
    """
    text = unicodedata.normalize("NFKD", clean_text(value))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


#: Words written before a village's or a district's name ("Desa Tompobulu",
#: "Kel. Bontoa", "Kec. Tompobulu"), compared after ``normalise_key``.
VILLAGE_PREFIXES = frozenset({"desa", "ds", "kelurahan", "kel"})
DISTRICT_PREFIXES = frozenset({"kecamatan", "kec", "distrik"})


def place_key(value: str, prefixes=VILLAGE_PREFIXES) -> str:
    """Return a key for comparing a place name as written with a region's name:
    ``normalise_key``, then the leading ``prefixes`` words dropped and the spaces
    removed. ``"Desa Tompobulu"``, ``"TOMPO BULU"`` and ``"Ds. Tompobulu"`` all give
    ``"tompobulu"``; with ``DISTRICT_PREFIXES``, ``"Kec. Tompobulu"`` does too. A
    name made only of a prefix ("Desa") is kept."""
    words = normalise_key(value).split()
    while len(words) > 1 and words[0] in prefixes:
        words.pop(0)
    return "".join(words)


def district_as_written(value: str) -> str:
    """A district as written, with one "Kec." in front: ``"Tompobulu"`` and
    ``"Kecamatan Tompobulu"`` give ``"Kec. Tompobulu"``; empty gives ``""``."""
    text = collapse_whitespace(value)
    text = re.sub(r"^(?:kecamatan|kec)\b\.?\s*", "", text, flags=re.IGNORECASE)
    return f"Kec. {text}" if text else ""


#: What a recorded NIK shows to who may not see it (``mask_nik``).
NIK_MASK = "*" * 16


def mask_nik(nik: str) -> str:
    """A NIK with none of its digits shown: ``NIK_MASK`` (16 asterisks) for a NIK
    recorded, "" for none.

    No digit is shown, not even the last four: the first twelve follow from what
    staff see anyway (the village's region code, the birth date, and the sex, which
    adds 40 to a woman's birth day), so the last four are the only secret part."""
    return NIK_MASK if nik else ""


def national_phone(phone: str) -> str:
    """A stored phone number (``+6281244556677``) as Indonesians write it
    (``081244556677``); anything else unchanged."""
    if phone.startswith("+62"):
        return "0" + phone[3:]
    return phone


#: Two-digit area codes (after the trunk 0); every other area code has three
#: digits (0411 Makassar, 0274 Yogyakarta). Numbering plan of Kementerian Kominfo.
TWO_DIGIT_AREA_CODES = frozenset({"21", "22", "24", "31", "61"})


def display_phone(phone: str | None) -> str:
    """A stored phone number in the national form people read and dial, grouped
    with dashes: mobiles ``+6281242317710`` -> ``0812-4231-7710``, ``+628124231771``
    -> ``0812-4231-771``, ``+62812423177101`` -> ``0812-4231-77101``; landlines
    after their area code, ``+62411371234`` -> ``0411-371234``, ``+62215551234``
    -> ``021-5551234``. Short service numbers (``129``), text that is not a
    stored number and ``None`` come back unchanged (``None`` as ``""``).

    For display only: the stored value stays ``+62...`` (links dial that)."""
    if not phone:
        return ""
    if not re.fullmatch(PHONE_RE, phone):
        return phone
    national = phone[3:]
    if national.startswith("8"):  # mobile: 08xx, then the subscriber number
        head, rest = national[:3], national[3:]
        return "-".join(["0" + head, *_digit_groups(rest)])
    area = 2 if national[:2] in TWO_DIGIT_AREA_CODES else 3
    return f"0{national[:area]}-{national[area:]}"


def _digit_groups(digits: str) -> list[str]:
    """A mobile subscriber number (5 to 10 digits) in groups of four from the
    left, never leaving a group of fewer than three: 8 digits 4-4, 7 digits 4-3,
    9 digits 4-5, 6 digits 3-3, 10 digits 4-3-3."""
    size = len(digits)
    if size <= 5:
        return [digits]
    if size == 6:
        return [digits[:3], digits[3:]]
    if size <= 9:
        return [digits[:4], digits[4:]]
    return [digits[:4], *_digit_groups(digits[4:])]


# Spreadsheet cells ------------------------------------------------------------

#: Sex as written on sheets (after ``normalise_key``) -> stored value.
SEX_VALUES = {
    "l": "L",
    "laki laki": "L",
    "lakilaki": "L",
    "laki": "L",
    "pria": "L",
    "m": "L",
    "male": "L",
    "p": "P",
    "perempuan": "P",
    "wanita": "P",
    "f": "P",
    "female": "P",
}
SEX_ALLOWED_DISPLAY = "L, P, Laki-laki, Perempuan, Pria, Wanita, M, F, Male, Female"

#: Attendance marks (after lower-casing and trimming): present, and absent.
PRESENT_MARKS = frozenset({"v", "x", "✓", "✔", "√", "1", "hadir", "ya", "y", "yes"})
ABSENT_MARKS = frozenset({"", "0", "-", "–", "tidak hadir", "tidak", "absen", "no"})

#: Month names and abbreviations, Indonesian and English, -> month number.
MONTHS = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "pebruari": 2, "february": 2, "feb": 2, "peb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}  # fmt: skip

#: Words in an agency's name (after ``normalise_key``) -> the type a new agency
#: gets, first match wins; from the agencies SETARA trains (../shared/DOMAIN.md):
#: APH units, service units, village groups, then government offices and NGOs.
AGENCY_TYPE_WORDS: list[tuple[str, frozenset[str]]] = [
    ("law_enforcement", frozenset({
        "polres", "polsek", "polda", "polri", "kepolisian", "satreskrim",
        "kejaksaan", "kejari", "kejati", "pengadilan",
    })),
    ("service_provider", frozenset({
        "uptd", "p2tp2a", "puspaga", "puskesmas", "rsud", "rumah", "sakit",
        "lpsk", "sapa",
    })),
    ("community", frozenset({
        "patbm", "forum", "karang", "taruna", "pkk", "posyandu", "kader",
    })),
    ("ngo", frozenset({"yayasan", "lsm", "lbh", "ngo", "perkumpulan"})),
    ("government", frozenset({
        "dinas", "dinsos", "disdik", "dp3a", "dppppa", "dp3akb", "dukcapil",
        "disdukcapil", "bappeda", "kecamatan", "kelurahan", "pemkab", "pemkot",
        "pemda", "pemerintah", "kantor", "sekretariat", "bupati", "walikota",
        "kemenag", "kua", "bapas", "kementerian",
    })),
]  # fmt: skip

# Excel's day 0 in the 1900 date system, shifted by its fictional 29 February 1900
# (ECMA-376 Part 1, 18.17.4.1): serial 1 is 1 January 1900, serial 61 is 1 March.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_SCIENTIFIC_RE = re.compile(r"^\d+(?:[.,]\d+)?e\+?\d+$", re.IGNORECASE)
_NUMERIC_DATE_RE = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?"
    r"(?:\s+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$"  # a time Excel adds in CSV
)
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t].*)?$")
_TEXT_DATE_RE = re.compile(r"^(\d{1,2})[\s\-/.]*([a-z]+)\.?[\s\-/.,]*(\d{2}|\d{4})?$")


class CellError(ValueError):
    """A cell value is not acceptable; the message says what is allowed."""


def is_blank(value: Any) -> bool:
    """True for an empty cell: ``None`` or text that is empty once cleaned (only
    whitespace, control or zero-width characters)."""
    return value is None or (isinstance(value, str) and not clean_text(value))


def cell_text(value: Any) -> str:
    """A cell as text: whole numbers without ``.0``, dates as dd/mm/yyyy, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def parse_name(value: Any) -> str:
    """A name trimmed, with runs of whitespace collapsed, otherwise as written
    (titles, degrees, single names stay). Raises CellError when empty, without
    any letter or digit, or longer than the 200 characters a name may have."""
    name = parse_text(value, max_length=200)
    if not name:
        raise CellError(_("The name is empty."))
    if not normalise_name(name):
        raise CellError(_("Write the name with letters."))
    return name


def parse_text(value: Any, *, max_length: int | None = None) -> str:
    """Free text (agency, position, village): trimmed, whitespace collapsed.
    Raises CellError when longer than ``max_length`` characters."""
    text = collapse_whitespace(cell_text(value))
    if max_length is not None and len(text) > max_length:
        raise CellError(
            _("At most %(max)s characters; this has %(count)s.")
            % {"max": max_length, "count": len(text)}
        )
    return text


def parse_email(value: Any) -> str:
    """An email address, trimmed and lower-cased; empty gives ``""``. Raises
    CellError when it is not an address (Django's ``validate_email``)."""
    text = clean_text(cell_text(value)).lower()
    if not text:
        return ""
    try:
        validate_email(text)
    except ValidationError:
        raise CellError(_("Write an email address such as nama@contoh.id.")) from None
    return text


def guess_agency_type(name: str) -> str:
    """The ``Agency.Type`` value a new agency called ``name`` most likely has
    (``"Polres Maros"`` -> ``"law_enforcement"``, ``"PATBM Desa Tompobulu"`` ->
    ``"community"``), from ``AGENCY_TYPE_WORDS``; ``"other"`` when no word fits."""
    words = set(normalise_key(name).split())
    for agency_type, keywords in AGENCY_TYPE_WORDS:
        if words & keywords:
            return agency_type
    return "other"


def parse_sex(value: Any, *, blank_is_not_recorded: bool = False) -> str:
    """Return ``"L"`` or ``"P"`` from the ways sheets write sex, in any case and with
    stray spaces (``"p "``, ``"Laki-laki"``, ``"Wanita"``, ``"F"``).

    An empty cell gives ``""`` (not recorded) when ``blank_is_not_recorded``, and is
    a CellError otherwise; any other text is a CellError listing the allowed values.
    """
    text = normalise_key(cell_text(value))
    if not text:
        if blank_is_not_recorded:
            return ""
        raise CellError(
            _(
                "Sex is empty. Write L or P, or choose to import empty cells as "
                "“not recorded”."
            )
        )
    try:
        return SEX_VALUES[text]
    except KeyError:
        raise CellError(
            _("Sex must be one of: %(allowed)s.") % {"allowed": SEX_ALLOWED_DISPLAY}
        ) from None


def parse_phone(value: Any) -> str:
    """Return a phone number as ``+62...`` (see ``normalise_phone``); empty and a
    placeholder ("-", "belum ada": ``is_placeholder``) give ``""``. Raises
    CellError for a number that cannot be Indonesian."""
    try:
        return normalise_phone(value)
    except InvalidPhoneNumber:
        raise CellError(
            _(
                "This is not an Indonesian phone number: write it as 08…, +62… or "
                "62… with 8 to 13 digits after the 0."
            )
        ) from None


def parse_nik(value: Any) -> str:
    """Return a NIK as text of exactly 16 digits; empty and a placeholder ("0",
    "-", "belum ada", all zeros: ``is_placeholder``) give ``""``. Full-width digits
    are read as digits (``clean_text``); other scripts' digits are not.

    A NIK that arrives as a number has already lost its 16th digit (Excel keeps 15
    significant digits, ECMA-376 / Microsoft "Excel specifications and limits"), and
    scientific notation (``7.30901E+15``) hides more: both are CellErrors asking for
    the column to be formatted as text. Spaces, dots and a leading apostrophe are
    ignored; any other length is a CellError.
    """
    if is_placeholder(value):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError(
            _(
                "The NIK was saved as a number, so Excel has already changed its "
                "last digit. Format the NIK column as Text and type the NIK again."
            )
        )
    text = clean_text(cell_text(value)).lstrip("'’")
    if not text:
        return ""
    if _SCIENTIFIC_RE.match(text.replace(" ", "")):
        raise CellError(
            _(
                "The NIK is in scientific notation (like 7.30901E+15), so its digits "
                "are lost. Format the NIK column as Text and type the NIK again."
            )
        )
    digits = re.sub(r"[\s.\-]", "", text)
    if not re.fullmatch(r"[0-9]{16}", digits):
        raise CellError(_("A NIK has exactly 16 digits."))
    return digits


def excel_serial_to_date(serial: float) -> datetime.date:
    """The date of an Excel serial number in the 1900 date system (1 = 1 Jan 1900).

    Raises CellError outside 1 January 1900 to 31 December 9999.
    """
    if not 1 <= serial < 2958466:
        raise CellError(_("This number is not an Excel date."))
    return _EXCEL_EPOCH + datetime.timedelta(days=int(serial))


def _make_date(year: int, month: int, day: int) -> datetime.date:
    if year < 100:
        # Two-digit years are birth years: never in the future.
        this_year = datetime.datetime.now(tz=datetime.UTC).year % 100
        year += 2000 if year <= this_year else 1900
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise CellError(
            _("This date does not exist. Write dates day first: 17/05/1990.")
        ) from None


def parse_date(value: Any) -> datetime.date | None:
    """Return a date from an Excel date cell, an Excel serial number, or day-first
    text: ``17/05/1990``, ``17-5-90``, ``17.05.1990``, ``17 Mei 1990``,
    ``17 May 1990``, ISO ``1990-05-17``, also after a place of birth
    (``Maros, 17 Mei 1990``, the "TTL" column). Empty gives ``None``.

    Text is never read month first: ``05/17/1990`` is a CellError (there is no
    month 17), as is any impossible date.
    """
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial_to_date(value)
    text = collapse_whitespace(str(value)).lower()
    place, comma, rest = text.rpartition(",")
    if comma and re.search(r"[a-z]", place) and not re.search(r"\d", place):
        text = rest.strip()  # "Maros, 17-05-1990": a TTL (place and date of birth)
    if re.fullmatch(r"\d{4,5}", text):
        return excel_serial_to_date(int(text))
    if match := _ISO_DATE_RE.match(text):
        year, month, day = (int(part) for part in match.groups())
        return _make_date(year, month, day)
    if match := _NUMERIC_DATE_RE.match(text):
        day, month, year = match.groups()
        if year is None:
            raise CellError(_("The year is missing. Write dates as 17/05/1990."))
        return _make_date(int(year), int(month), int(day))
    if match := _TEXT_DATE_RE.match(text):
        day, month_name, year = match.groups()
        month = MONTHS.get(month_name)
        if month is None or year is None:
            raise CellError(_("Write dates day first, as 17/05/1990 or 17 Mei 1990."))
        return _make_date(int(year), month, int(day))
    raise CellError(_("Write dates day first, as 17/05/1990 or 17 Mei 1990."))


def parse_attendance(value: Any) -> bool:
    """True for a present mark (v, V, x, ✓, 1, hadir...), False for an empty cell or
    an absent mark (0, -, tidak hadir). Anything else is a CellError."""
    text = clean_text(cell_text(value)).lower()
    if text in PRESENT_MARKS:
        return True
    if text in ABSENT_MARKS:
        return False
    raise CellError(
        _(
            "Mark present with v, x, ✓, 1 or hadir; absent with an empty cell, 0, - "
            "or tidak hadir."
        )
    )
