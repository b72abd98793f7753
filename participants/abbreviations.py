"""How a search reads what people type for an agency or an institution: its words,
and the short forms the field writes for agency names ("dinsos" for Dinas Sosial,
"DP3A" for Dinas Pemberdayaan Perempuan dan Perlindungan Anak).

Pure functions over text, like ``participants.normalisation`` (whose
``normalise_key`` they use): a search builds its query from the terms
``search_terms`` gives, so "dinsos maros" finds Dinas Sosial Kabupaten Maros and
"dinas sosial maros" finds an institution written "Dinsos Maros", in one query.
"""

from .normalisation import normalise_key

#: Names the field writes in several ways: each group lists the ways (each a tuple
#: of fragments of ``normalise_key`` text that a name holds, all of them, in any
#: order). A word or words of a search that are one way of a group stand for every
#: way of it. Sources: the agencies SETARA trains (../shared/DOMAIN.md) and the
#: names district governments give their offices: Dinas Sosial (Dinsos), Dinas
#: Kesehatan (Dinkes), Dinas Pendidikan (Disdik), the women's empowerment and child
#: protection office (DP3A, DPPPA; DP3AP2KB, DP3AKB and DPPPAPPKB where it also
#: covers population control and family planning: "Dinas Pemberdayaan Perempuan,
#: Perlindungan Anak, Pengendalian Penduduk dan Keluarga Berencana"), the civil
#: registry (Disdukcapil), the district prosecutor (Kejari), the police (Polres,
#: Polda), the integrated service units (UPTD, P2TP2A), PUSPAGA and PATBM.
AGENCY_NAME_FORMS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("dinsos",), ("dinas sosial",)),
    (("dinkes",), ("dinas kesehatan",)),
    (("disdik",), ("dinas pendidikan",)),
    (
        ("dp3a",),
        ("dpppa",),
        ("dp3ap2kb",),
        ("dp3akb",),
        ("dppppa",),
        ("dpppappkb",),
        ("dinas pemberdayaan perempuan dan perlindungan anak",),
        ("pemberdayaan perempuan dan perlindungan anak",),
        ("pemberdayaan perempuan", "perlindungan anak"),
    ),
    (("pppa",), ("pemberdayaan perempuan", "perlindungan anak")),
    (("disdukcapil",), ("dukcapil",), ("kependudukan", "pencatatan sipil")),
    (("kejari",), ("kejaksaan negeri",)),
    (("kejati",), ("kejaksaan tinggi",)),
    (("polres",), ("kepolisian resor",)),
    (("polda",), ("kepolisian daerah",)),
    (("rsud",), ("rumah sakit umum daerah",)),
    (("uptd",), ("unit pelaksana teknis daerah",)),
    (("p2tp2a",), ("pusat pelayanan terpadu",)),
    (("puspaga",), ("pusat pembelajaran keluarga",)),
    (("patbm",), ("perlindungan anak terpadu berbasis masyarakat",)),
    (("kab",), ("kabupaten",)),
    (("prov",), ("provinsi",)),
)

#: Most terms a search reads; words after them are left out (a pasted sentence
#: must not make a query of hundreds of conditions).
MAX_SEARCH_TERMS = 8

#: One term of a search: the ways it may be written, each a tuple of fragments
#: (``normalise_key`` text) that a name must all contain.
Term = tuple[tuple[str, ...], ...]


def _phrases() -> dict[tuple[str, ...], Term]:
    """Every one-fragment way of ``AGENCY_NAME_FORMS`` as a tuple of words -> the
    ways of its group (several groups with the same way: their ways together)."""
    phrases: dict[tuple[str, ...], Term] = {}
    for group in AGENCY_NAME_FORMS:
        for form in group:
            if len(form) == 1:
                words = tuple(form[0].split())
                known = phrases.get(words, ())
                phrases[words] = known + tuple(f for f in group if f not in known)
    return phrases


_PHRASES = _phrases()
_LONGEST_PHRASE = max(len(words) for words in _PHRASES)


def search_terms(text: str) -> list[Term]:
    """The terms of a search for ``text``, in order, at most ``MAX_SEARCH_TERMS``.

    ``text`` is read as ``normalise_key`` does (case, accents and punctuation
    dropped). A word, or words in a row, that are a way of writing a name of
    ``AGENCY_NAME_FORMS`` become one term with every way of it; any other word is
    a term of itself. ``"Dinsos Kab. Maros"`` gives ``[(("dinsos",), ("dinas
    sosial",)), (("kab",), ("kabupaten",)), (("maros",),)]`` and ``"dinas sosial
    maros"`` gives the same first term. Empty text gives ``[]``.

    A record matches a search when, for every term, its text contains all the
    fragments of at least one of the term's ways.
    """
    words = normalise_key(text).split()
    terms: list[Term] = []
    position = 0
    while position < len(words) and len(terms) < MAX_SEARCH_TERMS:
        for size in range(min(_LONGEST_PHRASE, len(words) - position), 0, -1):
            ways = _PHRASES.get(tuple(words[position : position + size]))
            if ways:
                break
        else:
            size, ways = 1, ((words[position],),)
        terms.append(ways)
        position += size
    return terms
