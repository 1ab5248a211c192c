"""The Distribution Log CSV parser: bytes in, plain rows and cell errors out, no database: quoting and physical line numbers."""

import pytest

from distribution.imports.csv_file import (
    CsvImportError,
    parse_distribution_csv,
)
from tests.distribution.csv_parser.support import make_csv, row


def test_a_quoted_cell_keeps_its_commas():
    data = make_csv(row(facility_name="Hospital A, Inc.", address1='12 "Old" Rd, Unit 4'))

    result = parse_distribution_csv(data)

    assert result.rows[0].facility_name == "Hospital A, Inc."
    assert result.rows[0].address1 == '12 "Old" Rd, Unit 4'


@pytest.mark.parametrize("break_", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_a_quoted_cell_keeps_its_line_breaks(break_):
    notes = f"first line{break_}second line{break_}third line"

    result = parse_distribution_csv(make_csv(row(notes=notes)))

    assert result.rows[0].notes == notes


def test_line_numbers_after_a_multiline_cell_are_physical_lines():
    data = make_csv(
        row(order_number="SO-1", notes="one\r\ntwo\r\nthree"),  # lines 2-4
        row(order_number="SO-2"),  # line 5
        row(order_number="SO-3", address1="a\nb", quantity="abc"),  # lines 6-7
        "\r\n",  # line 8, blank
        row(order_number="SO-4", quantity="-1"),  # line 9
    )

    result = parse_distribution_csv(data)

    assert [(r.order_number, r.line) for r in result.rows] == [("SO-1", 2), ("SO-2", 5)]
    assert [(e.line, e.column) for e in result.errors] == [(6, "quantity"), (9, "quantity")]


def test_an_unclosed_quote_refuses_the_file_naming_the_line_where_it_opens():
    data = make_csv(row(), row(order_number="SO-2"), 'a,"SO-3,Hospital\r\n', row(order_number="SO-4"))

    with pytest.raises(CsvImportError, match=r"^Line 4: a quoted cell is never closed"):
        parse_distribution_csv(data)


def test_text_after_a_closing_quote_refuses_the_file_naming_the_line():
    data = make_csv(row(), '2026-03-05,"SO-2"x,Hospital A,,,,,,,SKU-1,,,5,,\r\n')

    with pytest.raises(CsvImportError, match=r"^Line 3: a quoted cell has text after its closing quote"):
        parse_distribution_csv(data)
