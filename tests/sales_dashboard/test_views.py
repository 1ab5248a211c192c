"""The dashboard page and its JSON: permissions, window, audit, agreement, query counts."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distribution.imports.lines import ImportLine
from distribution.imports.writer import import_entries
from distribution.models import DistributionLogEntry
from distribution.services import void_entry
from silqeqms.models import AuditEvent
from tests.factories import DistributionLogEntryFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
URL = "/admin/sales-dashboard/"
JSON_KEYS = {
    "start": str, "end": (str, type(None)), "total_orders_window": int, "total_orders_lifetime": int,
    "total_units_window": int, "total_customers_lifetime": int, "first_time_customers": int, "repeat_customers": int,
    "sku_breakdown": list, "lots": list,
}


def page_stats(html: str) -> dict[str, int]:
    """The figures the page shows, by their data-stat marker."""
    return {name: int(value.replace(",", "")) for name, value in
            re.findall(r'data-stat="([a-z_]+)">\s*([\d,]+)\s*<', html)}


def seed(clerk, *, orders: int, lines: int = 2, start: int = 0) -> None:
    """`orders` orders over a handful of customers, SKUs and lots, in one import (summaries kept)."""
    rows = []
    for n in range(start, start + orders):
        for k in range(lines):
            rows.append(ImportLine(line=len(rows) + 1, ship_date=D(2025, 10, 1) + datetime.timedelta(days=n % 300),
                                   order_number=f"SO-{n}", facility_name=f"Hospital {n % 7}", sku=f"SKU-{k % 3}",
                                   quantity=1 + n % 5, lot_number="" if n % 11 == 0 else f"LOT-{n % 13}"))
    import_entries(actor=clerk, rows=rows, source="csv", reason="test data", file_name="seed.csv",
                   sha256=f"{start:064d}")


def test_the_url_names_resolve_to_the_agreed_paths():
    assert reverse("sales_dashboard:dashboard") == URL
    assert reverse("sales_dashboard:export") == URL + "export/"


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_users_without_the_view_permission_get_403_and_nothing_is_written(client):
    client.force_login(UserFactory(perms=["sales_dashboard.export", "distribution.view"]))
    for params in ({}, {"format": "json"}):
        response = client.get(URL, params)
        assert response.status_code == 403
        assert "sales_dashboard.view" in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="sales_dashboard.").exists()


def test_the_page_shows_the_window_figures_and_its_title(viewer_client, ship):
    ship(order_number="SO-1", quantity=3)
    ship(order_number="SO-2", facility_name="Clinic B", quantity=4, ship_date=D(2025, 12, 1))
    response = viewer_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Sales Dashboard · SilqeQMS</title>" in html
    assert page_stats(html) == {
        "total_orders_window": 1, "total_orders_lifetime": 2, "total_units_window": 3,
        "active_customers_window": 1, "total_customers_lifetime": 2, "first_time_customers": 2,
        "repeat_customers": 0, "lot_pending": 0,
    }
    assert 'value="2026-01-01"' in html  # the default start fills the form


def test_the_json_has_exactly_the_agreed_keys_and_types(viewer_client, ship):
    ship(order_number="SO-1", sku="S-1", lot_number="L-1")
    data = viewer_client.get(URL, {"format": "json", "end": "2026-12-31"}).json()
    assert set(data) == set(JSON_KEYS)
    for key, kind in JSON_KEYS.items():
        assert isinstance(data[key], kind), key
        if kind is int:
            assert not isinstance(data[key], bool)
    assert data["start"] == "2026-01-01" and data["end"] == "2026-12-31"
    assert data["sku_breakdown"] == [{"sku": "S-1", "units": 5}]
    assert data["lots"] == [{"lot_number": "L-1", "units": 5, "first_ship_date": "2026-03-02",
                             "last_ship_date": "2026-03-02"}]
    assert viewer_client.get(URL, {"format": "json"}).json()["end"] is None


def test_the_json_lists_every_lot_without_pagination(viewer_client, clerk):
    seed(clerk, orders=60, lines=1)
    rows = [ImportLine(line=n + 1, ship_date=D(2026, 2, 1), order_number=f"L-{n}", facility_name="Lot Clinic",
                       sku="S", quantity=1, lot_number=f"LOT-X{n:02d}") for n in range(30)]
    import_entries(actor=clerk, rows=rows, source="csv", reason="lots", file_name="lots.csv", sha256="f" * 64)
    lots = viewer_client.get(URL, {"format": "json"}).json()["lots"]
    names = [lot["lot_number"] for lot in lots]
    assert len(names) == 13 + 30
    assert names == sorted(names)


def test_the_page_and_the_json_agree(viewer_client, clerk, ship):
    seed(clerk, orders=40)
    ship(order_number="SO-5", facility_name="Hospital 5", ship_date=D(2026, 1, 1))
    for params in ({}, {"start": "2025-11-01", "end": "2026-01-15"}, {"start": "2026-07-01"}):
        html = viewer_client.get(URL, params).content.decode()
        data = viewer_client.get(URL, {**params, "format": "json"}).json()
        shown = page_stats(html)
        for key in ("total_orders_window", "total_orders_lifetime", "total_units_window",
                    "total_customers_lifetime", "first_time_customers", "repeat_customers"):
            assert shown[key] == data[key], (params, key)
        sku_rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td class="num">([\d,]+)</td>', html)
        assert [(s, int(u.replace(",", ""))) for s, u in sku_rows] == [
            (row["sku"], row["units"]) for row in data["sku_breakdown"]]


def test_the_end_date_in_the_url_is_inclusive(viewer_client, ship):
    ship(order_number="SO-1", ship_date=D(2026, 2, 28), quantity=2)
    ship(order_number="SO-2", ship_date=D(2026, 3, 1), quantity=5)
    data = viewer_client.get(URL, {"format": "json", "start": "2026-02-28", "end": "2026-02-28"}).json()
    assert (data["total_orders_window"], data["total_units_window"]) == (1, 2)


def test_every_view_is_audited_with_its_window_and_format(viewer_client, viewer):
    viewer_client.get(URL)
    viewer_client.get(URL, {"format": "json", "start": "2026-02-01", "end": "2026-02-28"})
    events = AuditEvent.objects.filter(action="sales_dashboard.viewed").order_by("seq")
    assert [(e.actor, e.data) for e in events] == [
        (viewer, {"start": "2026-01-01", "end": None, "format": "html", "scope": "company"}),
        (viewer, {"start": "2026-02-01", "end": "2026-02-28", "format": "json", "scope": "company"}),
    ]


@pytest.mark.parametrize("params, field, message", [
    ({"start": "2026-13-45"}, "start", "Enter a valid date."),
    ({"end": "yesterday"}, "end", "Enter a valid date."),
    ({"start": "2026-03-01", "end": "2026-02-01"}, "end", "The end date is before the start date."),
])
def test_invalid_dates_give_an_inline_error_and_are_not_audited(viewer_client, params, field, message):
    response = viewer_client.get(URL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf'<p class="error" id="id_{field}_error" role="alert">{re.escape(message)}</p>', html)
    assert 'data-stat="' not in html  # no figures for a window that does not exist
    response = viewer_client.get(URL, {**params, "format": "json"})
    assert response.status_code == 400
    assert response.json() == {"errors": {field: [message]}}
    assert not AuditEvent.objects.filter(action="sales_dashboard.viewed").exists()


def test_an_empty_start_means_the_default_start(viewer_client):
    assert viewer_client.get(URL, {"start": "", "format": "json"}).json()["start"] == "2026-01-01"


def test_the_export_button_is_shown_only_with_the_export_permission(client, viewer, exporter):
    export_url = reverse("sales_dashboard:export")
    client.force_login(viewer)
    assert export_url not in client.get(URL).content.decode()
    client.force_login(exporter)
    html = client.get(URL, {"start": "2026-02-01", "end": "2026-03-01"}).content.decode()
    assert f'href="{export_url}?start=2026-02-01&amp;end=2026-03-01"' in html


def test_a_banner_counts_entries_not_linked_to_a_customer(viewer_client, ship):
    ship()
    assert "not linked to a customer" not in viewer_client.get(URL).content.decode()
    DistributionLogEntryFactory.create_batch(3, customer=None, facility_name="Nobody Yet")
    html = viewer_client.get(URL).content.decode()
    assert "3 distribution entries are not linked to a customer" in html
    assert "manage.py link_customers" in html


def test_lots_are_listed_25_a_page_sortable_searchable_and_linked_to_their_trace(viewer_client, clerk):
    rows = [ImportLine(line=n + 1, ship_date=D(2026, 2, 1) + datetime.timedelta(days=n), order_number=f"SO-{n}",
                       facility_name="Lot Clinic", sku="S", quantity=n + 1, lot_number=f"LOT/{n:02d}")
            for n in range(30)]
    import_entries(actor=clerk, rows=rows, source="csv", reason="lots", file_name="lots.csv", sha256="e" * 64)
    html = viewer_client.get(URL).content.decode()
    lots = re.findall(r">(LOT/\d\d)</a>", html)
    assert lots == [f"LOT/{n:02d}" for n in range(25)]
    assert f'href="{reverse("distribution:lot_trace", args=["LOT/00"])}"' in html
    assert "Page 1 of 2" in html
    page_two = re.findall(r">(LOT/\d\d)</a>", viewer_client.get(URL, {"page": 2}).content.decode())
    assert page_two == [f"LOT/{n:02d}" for n in range(25, 30)]
    by_units = re.findall(r">(LOT/\d\d)</a>", viewer_client.get(URL, {"sort": "-units"}).content.decode())
    assert by_units[:3] == ["LOT/29", "LOT/28", "LOT/27"]
    found = viewer_client.get(URL, {"lot": "/1", "start": "2026-02-01"}).content.decode()
    assert re.findall(r">(LOT/\d\d)</a>", found) == [f"LOT/{n}" for n in range(10, 20)]
    assert 'name="lot" value="/1"' in found  # the window form keeps the search


def test_lot_pending_entries_are_shown_apart(viewer_client, ship):
    ship(order_number="SO-1", lot_number="")
    ship(order_number="SO-2", lot_number="", quantity=2)
    html = viewer_client.get(URL).content.decode()
    assert page_stats(html)["lot_pending"] == 2
    assert "7 units) waiting for a lot number" in html


def test_the_chart_is_inline_svg_that_names_itself(viewer_client, ship):
    ship(order_number="SO-1", ship_date=D(2026, 1, 15), quantity=3)
    ship(order_number="SO-2", ship_date=D(2026, 3, 15), quantity=8)
    html = viewer_client.get(URL).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'role="img" aria-labelledby="units-chart-title units-chart-desc"' in html
    assert '<title id="units-chart-title">Units shipped per month</title>' in html
    assert "<title>Mar 2026: 8 units</title>" in html
    assert "<title>Feb 2026: 0 units</title>" in html
    assert "<script" not in html


def _dashboard_queries(client, params) -> tuple[int, int]:
    """(all queries, queries that read the distribution tables) for one request."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL, params).status_code == 200
    return len(captured), sum('"distribution_' in q["sql"] for q in captured.captured_queries)


