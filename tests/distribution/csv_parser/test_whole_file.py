"""The Distribution Log CSV parser: bytes in, plain rows and cell errors out, no database: whole-file refusals."""

import subprocess
import sys
from pathlib import Path

import pytest

from distribution.imports import csv_file as csv_parser
from distribution.imports.csv_file import (
    MAX_CSV_BYTES,
    MAX_CSV_ROWS,
    CsvImportError,
    parse_distribution_csv,
)
from tests.distribution.csv_parser.support import HEADER, make_csv, row


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
    root = Path(__file__).resolve().parents[3]  # the repository

    output = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    ).stdout

    assert output.strip() == "[]"
