import pytest

from participants.abbreviations import (
    AGENCY_NAME_FORMS,
    MAX_SEARCH_TERMS,
    search_terms,
)

DINSOS = (("dinsos",), ("dinas sosial",))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", []),
        ("  .,- ", []),
        ("maros", [(("maros",),)]),
        ("dinsos maros", [DINSOS, (("maros",),)]),
        ("Dinas  Sosial, MAROS", [DINSOS, (("maros",),)]),
        ("DINSOS Kab. Maros", [DINSOS, (("kab",), ("kabupaten",)), (("maros",),)]),
        ("ｄｉｎｓｏｓ", [DINSOS]),  # full-width letters, as pasted from a PDF
    ],
)
def test_terms(text, expected):
    assert search_terms(text) == expected


def test_the_longest_phrase_wins():
    [term] = search_terms("Dinas Pemberdayaan Perempuan dan Perlindungan Anak")
    assert ("dp3a",) in term and ("dp3ap2kb",) in term
    assert ("pemberdayaan perempuan", "perlindungan anak") in term


def test_every_way_of_a_group_gives_the_whole_group():
    for group in AGENCY_NAME_FORMS:
        for way in group:
            if len(way) == 1:
                [term] = search_terms(way[0])
                assert set(group) <= set(term), way


def test_at_most_the_maximum_of_terms():
    assert len(search_terms("a " * 100)) == MAX_SEARCH_TERMS
