"""Exported cells that a spreadsheet would run as formulas are defused, on every database path."""

from __future__ import annotations

import csv
import io

import pytest

from distribution.models import DistributionLogEntry
from silqeqms.csv_export import queryset_csv_chunks, safe_cell
from tests.factories import DistributionLogEntryFactory

pytestmark = pytest.mark.django_db

DANGEROUS = ["=SUM(A1)", "+1 555", "-2+3", "@cmd", "\tTAB", "\rCR"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_safe_cell_prefixes_formula_text_with_a_quote(value):
    assert safe_cell(value) == "'" + value


def test_numbers_stay_numbers():
    assert safe_cell(-5) == -5 and safe_cell(2.5) == 2.5


def test_queryset_export_defuses_text_but_not_numbers_or_dates():
    for value in DANGEROUS:
        DistributionLogEntryFactory(facility_name=value, quantity=3)
    rows = DistributionLogEntry.objects.order_by("id").values_list("facility_name", "quantity", "ship_date")
    data = b"".join(queryset_csv_chunks(["facility_name", "quantity", "ship_date"], rows,
                                        plain_columns={"quantity", "ship_date"}))
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed[0] == ["facility_name", "quantity", "ship_date"]
    assert [r[0] for r in parsed[1:]] == ["'" + v for v in DANGEROUS]
    assert {r[1] for r in parsed[1:]} == {"3"}
    assert all(len(r[2]) == 10 and r[2][4] == "-" for r in parsed[1:])


def test_safe_text_and_empty_cells_are_left_alone():
    for value in ["Mercy Hospital", "", "Ünïcode Clinic", "a=b", "3-4 Main St"]:
        DistributionLogEntryFactory(facility_name=value, notes="")
    rows = DistributionLogEntry.objects.order_by("id").values_list("facility_name", "notes")
    data = b"".join(queryset_csv_chunks(["facility_name", "notes"], rows))
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r[0] for r in parsed[1:]] == ["Mercy Hospital", "", "Ünïcode Clinic", "a=b", "3-4 Main St"]
    assert {r[1] for r in parsed[1:]} == {""}


def test_a_download_stopped_half_way_leaves_the_connection_usable():
    """A client that disconnects mid-export closes the stream; the next query on the connection works."""
    DistributionLogEntryFactory.create_batch(30)
    rows = DistributionLogEntry.objects.order_by("id").values_list("facility_name", "quantity")
    chunks = queryset_csv_chunks(["facility_name", "quantity"], rows, plain_columns={"quantity"}, chunk_bytes=1)
    next(chunks)  # BOM and header
    next(chunks)  # the first row or so
    chunks.close()
    assert DistributionLogEntry.objects.count() == 30
    assert len(b"".join(queryset_csv_chunks(["facility_name"], rows.values_list("facility_name")))
               .decode("utf-8-sig").splitlines()) == 31
