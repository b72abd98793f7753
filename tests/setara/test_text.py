"""``setara.text``: the one text-cleaning step."""

import unicodedata

import pytest

from setara.text import clean_multiline_text, clean_text

#: Values as they arrive from sign-in sheets, WhatsApp and Word.
NASTY = [
    "  Dinas\u00a0Sosial\u200b  Maros\x00 ",
    "\ufeffHj. Nurhaeda\u2060 Rahman,\u00a0S.Sos",
    "０８１２\u202f４２３１\u20077710",
    "\u200b\u200c\u200d",
    "A\tB\nC\r\nD\x0bE\x0cF\x85G\u2028H\u2029I",
    "Na\u00adma\x07 \x1b[31m",
    "e\u200b\u0301",  # a zero-width space between a letter and its accent
    "ＤＰ３Ａ　Ｋａｂ．\u3000Ｍａｒｏｓ",
    "",
    "plain text",
]


class TestCleanText:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("０８１２３４", "081234"),  # full-width digits (NFKC)
            ("ＤＰ３Ａ", "DP3A"),  # full-width letters
            ("ﬁ", "fi"),  # a ligature, a compatibility form
            ("Andi\x00 Rusdi", "Andi Rusdi"),  # NUL (C0)
            ("Andi\x07Rusdi", "AndiRusdi"),  # BEL (C0)
            ("Andi\x9bRusdi", "AndiRusdi"),  # CSI (C1)
            ("Andi\x7fRusdi", "AndiRusdi"),  # DEL
            ("Nur\u200bhaeda", "Nurhaeda"),  # zero-width space (Cf)
            ("Nur\u200chaeda\u200d", "Nurhaeda"),  # ZWNJ, ZWJ
            ("\u2060Nurhaeda", "Nurhaeda"),  # word joiner
            ("\ufeffNurhaeda", "Nurhaeda"),  # byte-order mark
            ("Nur\u00adhaeda", "Nurhaeda"),  # soft hyphen
            ("Dinas\u00a0Sosial", "Dinas Sosial"),  # no-break space
            ("Dinas\u202fSosial", "Dinas Sosial"),  # narrow no-break space
            ("Dinas\u2007Sosial", "Dinas Sosial"),  # figure space
            ("Dinas\u3000Sosial", "Dinas Sosial"),  # ideographic space
            ("Dinas\tSosial\nMaros", "Dinas Sosial Maros"),  # tab, newline
            ("Dinas\u2028Sosial", "Dinas Sosial"),  # line separator
            ("  Dinas   Sosial  ", "Dinas Sosial"),  # collapsed and trimmed
            ("e\u200b\u0301", "é"),  # the accent joins its letter again
            ("\ud800name", "name"),  # a lone surrogate (no UTF-8 form)
            ("Hj. Nurhaeda Rahman, S.Sos", "Hj. Nurhaeda Rahman, S.Sos"),
            ("Jose\u0301", "José"),  # an accent on its letter stays
            ("\u2764\ufe0f Maros", "❤ Maros"),  # the emoji stays, its selector goes
            ("Andi \u0301Baso", "Andi Baso"),  # an accent after a space goes
            ("Dinas Uji\uffff", "Dinas Uji"),  # noncharacters: XML refuses them
            ("Di\ufffenas\ufdd0", "Dinas"),
            ("Dinas\U0001fffe", "Dinas"),
        ],
    )
    def test_cleans(self, value, expected):
        assert clean_text(value) == expected

    @pytest.mark.parametrize(
        "value",
        [
            None,
            "",
            "   ",
            "\u200b\u200b",
            "\x00\u00a0",
            "\u3164\u3164",  # Hangul filler (a letter to Unicode, shows nothing)
            "\u0301\u0301",  # combining accents with no letter under them
            "\ufe0f",  # variation selector
            "\u2800",  # braille blank
        ],
    )
    def test_empty_after_cleaning_is_empty(self, value):
        assert clean_text(value) == ""

    def test_non_text_is_made_text(self):
        assert clean_text(81244556677) == "81244556677"

    @pytest.mark.parametrize("value", NASTY)
    def test_idempotent(self, value):
        once = clean_text(value)
        assert clean_text(once) == once

    @pytest.mark.parametrize("value", NASTY)
    def test_result_has_no_control_format_or_odd_whitespace(self, value):
        result = clean_text(value)
        assert all(unicodedata.category(c) not in {"Cc", "Cf", "Cs"} for c in result)
        assert all(c == " " for c in result if c.isspace())
        assert "  " not in result
        assert result == result.strip()
        assert unicodedata.normalize("NFKC", result) == result


class TestCleanMultilineText:
    def test_keeps_lines_and_tabs(self):
        assert clean_multiline_text("Dinas Sosial\n\tDP3A") == "Dinas Sosial\n\tDP3A"

    def test_line_breaks_become_newlines(self):
        value = "a\r\nb\rc\u2028d\u2029e\x85f"
        assert clean_multiline_text(value) == "a\nb\nc\nd\ne\nf"

    def test_removes_control_and_zero_width_characters(self):
        value = "Yayasan\x00 BaKTI\u200b\nUNICEF\x07\ufeff"
        assert clean_multiline_text(value) == "Yayasan BaKTI\nUNICEF"

    def test_no_break_spaces_become_spaces(self):
        assert clean_multiline_text("Jl.\u00a0Poros\u202fMaros") == "Jl. Poros Maros"

    def test_trims_the_value_and_the_end_of_each_line(self):
        assert clean_multiline_text("\n\n  a  \nb   \n\n") == "a\nb"

    def test_compatibility_forms_are_kept(self):
        # Free text may hold ½ or ²; NFKC would rewrite them.
        assert clean_multiline_text("½ hari, 2 m²") == "½ hari, 2 m²"

    @pytest.mark.parametrize("value", [None, "", "\u200b\n\x00\n "])
    def test_empty_after_cleaning_is_empty(self, value):
        assert clean_multiline_text(value) == ""

    @pytest.mark.parametrize("value", NASTY)
    def test_idempotent(self, value):
        once = clean_multiline_text(value)
        assert clean_multiline_text(once) == once
        assert "\x00" not in once
        assert "\r" not in once
