"""The Distribution Log CSV parser: bytes in, plain rows and cell errors out, no database."""

import csv
import io
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distribution.imports import csv_file as csv_parser
from distribution.imports.csv_file import (
    COLUMNS,
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    REQUIRED_COLUMNS,
    CsvCellError,
    CsvImportError,
    CsvRow,
    parse_distribution_csv,
)

HEADER = ",".join(COLUMNS)
VALID = {
    "ship_date": "2026-03-05",
    "order_number": "SO-1001",
    "facility_name": "Hospital A",
    "address1": "1 Main St",
    "address2": "Suite 200",
    "city": "Boston",
    "state": "MA",
    "postal_code": "02139",
    "country": "US",
    "sku": "SKU-1",
    "udi_di": "00812345678901",
    "lot_number": "LOT-1",
    "quantity": "5",
    "rep": "jdoe",
    "notes": "",
}


def cells_line(cells, terminator="\r\n"):
    """One CSV record, quoted the way a spreadsheet would quote it."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=terminator).writerow(cells)
    return buffer.getvalue()


def row(columns=COLUMNS, terminator="\r\n", **overrides):
    values = {**VALID, **overrides}
    return cells_line([values[name] for name in columns], terminator)


def make_csv(*rows, header=HEADER, terminator="\r\n", encoding="utf-8"):
    return (header + terminator + "".join(rows)).encode(encoding)


def errors_as_tuples(result):
    return [(e.line, e.column, e.value, e.message) for e in result.errors]


# --- encodings and line endings -------------------------------------------------------------


def test_it_reads_a_plain_utf8_file():
    result = parse_distribution_csv(make_csv(row()))

    assert result.ok
    assert result.encoding == "utf-8"
    assert result.total_rows == 1
    assert result.columns == list(COLUMNS)
    assert result.rows == [
        CsvRow(
            line=2,
            ship_date=date(2026, 3, 5),
            order_number="SO-1001",
            facility_name="Hospital A",
            address1="1 Main St",
            address2="Suite 200",
            city="Boston",
            state="MA",
            postal_code="02139",
            country="US",
            sku="SKU-1",
            udi_di="00812345678901",
            lot_number="LOT-1",
            quantity=5,
            rep="jdoe",
            notes="",
        )
    ]


def test_it_reads_a_utf8_file_with_a_bom():
    data = b"\xef\xbb\xbf" + make_csv(row(facility_name="Hôpital Sainte-Anne"))

    result = parse_distribution_csv(data)

    assert result.ok
    assert result.encoding == "utf-8-sig"
    assert result.columns[0] == "ship_date"
    assert result.rows[0].facility_name == "Hôpital Sainte-Anne"


def test_it_falls_back_to_windows_1252():
    data = make_csv(
        row(facility_name="Hôpital Sainte-Anne", notes="caf\u00e9 \u2013 \u20ac5"), encoding="cp1252"
    )

    result = parse_distribution_csv(data)

    assert result.ok
    assert result.encoding == "cp1252"
    assert result.rows[0].facility_name == "Hôpital Sainte-Anne"
    assert result.rows[0].notes == "café – €5"


def test_it_refuses_bytes_that_are_neither_utf8_nor_windows_1252():
    # 0x81 is unassigned in Windows-1252 and invalid as a UTF-8 start byte.
    data = make_csv(row(), row(order_number="SO-1002")) + b"\x81bad\r\n"

    with pytest.raises(CsvImportError, match=r"not UTF-8 or Windows-1252 text \(see line 4\)"):
        parse_distribution_csv(data)


def test_it_refuses_utf8_text_with_a_stray_byte_rather_than_garbling_it():
    # Read as Windows-1252, line 2 would become "HÃ´pital Sainte-Anne" without any error.
    data = make_csv(
        row(facility_name="Hôpital Sainte-Anne"), row(order_number="SO-2")
    ) + "Caf\u00e9\r\n".encode("cp1252")

    with pytest.raises(CsvImportError, match="UTF-8 text but line 4 is not valid UTF-8"):
        parse_distribution_csv(data)


def test_it_refuses_a_file_marked_utf8_that_is_not():
    data = b"\xef\xbb\xbf" + make_csv(row(facility_name="Hôpital"), encoding="cp1252")

    with pytest.raises(CsvImportError, match="marked as UTF-8 but line 2 is not valid UTF-8"):
        parse_distribution_csv(data)


def test_it_refuses_a_utf16_file_with_a_clear_message():
    data = make_csv(row(), encoding="utf-16")

    with pytest.raises(CsvImportError, match="UTF-16"):
        parse_distribution_csv(data)


def test_it_refuses_binary_data():
    with pytest.raises(CsvImportError, match="binary data"):
        parse_distribution_csv(b"PK\x03\x04\x14\x00\x06\x00" + make_csv(row()))


@pytest.mark.parametrize("terminator", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_it_reads_crlf_lf_and_cr_line_endings(terminator):
    data = make_csv(
        row(terminator=terminator),
        row(terminator=terminator, order_number="SO-1002"),
        row(terminator=terminator, order_number="SO-1003", quantity="0"),
        terminator=terminator,
    )

    result = parse_distribution_csv(data)

    assert [r.order_number for r in result.rows] == ["SO-1001", "SO-1002"]
    assert [r.line for r in result.rows] == [2, 3]
    assert [e.line for e in result.errors] == [4]


def test_it_reads_a_last_row_without_a_line_break():
    data = make_csv(row()).rstrip(b"\r\n")

    assert parse_distribution_csv(data).rows[0].order_number == "SO-1001"


# --- dates ----------------------------------------------------------------------------------


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


# --- quoting and physical line numbers -----------------------------------------------------


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


# --- header --------------------------------------------------------------------------------


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
        CsvImportError, match=r"^The column 'sku' appears more than once \(columns 10, 16\)\.$"
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
    assert errors_as_tuples(result) == [(3, "", "stray", "has a value in column 16, which has no header")]


def test_a_row_with_more_cells_than_the_header_is_an_error():
    result = parse_distribution_csv(make_csv(row()[:-2] + ",surplus\r\n"))

    assert errors_as_tuples(result) == [(2, "", "", "has 16 cells but the header has 15 columns")]
    assert str(result.errors[0]) == "Line 2: has 16 cells but the header has 15 columns"


def test_a_short_row_reads_its_missing_trailing_cells_as_empty():
    result = parse_distribution_csv(make_csv("2026-03-05,SO-1,Hospital A,,,,,,,SKU-1,,,5\r\n"))

    assert result.ok
    assert (result.rows[0].rep, result.rows[0].notes) == ("", "")


# --- cell values ---------------------------------------------------------------------------


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
    assert [getattr(parsed, name) for name in COLUMNS if name not in {"ship_date", "quantity"}] == [
        VALID[name] for name in COLUMNS if name not in {"ship_date", "quantity"}
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


# --- whole-file refusals --------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b" , ,\n"], ids=["empty", "bom", "newlines", "blank-cells"]
)
def test_an_empty_file_is_refused(data):
    with pytest.raises(CsvImportError, match=r"^The file is empty\.$"):
        parse_distribution_csv(data)


@pytest.mark.parametrize(
    "data", [HEADER.encode(), make_csv(), make_csv("\r\n,,,\r\n")], ids=["bare", "crlf", "blank-rows"]
)
def test_a_header_only_file_is_refused(data):
    with pytest.raises(CsvImportError, match=r"^The file has a header but no rows\.$"):
        parse_distribution_csv(data)


class _Undecodable(bytes):
    """Bytes that fail the test if anyone decodes them: proves the size is checked first."""

    def decode(self, *args, **kwargs):
        raise AssertionError("decoded a file that is over the size limit")


def test_the_limits_are_as_documented():
    assert MAX_CSV_BYTES == 20 * 1024 * 1024
    assert MAX_CSV_ROWS == 200_000


def test_a_file_over_the_size_limit_is_refused_before_decoding():
    just_over = _Undecodable(b"x" * (MAX_CSV_BYTES + 1))
    larger = _Undecodable(b"x" * int(23.4 * 1024 * 1024))

    with pytest.raises(CsvImportError) as just_over_error:
        parse_distribution_csv(just_over)
    with pytest.raises(CsvImportError) as larger_error:
        parse_distribution_csv(larger)

    assert str(just_over_error.value) == "The file is 20.1 MB; the limit is 20 MB."
    assert str(larger_error.value) == "The file is 23.4 MB; the limit is 20 MB."


def test_a_file_at_the_size_limit_is_read(monkeypatch):
    data = make_csv(row())
    monkeypatch.setattr(csv_parser, "MAX_CSV_BYTES", len(data))

    assert parse_distribution_csv(data).ok
    with pytest.raises(CsvImportError, match="the limit is"):
        parse_distribution_csv(data + b"\r\n")


def test_a_file_over_the_row_limit_is_refused_using_the_limit_at_call_time(monkeypatch):
    monkeypatch.setattr(csv_parser, "MAX_CSV_ROWS", 3)
    three = [row(order_number=f"SO-{n}") for n in range(3)]

    assert parse_distribution_csv(make_csv(*three, "\r\n\r\n")).total_rows == 3  # blank rows do not count
    with pytest.raises(CsvImportError) as excinfo:
        parse_distribution_csv(make_csv(*three, row(order_number="SO-4")))

    assert str(excinfo.value) == "The file has more than 3 rows; split it and import the parts."


def test_reading_stops_at_the_first_row_over_the_limit(monkeypatch):
    monkeypatch.setattr(csv_parser, "MAX_CSV_ROWS", 2)
    # Reading on to line 5 would raise the unclosed-quote error instead of the row limit.
    data = make_csv(row(), row(), row(), '"never closed\r\n')

    with pytest.raises(CsvImportError, match="more than 2 rows"):
        parse_distribution_csv(data)


def test_the_parser_module_imports_nothing_from_django():
    code = (
        "import sys, distribution.imports.csv_file as m; "
        "assert m.csv.__name__ == 'csv' and m.csv.reader is not None; "
        "print(sorted(n for n in sys.modules if n == 'django' or n.startswith('django.')))"
    )
    root = Path(__file__).resolve().parents[2]

    output = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    ).stdout

    assert output.strip() == "[]"


# --- property ------------------------------------------------------------------------------

_TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40)
_SHIP_DATE = st.one_of(
    _TEXT,
    st.dates(date(1990, 1, 1), date(2099, 12, 31)).flatmap(
        lambda d: st.sampled_from([d.isoformat(), f"{d.month}/{d.day}/{d.year}", f"{d:%m/%d/%Y}"])
    ),
)
_QUANTITY = st.one_of(
    _TEXT, st.integers(1, 10**7).flatmap(lambda n: st.sampled_from([str(n), f"{n:,}", f"{n}.0"]))
)
_ROW = st.fixed_dictionaries(
    {
        name: _SHIP_DATE if name == "ship_date" else _QUANTITY if name == "quantity" else _TEXT
        for name in COLUMNS
    }
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@settings(max_examples=50, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=6))
def test_text_written_by_csv_writer_reads_back_trimmed_or_as_cell_errors(generated):
    text = HEADER + "\r\n"
    starts = []
    for values in generated:
        starts.append(len(_LINE_BREAK.findall(text)) + 1)
        text += cells_line([values[name] for name in COLUMNS])

    try:
        result = parse_distribution_csv(text.encode("utf-8"))
    except CsvImportError as exc:
        # Only possible when every generated row is blank.
        assert all(not v.strip() for values in generated for v in values.values()), exc
        return

    rows_by_line = {r.line: r for r in result.rows}
    error_lines = {e.line for e in result.errors}
    assert all(isinstance(e, CsvCellError) and e.column in ("", *COLUMNS) for e in result.errors)
    non_blank = 0
    for line, values in zip(starts, generated, strict=True):
        if not any(v.strip() for v in values.values()):
            assert line not in rows_by_line and line not in error_lines
            continue
        non_blank += 1
        if line in error_lines:
            assert line not in rows_by_line
            continue
        parsed = rows_by_line[line]
        for name in COLUMNS:
            if name not in {"ship_date", "quantity"}:
                assert getattr(parsed, name) == values[name].strip()
        assert isinstance(parsed.ship_date, date)
        assert parsed.quantity > 0
    assert result.total_rows == non_blank
    assert len(result.rows) + len(error_lines) == non_blank
