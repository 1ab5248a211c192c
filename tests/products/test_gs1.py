"""products.gs1: GTIN check digits and the three forms of a UDI label, without a database."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from products.gs1 import MAX_CODE_LENGTH, GS1Error, normalize_gtin, parse_label
from tests.products.gtins import gs1_check_digit, with_check_digit, with_wrong_check_digit

GS = "\x1d"  # what a scanner sends for FNC1
GTIN = with_check_digit("0081234567001")  # 00812345670011
BAD_GTIN = with_wrong_check_digit("0081234567001")


def test_the_test_gtins_are_what_gs1_publishes():
    """The helper agrees with GS1's own worked examples (so the tests below rest on real check digits)."""
    assert gs1_check_digit("0950110102091") == "7"  # GS1 General Specifications example 09501101020917
    assert gs1_check_digit("03600029145") == "2"  # UPC-A 036000291452
    assert gs1_check_digit("1234567") == "0"  # GTIN-8 12345670


# GTINs ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    (GTIN, GTIN),
    (GTIN[1:], GTIN),  # GTIN-13
    ("036000291452", "00036000291452"),  # UPC-A (GTIN-12)
    ("12345670", "00000012345670"),  # GTIN-8
    (" 0081 2345 6700 11 ", GTIN),  # spaces as printed
])
def test_a_gtin_of_any_length_is_stored_as_its_14_digit_form(value, expected):
    assert normalize_gtin(value) == expected


def test_a_gtin_with_a_wrong_check_digit_is_refused_naming_the_right_digit():
    with pytest.raises(GS1Error) as info:
        normalize_gtin(BAD_GTIN)
    assert f"should be {GTIN[-1]}, not {BAD_GTIN[-1]}" in str(info.value)


@pytest.mark.parametrize("value", ["", "   ", "abc", "123", "0081234567001X", "٠٠٨١٢٣٤٥٦٧٠٠١١", "1" * 15])
def test_what_is_not_a_gtin_is_refused(value):
    with pytest.raises(GS1Error):
        normalize_gtin(value)


@pytest.mark.parametrize("payload", ["0200000000000", "210000000000", "0000000000000"])
def test_restricted_circulation_numbers_are_not_device_identifiers(payload):
    with pytest.raises(GS1Error, match="restricted circulation"):
        normalize_gtin(with_check_digit(payload))


# Labels ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "form"), [
    (f"]d201{GTIN}17271231" f"10A1B2-C3{GS}21SN0001", "element string"),  # GS1 DataMatrix as scanned
    (f"]C101{GTIN}17271231" f"10A1B2-C3{GS}21SN0001", "element string"),  # GS1-128
    (f"01{GTIN}17271231" f"10A1B2-C3{GS}21SN0001\r\n", "element string"),  # no prefix, Enter at the end
    (f"(01){GTIN}(17)271231(10)A1B2-C3(21)SN0001", "human-readable"),
    (f"https://id.gs1.org/01/{GTIN}/10/A1B2-C3/21/SN0001?17=271231", "Digital Link"),
    (f"HTTPS://labels.example.com/01/{GTIN}/10/A1B2-C3/21/SN0001?17=271231", "Digital Link"),
])
def test_each_form_of_a_label_gives_the_same_identifiers(code, form):
    label = parse_label(code)
    assert (label.udi_di, label.lot_number, label.expiry_date, label.serial_number, label.form) == (
        GTIN, "A1B2-C3", datetime.date(2027, 12, 31), "SN0001", form)


@pytest.mark.parametrize("code", [
    f"01{GTIN}17280200" f"10LOT7",
    f"(01){GTIN}(17)280200(10)LOT7",
    f"https://id.gs1.org/01/{GTIN}/10/LOT7?17=280200",
])
def test_expiry_day_00_is_the_last_day_of_that_month(code):
    assert parse_label(code).expiry_date == datetime.date(2028, 2, 29)  # 2028 is a leap year


def test_a_lot_can_come_before_the_expiry_when_it_ends_with_a_separator():
    label = parse_label(f"]d201{GTIN}10LOT-9{GS}17261130")
    assert (label.lot_number, label.expiry_date) == ("LOT-9", datetime.date(2026, 11, 30))


def test_a_digital_link_lot_may_carry_escaped_characters():
    assert parse_label(f"https://id.gs1.org/01/{GTIN}/10/A%2F7").lot_number == "A/7"


def test_a_manufacture_date_is_read_too():
    assert parse_label(f"01{GTIN}11260115" "10L1").manufacture_date == datetime.date(2026, 1, 15)


def test_a_bare_gtin_fills_the_device_identifier_only():
    label = parse_label(GTIN[1:])
    assert (label.udi_di, label.lot_number, label.expiry_date, label.form) == (GTIN, "", None, "GTIN")


@pytest.mark.parametrize("code", [
    f"]d201{BAD_GTIN}17271231" "10A1",
    f"(01){BAD_GTIN}(10)A1",
    f"https://id.gs1.org/01/{BAD_GTIN}/10/A1",
    BAD_GTIN,
])
def test_a_wrong_check_digit_in_any_form_is_an_error_naming_it(code):
    with pytest.raises(GS1Error) as info:
        parse_label(code)
    assert f"GTIN {BAD_GTIN} has a wrong check digit" in str(info.value)


@pytest.mark.parametrize(("code", "says"), [
    ("", "Scan a label"),
    ("   \r\n", "Scan a label"),
    ("hello world", "is not a GS1 label"),
    ("]d2", "is not a GS1 label"),
    ("]", "Could not read"),  # biip itself fails with an IndexError here
    (f"01{GTIN}172713" "01", "GS1 element string"),  # month 13
    ("(01)0081234567", "(AI)value"),
    ("(99)ABC", "no device identifier"),
    ("00106141411234567897", "no device identifier"),  # an SSCC (a pallet), not a device
    ("https://example.com/products/42", "not a GS1 Digital Link"),
    ("0" * (MAX_CODE_LENGTH + 1), "characters long"),
    (f"(01){GTIN}(01){with_check_digit('0081234567002')}", "twice"),
])
def test_what_cannot_be_read_says_why(code, says):
    with pytest.raises(GS1Error, match=says.replace("(", r"\(").replace(")", r"\)")):
        parse_label(code)


@given(st.text(max_size=80))
def test_any_text_gives_a_label_or_a_gs1_error_never_another_exception(code):
    try:
        label = parse_label(code)
    except GS1Error as error:
        assert str(error)
    else:
        assert len(label.udi_di) == 14


@given(st.text(alphabet=st.sampled_from(list("]()0123456789dCQe/:htps.%?=AZ") + [GS]), max_size=40))
def test_text_made_of_label_characters_gives_a_label_or_a_gs1_error(code):
    try:
        label = parse_label(code)
    except GS1Error as error:
        assert str(error)
    else:
        assert len(label.udi_di) == 14


@given(st.from_regex(r"\A(\]d2)?01[0-9]{14}(17[0-9]{6})?(10[!-~]{1,20})?\Z"))
def test_element_string_shaped_input_gives_its_gtin_or_a_gs1_error(code):
    try:
        label = parse_label(code)
    except GS1Error as error:
        assert str(error)
    else:
        assert label.udi_di == code.removeprefix("]d2")[2:16]
