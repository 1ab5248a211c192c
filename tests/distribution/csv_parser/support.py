"""Shared values and helpers for the tests of csv parser."""

import csv
import io

from distribution.imports.csv_file import (
    COLUMNS,
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
    "expiry_date": "",
    "serial_number": "SN-0001",
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
