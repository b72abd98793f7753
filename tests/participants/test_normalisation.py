import pytest

from participants.normalisation import (
    InvalidPhoneNumber,
    mask_nik,
    normalise_key,
    normalise_name,
    normalise_phone,
)


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


def test_nik_is_masked_but_for_the_last_four_digits():
    assert mask_nik("7309015708900012") == "************0012"
    assert mask_nik("") == ""
