"""The CSV export: one row per order dated in the window, the exact columns, First-Time vs Repeat."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse

from customers.services import ensure_rep_assignment
from distribution.services import void_entry
from sales_dashboard import selectors
from sales_dashboard.selectors import Window
from silqeqms.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
HEADER = ["order_number", "order_date", "customer_id", "facility_name", "state", "rep", "units", "skus", "lots",
          "type"]


def download(client, **params) -> tuple[list[str], list[dict[str, str]], str]:
    response = client.get(reverse("sales_dashboard:export"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    reader = csv.reader(io.StringIO(body[1:]))
    header = next(reader)
    return header, [dict(zip(header, row, strict=True)) for row in reader], response["Content-Disposition"]


def test_the_export_has_exactly_the_agreed_columns(exporter_client):
    header, rows, disposition = download(exporter_client)
    assert header == HEADER
    assert rows == []
    assert disposition == 'attachment; filename="sales-dashboard-orders-2026-01-01-to-open.csv"'


def test_each_order_in_the_window_is_one_row_with_its_customer_units_skus_and_lots(exporter_client, ship):
    rep_b = UserFactory(username="bailey")
    rep_a = UserFactory(username="alex")
    first = ship(order_number="SO-1", facility_name="Hospital A", state="TX", sku="S-2", lot_number="L2",
                 quantity=2, rep=rep_b)
    ship(order_number="SO-1", facility_name="Hospital A", sku="S-1", lot_number="L1", quantity=3, rep=rep_a,
         ship_date=D(2026, 3, 5))
    ship(order_number="SO-1", facility_name="Hospital A", sku="S-1", lot_number="L1", quantity=1, rep=rep_a,
         ship_date=D(2026, 3, 5))
    ship(order_number="SO-1", facility_name="Hospital A", sku="S-3", lot_number="", quantity=4)  # lot pending
    _, rows, _ = download(exporter_client)
    assert rows == [{
        "order_number": "SO-1", "order_date": "2026-03-02", "customer_id": str(first.customer_id),
        "facility_name": "Hospital A", "state": "TX", "rep": "alex; bailey", "units": "10",
        "skus": "S-1; S-2; S-3", "lots": "L1; L2", "type": "First-Time",
    }]


def test_an_order_number_shared_by_two_customers_gives_two_rows(exporter_client, ship):
    a = ship(order_number="SO-7", facility_name="Hospital A", sku="S-A", quantity=2)
    b = ship(order_number="SO-7", facility_name="Clinic B", sku="S-B", quantity=3)
    _, rows, _ = download(exporter_client)
    assert [(r["order_number"], r["customer_id"], r["facility_name"], r["units"], r["skus"]) for r in rows] == [
        ("SO-7", str(a.customer_id), "Hospital A", "2", "S-A"),
        ("SO-7", str(b.customer_id), "Clinic B", "3", "S-B"),
    ]


def test_the_customers_earliest_order_is_first_time_and_later_ones_repeat(exporter_client, ship):
    ship(order_number="SO-1", facility_name="Old Customer", ship_date=D(2025, 6, 1))  # before the window
    ship(order_number="SO-2", facility_name="Old Customer", ship_date=D(2026, 2, 1))
    ship(order_number="SO-3", facility_name="New Customer", ship_date=D(2026, 2, 2))
    ship(order_number="SO-4", facility_name="New Customer", ship_date=D(2026, 2, 9))
    _, rows, _ = download(exporter_client)
    assert [(r["order_number"], r["facility_name"], r["type"]) for r in rows] == [
        ("SO-2", "Old Customer", "Repeat"),
        ("SO-3", "New Customer", "First-Time"),
        ("SO-4", "New Customer", "Repeat"),
    ]


def test_ties_for_a_customers_first_order_go_to_the_lower_order_number(exporter_client, ship):
    ship(order_number="SO-20", facility_name="Hospital A", ship_date=D(2026, 2, 1))
    ship(order_number="SO-10", facility_name="Hospital A", ship_date=D(2026, 2, 1))
    _, rows, _ = download(exporter_client)
    assert [(r["order_number"], r["type"]) for r in rows] == [("SO-10", "First-Time"), ("SO-20", "Repeat")]


def test_an_order_is_in_the_window_by_its_first_part_and_counts_all_its_units(exporter_client, ship):
    ship(order_number="SO-1", ship_date=D(2025, 12, 30), quantity=3)
    ship(order_number="SO-1", ship_date=D(2026, 1, 2), quantity=4)
    ship(order_number="SO-2", ship_date=D(2026, 1, 31), quantity=1)
    ship(order_number="SO-2", ship_date=D(2026, 2, 2), quantity=6)  # after the end: still part of the order
    _, rows, _ = download(exporter_client, start="2026-01-01", end="2026-01-31")
    assert [(r["order_number"], r["order_date"], r["units"]) for r in rows] == [("SO-2", "2026-01-31", "7")]


def test_voided_entries_and_orders_leave_the_export(exporter_client, ship, clerk):
    ship(order_number="SO-1", sku="KEEP", quantity=2)
    extra = ship(order_number="SO-1", sku="GONE", quantity=5)
    only = ship(order_number="SO-2", facility_name="Clinic B")
    void_entry(actor=clerk, entry=extra, reason="duplicate line")
    void_entry(actor=clerk, entry=only, reason="never shipped")
    _, rows, _ = download(exporter_client)
    assert [(r["order_number"], r["units"], r["skus"]) for r in rows] == [("SO-1", "2", "KEEP")]


def test_without_reps_on_the_entries_the_customers_primary_rep_is_named(exporter_client, ship, clerk):
    entry = ship(order_number="SO-1")
    ensure_rep_assignment(customer=entry.customer, rep=UserFactory(username="second"), actor=clerk)
    ensure_rep_assignment(customer=entry.customer, rep=UserFactory(username="primary"), primary=True, actor=clerk)
    _, rows, _ = download(exporter_client)
    assert rows[0]["rep"] == "primary"


def test_cells_that_look_like_formulas_are_defused(exporter_client, ship):
    ship(order_number="=HYPERLINK(1)", facility_name="@Evil Clinic", sku="+SKU", lot_number="-LOT")
    _, rows, _ = download(exporter_client)
    assert rows[0]["order_number"] == "'=HYPERLINK(1)"
    assert rows[0]["facility_name"] == "'@Evil Clinic"
    assert rows[0]["skus"] == "'+SKU"
    assert rows[0]["lots"] == "'-LOT"


def test_rows_are_exact_across_chunk_boundaries(ship):
    for n in range(5):
        ship(order_number="SO-X", facility_name=f"Hospital {n}", sku=f"S{n}", quantity=n + 1)
    rows = list(selectors.export_rows(window=Window(D(2026, 1, 1)), chunk_size=2))
    assert [(r[3], r[6], r[7]) for r in rows] == [(f"Hospital {n}", n + 1, f"S{n}") for n in range(5)]


def test_the_export_costs_a_fixed_number_of_queries_per_chunk(ship, django_assert_num_queries):
    for n in range(5):
        ship(order_number=f"SO-{n}", facility_name=f"Hospital {n}")
    window = Window(D(2026, 1, 1))
    with django_assert_num_queries(1 + 3 * 2):  # the order cursor, then entries + primary reps per chunk
        assert len(list(selectors.export_rows(window=window, chunk_size=2))) == 5


def test_the_export_is_audited_with_its_window(exporter_client, exporter):
    download(exporter_client, start="2026-02-01", end="2026-02-28")
    event = AuditEvent.objects.get(action="sales_dashboard.exported")
    assert event.actor == exporter
    assert event.data == {"start": "2026-02-01", "end": "2026-02-28", "format": "csv"}


def test_an_invalid_window_is_refused_and_not_audited(exporter_client):
    response = exporter_client.get(reverse("sales_dashboard:export"), {"start": "2026-03-01", "end": "2026-02-01"})
    assert response.status_code == 400
    assert "before the start" in response.content.decode()
    assert not AuditEvent.objects.filter(action="sales_dashboard.exported").exists()


def test_a_user_who_may_only_view_gets_403_for_the_export(viewer_client):
    response = viewer_client.get(reverse("sales_dashboard:export"))
    assert response.status_code == 403
    assert "sales_dashboard.export" in response.content.decode()
    assert not AuditEvent.objects.filter(action="sales_dashboard.exported").exists()
