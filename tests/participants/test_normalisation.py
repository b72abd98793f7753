import datetime

import pytest
from django.utils import translation

from participants.normalisation import (
    PLACEHOLDER_WORDS,
    CellError,
    InvalidPhoneNumber,
    collapse_whitespace,
    guess_agency_type,
    is_blank,
    is_placeholder,
    mask_nik,
    normalise_key,
    normalise_name,
    normalise_phone,
    parse_attendance,
    parse_date,
    parse_email,
    parse_name,
    parse_nik,
    parse_phone,
    parse_sex,
    parse_text,
)
from setara.text import clean_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0812-4231-7710", "+6281242317710"),
        ("081355501234", "+6281355501234"),
        ("+62 852-9900-1122", "+6285299001122"),
        ("0813 4400 2211", "+6281344002211"),
        ("6281355501234", "+6281355501234"),
        (81244556677, "+6281244556677"),  # Excel number: leading 0 lost
        (81244556677.0, "+6281244556677"),
        ("81244556677", "+6281244556677"),
        ("(0411) 371234", "+62411371234"),  # landline with area code
        ("", ""),
        (None, ""),
    ],
)
def test_phone_numbers_get_one_stored_form(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["12345", "0812", "+1 202 555 0100", "0812-abc-7710", "08123456789012345", 8.5],
)
def test_impossible_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidPhoneNumber):
        normalise_phone(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hj. Nurhaeda Rahman, S.Sos", "nurhaeda rahman"),
        ("nurhaeda  RAHMAN", "nurhaeda rahman"),
        ("Dra. Marwah Saleh", "marwah saleh"),
        ("Ahmad Fauzi, S.H.", "ahmad fauzi"),
        ("Hasnah, S.Pd", "hasnah"),
        ("Bripka Andi Rusdi", "andi rusdi"),
        ("St. Hadijah", "st hadijah"),  # St. = Sitti, part of the name
        ("Rahmawati", "rahmawati"),
        ("Drs. H. Muh. Yusuf M.Si", "muh yusuf"),
        ("Hj.", "hj"),
    ],
)
def test_name_key_ignores_titles_case_and_spacing(raw, expected):
    assert normalise_name(raw) == expected


def test_agency_key_ignores_case_punctuation_and_spacing():
    assert normalise_key("DP3A  Kab. Maros") == normalise_key("dp3a kab maros")


def test_nik_is_masked_without_any_digit():
    assert mask_nik("7309015708900012") == "****************"
    assert mask_nik("") == ""


@pytest.fixture(autouse=True)
def english():
    """Messages in English, whatever the Indonesian catalogue holds."""
    with translation.override("en"):
        yield


class TestSex:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("L", "L"),
            ("p ", "P"),
            (" P", "P"),
            ("Laki-laki", "L"),
            ("laki laki", "L"),
            ("PEREMPUAN", "P"),
            ("Pria", "L"),
            ("wanita", "P"),
            ("M", "L"),
            ("f", "P"),
            ("Male", "L"),
            ("Female ", "P"),
        ],
    )
    def test_every_written_form_gives_l_or_p(self, raw, expected):
        assert parse_sex(raw) == expected

    def test_anything_else_is_an_error_listing_the_allowed_values(self):
        with pytest.raises(CellError) as error:
            parse_sex("X")
        assert "Laki-laki" in str(error.value.args[0])
        assert "Wanita" in str(error.value.args[0])

    def test_empty_is_an_error_unless_chosen_as_not_recorded(self):
        with pytest.raises(CellError):
            parse_sex("  ")
        assert parse_sex(None, blank_is_not_recorded=True) == ""


class TestPhone:
    @pytest.mark.parametrize(
        "raw",
        [
            "0812-4423-1771",
            "+62 812 4423 1771",
            "6281244231771",
            "0812 4423 1771",
            81244231771,
            81244231771.0,
        ],
    )
    def test_every_form_gives_one_stored_number(self, raw):
        assert parse_phone(raw) == "+6281244231771"

    def test_impossible_length_is_an_error(self):
        with pytest.raises(CellError):
            parse_phone("0812")


