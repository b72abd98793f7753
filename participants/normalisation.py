"""Normalise the values staff type or paste: phone numbers, names, NIK.

These functions are pure (no database) so the forms, the importer and the demo loader
share one definition of "the same phone number" or "the same name".
"""

import re
import unicodedata

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


class InvalidPhoneNumber(ValueError):
    """Raised when a phone number cannot be an Indonesian number."""


def normalise_phone(raw) -> str:
    """Return an Indonesian phone number as ``+62`` followed by 8-13 digits.

    Accepts ``0812-4231-7710``, ``+62 852 9900 1122``, ``6281355501234``, and the
    number Excel leaves when it drops the leading zero (``81244556677`` as text,
    int or float). Empty input gives ``""``. Lengths follow the national numbering
    plan (ITU-T E.164 country code 62; subscriber numbers of 8 to 13 digits after
    the trunk prefix 0).

    Raises InvalidPhoneNumber for anything else.
    """
    if raw is None:
        return ""
    if isinstance(raw, float):
        if not raw.is_integer():
            raise InvalidPhoneNumber(str(raw))
        raw = int(raw)
    text = str(raw).strip()
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
    """Trim a name and collapse runs of whitespace into single spaces."""
    return " ".join(str(value or "").split())


def normalise_name(value: str) -> str:
    """Return a key for comparing names: no titles, case, accents or punctuation.

    ``"Hj. Nurhaeda Rahman, S.Sos"`` and ``"nurhaeda  rahman"`` both give
    ``"nurhaeda rahman"``; ``"Bripka Andi Rusdi"`` gives ``"andi rusdi"``. Prefix
    titles are dropped from the front, degrees after a comma or at the end. Name
    abbreviations such as "St." (Sitti) or "Muh." stay. A name made only of titles
    is kept, lower-cased.
    """
    text = unicodedata.normalize("NFKD", str(value or ""))
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

    ``"DP3A Kab. Maros"`` and ``"dp3a  kab maros"`` both give ``"dp3a kab maros"``.
    """
    text = unicodedata.normalize("NFKD", str(value or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def mask_nik(nik: str) -> str:
    """Return a NIK with all but its last four digits hidden: ``************0012``."""
    if not nik:
        return ""
    return "*" * (len(nik) - 4) + nik[-4:]
