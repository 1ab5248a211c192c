"""The Distribution Log CSV parser: bytes in, plain rows and cell errors out, no database: header."""

import pytest

from distribution.imports.csv_file import (
    COLUMNS,
    REQUIRED_COLUMNS,
    CsvImportError,
    parse_distribution_csv,
)
from tests.distribution.csv_parser.support import HEADER, errors_as_tuples, make_csv, row


def test_header_names_ignore_case_order_and_whitespace():
    order = ["quantity", "sku", "ship_date", "facility_name", "order_number", "lot_number", "notes"]
    header = ",".join(f"  {name.upper()}\t" if i % 2 else f" {name.title()} " for i, name in enumerate(order))

    result = parse_distribution_csv(make_csv(row(columns=order, notes="hi"), header=header))

    assert result.ok
    assert result.columns == order
    assert (result.rows[0].quantity, result.rows[0].sku, result.rows[0].notes) == (5, "SKU-1", "hi")


def test_optional_columns_may_be_missing():
    required = [name for name in COLUMNS if name in REQUIRED_COLUMNS]

    result = parse_distribution_csv(make_csv(row(columns=required), header=",".join(required)))

    assert result.ok
    parsed = result.rows[0]
    assert (parsed.order_number, parsed.quantity) == ("SO-1001", 5)
    assert parsed.address1 == parsed.city == parsed.udi_di == parsed.lot_number == parsed.rep == ""


@pytest.mark.parametrize("missing", sorted(REQUIRED_COLUMNS))
def test_a_missing_required_column_is_named(missing):
    columns = [name for name in COLUMNS if name != missing]

    with pytest.raises(CsvImportError, match=f"^The required column '{missing}' is missing.$"):
        parse_distribution_csv(make_csv(row(columns=columns), header=",".join(columns)))


def test_several_missing_required_columns_are_all_named():
    with pytest.raises(CsvImportError) as excinfo:
        parse_distribution_csv(make_csv("x,y\r\n", header="ship_date,order_number"))

    assert str(excinfo.value) == "The required columns 'facility_name', 'sku', 'quantity' are missing."


def test_an_unknown_column_is_named_with_the_accepted_columns():
    header = HEADER + ",Colour"

    with pytest.raises(CsvImportError) as excinfo:
        parse_distribution_csv(make_csv(row()[:-2] + ",red\r\n", header=header))

    message = str(excinfo.value)
    assert message.startswith("Unknown column: 'Colour'. The accepted columns are: ship_date, order_number,")
    assert "notes (and id, status, source from an export)." in message


def test_a_semicolon_separated_file_gets_a_hint():
    with pytest.raises(CsvImportError, match="separate columns with ';'"):
        parse_distribution_csv(make_csv("2026-03-05;SO-1\r\n", header=HEADER.replace(",", ";")))


def test_a_duplicate_column_is_refused():
    header = HEADER + ", SKU"

    with pytest.raises(
        CsvImportError, match=r"^The column 'sku' appears more than once \(columns 10, 18\)\.$"
    ):
        parse_distribution_csv(make_csv(row()[:-2] + ",SKU-2\r\n", header=header))


def test_export_columns_id_status_and_source_are_accepted_and_ignored():
    header = HEADER + ",id,status,source"

    result = parse_distribution_csv(make_csv(row()[:-2] + ",42,active,shipstation\r\n", header=header))

    assert result.ok
    assert result.columns == [*COLUMNS, "id", "status", "source"]
    assert result.rows[0].order_number == "SO-1001"


def test_rows_an_export_marks_voided_are_left_out_and_listed():
    header = HEADER + ",id,status,source"
    data = make_csv(
        row()[:-2] + ",42,voided,csv\r\n", row(order_number="SO-2")[:-2] + ",43,active,csv\r\n", header=header
    )

    result = parse_distribution_csv(data)

    assert [r.order_number for r in result.rows] == ["SO-2"]
    assert result.voided_lines == [2]
    assert result.total_rows == 2


def test_an_empty_unnamed_trailing_column_is_ignored_but_a_value_in_it_is_an_error():
    data = make_csv(row()[:-2] + ",\r\n", row(order_number="SO-2")[:-2] + ",stray\r\n", header=HEADER + ",")

    result = parse_distribution_csv(data)

    assert [r.line for r in result.rows] == [2]
    assert errors_as_tuples(result) == [(3, "", "stray", "has a value in column 18, which has no header")]


def test_a_row_with_more_cells_than_the_header_is_an_error():
    result = parse_distribution_csv(make_csv(row()[:-2] + ",surplus\r\n"))

    assert errors_as_tuples(result) == [(2, "", "", "has 18 cells but the header has 17 columns")]
    assert str(result.errors[0]) == "Line 2: has 18 cells but the header has 17 columns"


def test_a_short_row_reads_its_missing_trailing_cells_as_empty():
    result = parse_distribution_csv(make_csv("2026-03-05,SO-1,Hospital A,,,,,,,SKU-1,,,,,5\r\n"))

    assert result.ok
    assert (result.rows[0].rep, result.rows[0].notes) == ("", "")
