"""The one reading of dates and quantities that the CSV and PDF parsers share. No database."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from distribution.imports.values import (
    MSG_NOT_A_DATE,
    MSG_NOT_A_QUANTITY,
    MSG_REQUIRED,
    MSG_TOO_LARGE,
    find_date,
    parse_date,
    parse_quantity,
    whole_number,
)


def written_forms(day: date) -> list[str]:
    month = day.strftime("%B")
    return [
        day.isoformat(),
        f"{day.year}-{day.month}-{day.day}",
        f"{day.month}/{day.day}/{day.year}",
        f"{day:%m/%d/%Y}",
        f"{month} {day.day}, {day.year}",
        f"{month[:3]}. {day.day} {day.year}",
        f"{day.day} {month} {day.year}",
        f"{day.day} {month[:3].upper()}, {day.year}",
    ]


@given(st.dates(date(1990, 1, 1), date(2099, 12, 31)))
def test_every_documented_form_reads_as_the_same_date_in_a_cell_and_in_text(day):
    for written in written_forms(day):
        assert parse_date(written) == day, written
        assert find_date(f"Ship Date: {written} (rev. 2)") == day, written


@pytest.mark.parametrize("text", ["13/05/2026", "05.03.2026", "5/3/26", "2026/03/05", "٢٠٢٦-٠٣-٠٥"])
def test_day_first_dates_two_digit_years_and_other_digits_are_never_read(text):
    assert isinstance(parse_date(text), str)
    assert find_date(text) is None


def test_a_numeric_date_with_slashes_is_always_month_first():
    assert parse_date("05/03/2026") == find_date("05/03/2026") == date(2026, 5, 3)


def test_a_cell_must_be_a_date_and_nothing_else_while_text_may_surround_one():
    assert parse_date("Thursday, March 5, 2026") == MSG_NOT_A_DATE
    assert find_date("Thursday, March 5, 2026") == date(2026, 3, 5)
    assert parse_date("") == MSG_REQUIRED


def test_a_word_that_names_no_month_is_passed_over_in_text():
    assert find_date("Page 1 2026, shipped 3/5/2026") == date(2026, 3, 5)
    assert parse_date("Smarch 5, 2026") == MSG_NOT_A_DATE


def test_an_impossible_date_is_a_message_in_a_cell_and_no_date_in_text():
    assert parse_date("Sept 31, 2026") == "is not a real date: September 2026 has 30 days"
    assert find_date("Ship Date: 2/29/2026") is None


@pytest.mark.parametrize(
    ("text", "number"),
    [("0", 0), ("007", 7), ("1,200", 1200), ("1,200.00", 1200), (" 12\n", 12), ("9" * 18, 10**18 - 1)],
)
def test_a_whole_number_is_read_with_commas_and_an_all_zero_decimal_part(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize("text", ["", "1.5", "1,20", "-1", "+1", "1e3", "١٢", "１２", "9" * 19])
def test_anything_else_is_no_whole_number(text):
    assert whole_number(text) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("", MSG_REQUIRED),
        ("0", MSG_NOT_A_QUANTITY),
        ("0.00", MSG_NOT_A_QUANTITY),
        ("twelve", MSG_NOT_A_QUANTITY),
        ("9" * 19, MSG_TOO_LARGE),
        ("9" * 5000, MSG_TOO_LARGE),
    ],
)
def test_a_quantity_is_a_whole_number_of_at_least_one(value, expected):
    assert parse_quantity(value) == expected