class TestNik:
    def test_sixteen_digits_as_text_are_kept(self):
        assert parse_nik("7309012345670001") == "7309012345670001"
        assert parse_nik("'7309 0123 4567 0001") == "7309012345670001"

    @pytest.mark.parametrize("raw", [7309012345670000, 7309012345670000.0])
    def test_a_number_is_an_error_asking_to_format_as_text(self, raw):
        with pytest.raises(CellError) as error:
            parse_nik(raw)
        assert "Text" in str(error.value.args[0])

    def test_scientific_notation_is_an_error_asking_to_format_as_text(self):
        with pytest.raises(CellError) as error:
            parse_nik("7.30901E+15")
        assert "scientific" in str(error.value.args[0])

    @pytest.mark.parametrize("raw", ["730901234567000", "73090123456700011", "abc"])
    def test_wrong_length_is_an_error(self, raw):
        with pytest.raises(CellError):
            parse_nik(raw)


class TestDate:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            (datetime.datetime(1990, 5, 17), datetime.date(1990, 5, 17)),
            (datetime.date(1990, 5, 17), datetime.date(1990, 5, 17)),
            (32980, datetime.date(1990, 4, 17)),
            (32980.0, datetime.date(1990, 4, 17)),
            ("17/05/1990", datetime.date(1990, 5, 17)),
            ("17-5-90", datetime.date(1990, 5, 17)),
            ("17.05.1990", datetime.date(1990, 5, 17)),
            ("17 Mei 1990", datetime.date(1990, 5, 17)),
            ("17 Agustus 1945", datetime.date(1945, 8, 17)),
            ("3 Okt 1985", datetime.date(1985, 10, 3)),
            ("1990-05-17", datetime.date(1990, 5, 17)),
            ("17/05/1990 0:00", datetime.date(1990, 5, 17)),
            ("Maros, 17 Mei 1990", datetime.date(1990, 5, 17)),
            ("Ujung Pandang, 17-05-1990", datetime.date(1990, 5, 17)),
        ],
    )
    def test_date_cells_serials_and_day_first_text(self, raw, expected):
        assert parse_date(raw) == expected

    def test_text_is_never_read_month_first(self):
        assert parse_date("03/04/1990") == datetime.date(1990, 4, 3)
        with pytest.raises(CellError):
            parse_date("05/17/1990")

    @pytest.mark.parametrize(
        "raw", ["31/02/1990", "17 Foo 1990", "kemarin", "17 Mei, 1990x", "Maros"]
    )
    def test_impossible_dates_are_errors(self, raw):
        with pytest.raises(CellError):
            parse_date(raw)


@pytest.mark.parametrize(
    ("name", "agency_type"),
    [
        ("Polres Maros (Unit PPA Satreskrim)", "law_enforcement"),
        ("Kejaksaan Negeri Maros", "law_enforcement"),
        ("UPTD PPA Kab. Maros", "service_provider"),
        ("PATBM Desa Bonto Marannu", "community"),
        ("Dinas Sosial Kab. Maros", "government"),
        ("DP3A Kab. Maros", "government"),
        ("Yayasan BaKTI", "ngo"),
        ("Tim Penggerak", "other"),
    ],
)
def test_guess_agency_type(name, agency_type):
    assert guess_agency_type(name) == agency_type


class TestNameAndMarks:
    def test_names_are_trimmed_and_collapsed_otherwise_as_written(self):
        assert parse_name("  Hj.  Nurhaeda   Rahman, S.Sos ") == (
            "Hj. Nurhaeda Rahman, S.Sos"
        )
        assert parse_name("Kasmawati") == "Kasmawati"

    @pytest.mark.parametrize("mark", ["v", "V", "x", "✓", "1", 1, "hadir", "Hadir "])
    def test_present_marks(self, mark):
        assert parse_attendance(mark) is True

    @pytest.mark.parametrize("mark", [None, "", "0", "-"])
    def test_absent_marks(self, mark):
        assert parse_attendance(mark) is False

    def test_unknown_mark_is_an_error(self):
        with pytest.raises(CellError):
            parse_attendance("sakit?")


