"""The Distribution Log CSV parser: bytes in, plain rows and cell errors out, no database: dates."""

from datetime import date

import pytest

from distribution.imports.csv_file import (
    parse_distribution_csv,
)
from tests.distribution.csv_parser.support import errors_as_tuples, make_csv, row


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-05", date(2026, 3, 5)),
        ("2026-3-5", date(2026, 3, 5)),
        ("3/5/2026", date(2026, 3, 5)),
        ("03/05/2026", date(2026, 3, 5)),
        ("12/31/2025", date(2025, 12, 31)),
        ("2028-02-29", date(2028, 2, 29)),
        ("5 March 2026", date(2026, 3, 5)),
        ("March 5, 2026", date(2026, 3, 5)),
        ("Mar. 5th 2026", date(2026, 3, 5)),
        ("Sept 30 2026", date(2026, 9, 30)),
    ],
)
def test_it_reads_the_iso_us_and_month_name_date_forms(value, expected):
    result = parse_distribution_csv(make_csv(row(ship_date=value)))

    assert result.ok
    assert result.rows[0].ship_date == expected


@pytest.mark.parametrize(
    "value",
    [
        "2026/03/05",
        "3/5/26",
        "05.03.2026",
        "20260305",
        "2026-03-05T10:00",
        "٢٠٢٦-٠٣-٠٥",
        "Marzo 5, 2026",
        "March 5",
        "on 2026-03-05",
    ],
)
def test_a_bad_date_is_reported_with_its_line_column_and_value(value):
    result = parse_distribution_csv(make_csv(row(), row(ship_date=value)))

    assert [r.line for r in result.rows] == [2]
    assert errors_as_tuples(result) == [(3, "ship_date", value, "is not a date (use YYYY-MM-DD or M/D/YYYY)")]
    assert str(result.errors[0]) == f"Line 3, ship_date '{value}': is not a date (use YYYY-MM-DD or M/D/YYYY)"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "is not a real date: February 2026 has 28 days"),
        ("2/29/2026", "is not a real date: February 2026 has 28 days"),
        ("2026-04-31", "is not a real date: April 2026 has 30 days"),
        ("2026-01-00", "is not a real date: January 2026 has 31 days"),
        ("2026-13-01", "is not a real date: there is no month 13 (M/D/YYYY puts the month first)"),
        ("25/12/2026", "is not a real date: there is no month 25 (M/D/YYYY puts the month first)"),
        ("0000-01-01", "is not a real date: there is no year 0"),
        ("February 29, 2026", "is not a real date: February 2026 has 28 days"),
        ("31 Apr 2026", "is not a real date: April 2026 has 30 days"),
    ],
)
def test_an_impossible_date_is_reported_clearly(value, message):
    result = parse_distribution_csv(make_csv(row(ship_date=value)))

    assert errors_as_tuples(result) == [(2, "ship_date", value, message)]
