"""The Distribution Log CSV parser: bytes in, plain rows and cell errors out, no database: encodings and line endings."""

from datetime import date

import pytest

from distribution.imports.csv_file import (
    COLUMNS,
    CsvImportError,
    CsvRow,
    parse_distribution_csv,
)
from tests.distribution.csv_parser.support import make_csv, row


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
            expiry_date=None,
            serial_number="SN-0001",
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