# One cleaning step, and placeholders ------------------------------------------


class TestCleaningFirst:
    def test_collapse_whitespace_is_the_one_cleaning_step(self):
        assert collapse_whitespace("\ufeff Andi\u200b\u00a0 Rusdi\x00 ") == clean_text(
            "\ufeff Andi\u200b\u00a0 Rusdi\x00 "
        )
        assert collapse_whitespace("Andi\u00a0Rusdi\x00") == "Andi Rusdi"

    def test_full_width_digits_are_digits(self):
        assert parse_nik("７３０９０１２３４５６７０００１") == "7309012345670001"
        assert parse_phone("０８１２－４４２３－１７７１") == "+6281244231771"
        assert normalise_phone("＋６２ ８１２ ４４２３ １７７１") == "+6281244231771"

    def test_other_scripts_digits_are_not_a_nik(self):
        # Arabic-Indic digits are digits to Python's \d and isdigit(), not to the
        # database's [0-9]: they must fail here, not at confirm.
        with pytest.raises(CellError):
            parse_nik("٧٣٠٩٠١٢٣٤٥٦٧٠٠٠١")

    def test_invisible_characters_in_nik_and_phone_are_ignored(self):
        assert parse_nik("\u200b7309012345670001\x00") == "7309012345670001"
        assert parse_phone("0812\u00a04423\u200b1771") == "+6281244231771"

    @pytest.mark.parametrize(
        "raw", ["Dinas Sosial  Maros", "dinas sosial maros", "Dinas\u00a0Sosial Maros"]
    )
    def test_agency_key_ignores_invisible_characters(self, raw):
        assert normalise_key(raw) == "dinas sosial maros"
        assert normalise_key("Dinas\u200bSosial") == normalise_key("DinasSosial")

    def test_name_key_ignores_invisible_characters(self):
        assert normalise_name("Nur\u200bhaeda\u00a0Rahman") == "nurhaeda rahman"
        assert normalise_name("ＮＵＲＨＡＥＤＡ") == "nurhaeda"

    def test_a_name_of_only_zero_width_spaces_is_empty(self):
        with pytest.raises(CellError):
            parse_name("\u200b\u200b")
        assert is_blank("\u200b\ufeff ")

    def test_text_cells_lose_control_characters(self):
        assert parse_text("Kepala\x00 Seksi\x07") == "Kepala Seksi"
        assert parse_attendance("ｖ") is True
        assert parse_email(" Ani@Contoh.ID\u200b ") == "ani@contoh.id"


PLACEHOLDERS = [
    "0",
    "-",
    "–",
    "—",
    "--",
    "?",
    ".",
    "belum ada",
    "Belum Ada",
    "blm ada",
    "tidak ada",
    "TDK ADA",
    "n/a",
    "N/A",
    "NA",
    "n.a.",
    "none",
    "NULL",
    "tidak punya",
    "kosong",
    "nihil",
    "0000000000000000",
    "0000 0000 0000 0000",
    "０",
    0,
    0.0,
]


class TestPlaceholders:
    @pytest.mark.parametrize("raw", PLACEHOLDERS)
    def test_placeholders_read_as_empty(self, raw):
        assert is_placeholder(raw)
        assert parse_nik(raw) == ""
        assert parse_phone(raw) == ""
        assert normalise_phone(raw) == ""

    @pytest.mark.parametrize(
        "raw", [None, "", "  ", "7309012345670001", "0812", "ada", "nanang", "08"]
    )
    def test_not_placeholders(self, raw):
        assert not is_placeholder(raw)

    def test_every_listed_word_is_a_placeholder(self):
        for word in PLACEHOLDER_WORDS:
            assert is_placeholder(word.upper()), word


@pytest.mark.parametrize("cell", ["...", "\u3164", "- / -"])
def test_a_name_cell_without_letters_is_a_cell_error(cell):
    with pytest.raises(CellError, match="empty|letters"):
        parse_name(cell)
