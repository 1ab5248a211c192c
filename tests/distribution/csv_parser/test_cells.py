"""The Distribution Log CSV parser: bytes in, plain rows and cell errors out, no database: cell values."""

import pytest

from distribution.imports.csv_file import (
    COLUMNS,
    REQUIRED_COLUMNS,
    CsvCellError,
    parse_distribution_csv,
)
from tests.distribution.csv_parser.support import VALID, errors_as_tuples, make_csv, row


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be a whole number greater than 0"),
        ("-1", "must be a whole number greater than 0"),
        ("2.5", "must be a whole number greater than 0"),
        ("abc", "must be a whole number greater than 0"),
        ("1,20", "must be a whole number greater than 0"),
        ("0.0", "must be a whole number greater than 0"),
        ("", "is required"),
        ("   ", "is required"),
        ("1" + "0" * 18, "is too large to be a quantity"),
        ("9" * 5000, "is too large to be a quantity"),
    ],
)
def test_a_bad_quantity_is_reported(value, message):
    result = parse_distribution_csv(make_csv(row(quantity=value)))

    assert result.rows == []
    assert errors_as_tuples(result) == [(2, "quantity", value.strip(), message)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("007", 7),
        ("1,200", 1200),
        ("1.0", 1),
        ("1,200.00", 1200),
        (" 12 ", 12),
        ("2147483648", 2_147_483_648),  # the database's bound is checked where import lines are checked
        ("9" * 18, 10**18 - 1),
    ],
)
def test_a_quantity_may_have_thousands_commas_and_an_integral_decimal(value, expected):
    assert parse_distribution_csv(make_csv(row(quantity=value))).rows[0].quantity == expected


def test_a_cell_error_reads_as_a_sentence():
    rows = [row(order_number=f"SO-{n}") for n in range(5)] + [row(quantity="0")]

    result = parse_distribution_csv(make_csv(*rows))

    assert [str(error) for error in result.errors] == [
        "Line 7, quantity '0': must be a whole number greater than 0"
    ]


def test_a_cell_error_shortens_long_and_multiline_values():
    error = CsvCellError(line=3, column="notes", value="a\nb" + "x" * 100, message="is too long")

    assert str(error) == f"Line 3, notes 'a b{'x' * 56}…': is too long"


@pytest.mark.parametrize("column", sorted(REQUIRED_COLUMNS - {"ship_date", "quantity"}))
def test_a_blank_required_cell_is_reported(column):
    result = parse_distribution_csv(make_csv(row(**{column: "  "})))

    assert errors_as_tuples(result) == [(2, column, "", "is required")]
    assert str(result.errors[0]) == f"Line 2, {column}: is required"


def test_every_cell_is_trimmed():
    padded = {name: f"  {value}\t" for name, value in VALID.items() if value}

    result = parse_distribution_csv(make_csv(row(**padded)))

    assert result.ok
    parsed = result.rows[0]
    dates_and_numbers = {"ship_date", "quantity", "expiry_date"}
    assert [getattr(parsed, name) for name in COLUMNS if name not in dates_and_numbers] == [
        VALID[name] for name in COLUMNS if name not in dates_and_numbers
    ]


def test_text_longer_than_a_database_column_is_left_to_the_import_line_checks():
    result = parse_distribution_csv(make_csv(row(postal_code="1" * 500, notes="n" * 5000)))

    assert result.ok
    assert (len(result.rows[0].postal_code), len(result.rows[0].notes)) == (500, 5000)


@pytest.mark.parametrize("column", ["udi_di", "order_number", "sku", "lot_number"])
def test_an_identifier_a_spreadsheet_turned_into_scientific_notation_is_reported(column):
    result = parse_distribution_csv(make_csv(row(**{column: "8.12346E+12"})))

    assert [(e.column, e.value) for e in result.errors] == [(column, "8.12346E+12")]
    assert "scientific notation" in result.errors[0].message


def test_a_plus_sign_that_is_not_scientific_notation_is_kept():
    result = parse_distribution_csv(make_csv(row(sku="KIT+2", lot_number="L+1")))

    assert result.ok
    assert (result.rows[0].sku, result.rows[0].lot_number) == ("KIT+2", "L+1")


def test_every_error_in_every_row_is_reported():
    data = make_csv(
        row(ship_date="2026-02-30", quantity="0"),  # line 2: two errors
        row(order_number="SO-2"),  # line 3: fine
        row(facility_name="", sku="", udi_di="8.12346E+12"),  # line 4: three errors
        row(ship_date="yesterday", order_number="", quantity="2.5"),  # line 5: three errors
    )

    result = parse_distribution_csv(data)

    assert not result.ok
    assert result.total_rows == 4
    assert [r.line for r in result.rows] == [3]
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "ship_date"),
        (2, "quantity"),
        (4, "facility_name"),
        (4, "sku"),
        (4, "udi_di"),
        (5, "ship_date"),
        (5, "order_number"),
        (5, "quantity"),
    ]


def test_blank_rows_are_skipped_silently():
    data = make_csv(
        "\r\n", row(), ",,,,,,,,,,,,,,\r\n", "  , ,\t\r\n", "\r\n", row(order_number="SO-2"), "\r\n"
    )

    result = parse_distribution_csv(data)

    assert result.ok
    assert result.total_rows == 2
    assert [(r.order_number, r.line) for r in result.rows] == [("SO-1001", 3), ("SO-2", 7)]


def test_an_error_on_the_last_of_1000_rows_reports_exactly_that_line():
    rows = [row(order_number=f"SO-{n}") for n in range(999)] + [
        row(order_number="SO-last", ship_date="31/12/2026")
    ]

    result = parse_distribution_csv(make_csv(*rows))

    assert result.total_rows == 1000
    assert len(result.rows) == 999
    assert [(e.line, e.column, e.value) for e in result.errors] == [(1001, "ship_date", "31/12/2026")]
