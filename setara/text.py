"""The one text-cleaning step for what people type, paste or upload.

Text reaches the registry from forms, sign-in sheets, the admin, the directory
import and the command line, and arrives with characters nobody sees: control
characters (NUL among them, which PostgreSQL refuses and Excel files cannot hold),
zero-width spaces and joiners pasted from WhatsApp or the web, no-break spaces from
Word, full-width digits from some phone keyboards. ``clean_text`` makes a
single-line value plain; ``clean_multiline_text`` does the same for text whose line
breaks matter (objectives, notes, addresses). Both are pure (no database) and
idempotent: cleaning clean text changes nothing.

Character classes are the Unicode General Categories (Unicode Standard, chapter 4.5,
and UAX #44): ``Cc`` control characters (C0 U+0000-U+001F, DEL and C1
U+007F-U+009F), ``Cf`` format characters (zero-width space U+200B, ZWNJ/ZWJ
U+200C/D, word joiner U+2060, byte-order mark U+FEFF, soft hyphen U+00AD...) and
``Cs`` surrogates (which cannot be encoded as UTF-8 at all). Whitespace is what
Python's ``str.isspace`` calls whitespace (Unicode ``White_Space`` and the C0
separators), which includes the no-break spaces U+00A0, U+2007 and U+202F.
Compatibility forms are folded by Unicode normalisation form NFKC (UAX #15):
full-width ``０８１２`` becomes ``0812``, ``ＤＰ３Ａ`` becomes ``DP3A``.
"""

import re
import unicodedata
from typing import Any

#: Unicode General Categories removed: control, format and surrogate characters.
REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
#: Characters that show nothing although Unicode does not call them format
#: characters: the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the braille
#: blank U+2800 and the variation selectors (U+FE00-U+FE0F, U+E0100-U+E01EF).
BLANK_LOOKING = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
    + "".join(chr(c) for c in range(0xE0100, 0xE01F0))
)


def is_noncharacter(char: str) -> bool:
    """Whether ``char`` (one character) is a Unicode noncharacter (Unicode
    Standard, section 23.7): U+FDD0-U+FDEF and the last two code points of every
    plane (U+FFFE, U+FFFF, U+1FFFE...). They are never text, and XML 1.0 refuses
    U+FFFE and U+FFFF, so a .docx or .xlsx could not hold them."""
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


#: What a multi-line value keeps of the control characters.
KEPT_IN_MULTILINE = frozenset({"\n", "\t"})

# Line breaks a multi-line value turns into "\n": CR LF, CR, and the Unicode line
# and paragraph separators, NEL, vertical tab and form feed.
_LINE_BREAKS_RE = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")


def _is_plain(text: str) -> bool:
    """True for text no step would change beyond collapsing spaces: printable
    ASCII (the fast path for almost every value)."""
    return text.isascii() and text.isprintable()


def _drop_invisible(text: str, *, keep: frozenset[str] = frozenset()) -> str:
    """``text`` with whitespace made a space and the ``REMOVED_CATEGORIES``
    characters, blank-looking characters and noncharacters removed; characters
    in ``keep`` stay as they are."""
    chars = []
    for char in text:
        if char in keep:
            chars.append(char)
        elif char.isspace():
            chars.append(" ")
        elif char in BLANK_LOOKING or is_noncharacter(char):
            continue
        elif unicodedata.category(char).startswith("M") and (
            not chars or chars[-1].isspace()
        ):
            continue  # a combining mark with no letter to sit on shows nothing
        elif unicodedata.category(char) not in REMOVED_CATEGORIES:
            chars.append(char)
    return "".join(chars)


def clean_text(value: Any) -> str:
    """A single-line value made plain: ``None`` gives ``""``, anything else is
    ``str()``-ed, then

    - folded by Unicode NFKC (full-width digits and letters become ASCII, ligatures
      and other compatibility forms their plain letters);
    - every whitespace character (tab, line breaks, no-break spaces U+00A0, U+2007,
      U+202F, ideographic space...) becomes a space;
    - control, format and surrogate characters (categories Cc, Cf, Cs: NUL, BEL,
      zero-width space, ZWNJ, ZWJ, word joiner, BOM, soft hyphen) are removed, and
      so are the characters that show nothing (``BLANK_LOOKING``: Hangul fillers,
      the braille blank, variation selectors) and combining marks with no letter
      before them;
    - runs of spaces become one space, and the ends are trimmed.

    ``clean_text("  Dinas\\u00a0Sosial\\u200b  Maros\\x00 ")`` is
    ``"Dinas Sosial Maros"``; a value of only zero-width spaces is ``""``.
    """
    if value is None:
        return ""
    text = str(value)
    if not _is_plain(text):
        text = _drop_invisible(unicodedata.normalize("NFKC", text))
        # Removing a format character can join a letter to its combining mark.
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def clean_multiline_text(value: Any) -> str:
    """A multi-line value (objectives, notes, an address) made plain while keeping
    its lines: ``None`` gives ``""``; line breaks (CR LF, CR, U+2028...) become
    ``"\\n"``; other whitespace, no-break spaces included, becomes a space; control,
    format and surrogate characters (Cc, Cf, Cs) other than newline and tab are
    removed; trailing spaces of each line and blank lines at both ends are trimmed.

    It does not apply NFKC, so free text keeps characters such as ``½`` or ``²``
    that NFKC would rewrite.
    """
    if value is None:
        return ""
    text = _LINE_BREAKS_RE.sub("\n", str(value))
    if not (text.isascii() and all(c.isprintable() or c in "\n\t" for c in text)):
        text = _drop_invisible(text, keep=KEPT_IN_MULTILINE)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()