def test_the_page_and_the_json_cost_the_same_few_queries_whatever_the_data_size(
        viewer_client, clerk, django_assert_max_num_queries):
    viewer_client.get(URL)  # warm the session alike for both sizes
    seed(clerk, orders=3, start=500)  # shipped in the window (from 2026-04-19), as most of the large set
    small = {fmt: _dashboard_queries(viewer_client, {"format": fmt}) for fmt in ("html", "json")}
    seed(clerk, orders=400, lines=3, start=3)
    large = {fmt: _dashboard_queries(viewer_client, {"format": fmt}) for fmt in ("html", "json")}
    assert DistributionLogEntry.objects.count() == 6 + 1200
    assert small == large
    # Page: orders, customers, units, SKUs, months, lot pending, active customers, unlinked entries, and the
    # lot table's count and page. JSON: orders, customers, units, SKUs, lots.
    assert small["html"][1] == 10
    assert small["json"][1] == 5
    # The rest is the session and permissions (4), the audit event (5-6) and the session save (3).
    with django_assert_max_num_queries(10 + 14):
        viewer_client.get(URL)
    with django_assert_max_num_queries(5 + 14):
        viewer_client.get(URL, {"format": "json"})


def test_voiding_an_entry_changes_the_figures_at_once(viewer_client, ship, clerk):
    entry = ship(order_number="SO-1", quantity=3)
    assert viewer_client.get(URL, {"format": "json"}).json()["total_units_window"] == 3
    void_entry(actor=clerk, entry=entry, reason="mistake")
    assert viewer_client.get(URL, {"format": "json"}).json()["total_units_window"] == 0


def test_the_sku_table_shows_each_skus_catalogue_description(viewer_client, clerk):
    ProductFactory(sku="SKU-1", description="Spinal tray")
    seed(clerk, orders=3, start=500)
    html = viewer_client.get(URL).content.decode()
    assert '<th scope="row">SKU-1<br><span class="muted sku-description">Spinal tray</span></th>' in html
    assert '<th scope="row">SKU-0</th>' in html  # not in the catalogue: the SKU alone
    assert "description" not in str(viewer_client.get(URL, {"format": "json"}).json()["sku_breakdown"])
