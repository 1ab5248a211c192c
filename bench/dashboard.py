"""Sales dashboard benchmark, called by `make bench` (bench/__main__.py) as `run(client=…, user=…)`.

Three ways to the same figures, for the default window, measured in the same run:

- `page_ms` / `json_ms`: the dashboard through the Django test client (server time, no network):
  summary tables, a fixed number of queries. The page adds one query over the entries ("customers
  active in the window", which the summaries cannot answer exactly) and the lot table.
- `raw_sql_ms`: the JSON's aggregates computed on demand by SQL over the entries (GROUP BY, no
  summaries) — the floor for any design without summaries.
- `naive_ms`: every non-voided entry loaded into Python and grouped there (how it must not be done),
  over all the rows present, or over the first `naive_max_rows` and scaled up linearly.

Each figure is the median of `repeat` runs after one warm-up run (the naive way: at most 3 runs).
The raw SQL and naive results are compared with the JSON (`agree`), so a fast wrong answer shows.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

TARGET_PAGE_P50_MS = 250.0  # issue 5, at 1M entries


def _median_ms(fn: Callable[[], Any], repeat: int, *, warm_up: bool = True) -> float:
    if warm_up:
        fn()
    samples = []
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1)


def _ratio(slow: float, fast: float) -> float | None:
    return round(slow / fast, 1) if fast else None


def _window_sql(column: str, end) -> str:
    return f"{column} >= %s" + (f" AND {column} <= %s" if end else "")


def _window_params(start, end) -> list:
    return [start, end] if end else [start]


def raw_sql_aggregates(start, end) -> dict[str, Any]:
    """The JSON's figures by plain SQL over the entries table (no summaries), in three statements."""
    from django.db import connection

    from distribution.models import DistributionLogEntry, Status

    table = connection.ops.quote_name(DistributionLogEntry._meta.db_table)
    totals_sql = f"""
        WITH orders AS (SELECT customer_id, MIN(ship_date) AS first_date FROM {table}
                        WHERE status <> %s AND customer_id IS NOT NULL GROUP BY customer_id, order_number),
        per_customer AS (SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id)
        SELECT (SELECT COUNT(*) FROM orders WHERE {_window_sql("first_date", end)}),
               (SELECT COUNT(*) FROM orders),
               (SELECT COALESCE(SUM(quantity), 0) FROM {table} WHERE status <> %s AND {_window_sql("ship_date", end)}),
               (SELECT COUNT(*) FROM per_customer),
               (SELECT COUNT(*) FROM per_customer WHERE n = 1),
               (SELECT COUNT(*) FROM per_customer WHERE n >= 2)
    """
    sku_sql = (f"SELECT sku, SUM(quantity) FROM {table} WHERE status <> %s AND {_window_sql('ship_date', end)} "
               "GROUP BY sku ORDER BY 2 DESC, 1")
    lots_sql = (f"SELECT lot_number, SUM(quantity), MIN(ship_date), MAX(ship_date) FROM {table} "
                "WHERE status <> %s AND lot_number <> '' GROUP BY lot_number ORDER BY lot_number")
    window = _window_params(start, end)
    with connection.cursor() as cursor:
        cursor.execute(totals_sql, [Status.VOIDED, *window, Status.VOIDED, *window])
        orders_window, orders_lifetime, units, customers, first_time, repeat = cursor.fetchone()
        cursor.execute(sku_sql, [Status.VOIDED, *window])
        skus = [{"sku": sku, "units": int(units_)} for sku, units_ in cursor.fetchall()]
        cursor.execute(lots_sql, [Status.VOIDED])
        lots = [{"lot_number": lot, "units": int(u), "first_ship_date": _iso(first), "last_ship_date": _iso(last)}
                for lot, u, first, last in cursor.fetchall()]
    return {"total_orders_window": orders_window, "total_orders_lifetime": orders_lifetime,
            "total_units_window": int(units), "total_customers_lifetime": customers,
            "first_time_customers": first_time, "repeat_customers": repeat, "sku_breakdown": skus, "lots": lots}


def _iso(value) -> str:
    return value if isinstance(value, str) else value.isoformat()


def naive_aggregates(start, end, *, max_rows: int | None = None) -> tuple[dict[str, Any], int]:
    """Every non-voided entry into Python, grouped there. Returns (figures, rows read)."""
    from distribution.models import DistributionLogEntry, Status

    rows = (DistributionLogEntry.objects.exclude(status=Status.VOIDED).order_by()
            .values_list("customer_id", "order_number", "ship_date", "sku", "lot_number", "quantity"))
    if max_rows is not None:
        rows = rows[:max_rows]
    orders: dict[tuple[int, str], Any] = {}
    skus: dict[str, int] = {}
    lots: dict[str, list] = {}
    units = 0
    read = 0
    for customer_id, number, day, sku, lot, quantity in rows.iterator(chunk_size=20_000):
        read += 1
        if customer_id is not None:
            key = (customer_id, number)
            if key not in orders or day < orders[key]:
                orders[key] = day
        if day >= start and (end is None or day <= end):
            units += quantity
            skus[sku] = skus.get(sku, 0) + quantity
        if lot:
            found = lots.get(lot)
            if found is None:
                lots[lot] = [quantity, day, day]
            else:
                found[0] += quantity
                found[1] = min(found[1], day)
                found[2] = max(found[2], day)
    per_customer: dict[int, int] = {}
    for customer_id, _ in orders:
        per_customer[customer_id] = per_customer.get(customer_id, 0) + 1
    figures = {
        "total_orders_window": sum(1 for d in orders.values() if d >= start and (end is None or d <= end)),
        "total_orders_lifetime": len(orders),
        "total_units_window": units,
        "total_customers_lifetime": len(per_customer),
        "first_time_customers": sum(1 for n in per_customer.values() if n == 1),
        "repeat_customers": sum(1 for n in per_customer.values() if n >= 2),
        "sku_breakdown": [{"sku": s, "units": u} for s, u in sorted(skus.items(), key=lambda i: (-i[1], i[0]))],
        "lots": [{"lot_number": lot, "units": v[0], "first_ship_date": v[1].isoformat(),
                  "last_ship_date": v[2].isoformat()} for lot, v in sorted(lots.items())],
    }
    return figures, read


def _comparable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("start", "end")}


def run(*, client, user, repeat: int = 7, naive_max_rows: int | None = None) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from distribution.models import CustomerOrderStats, DistributionLogEntry, OrderSummary
    from sales_dashboard import selectors
    from sales_dashboard.selectors import Window

    client.force_login(user)
    url = reverse("sales_dashboard:dashboard")
    window = Window(start=settings.SALES_DASHBOARD_DEFAULT_START)
    start, end = window.start, window.end

    def page():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response.content

    def as_json():
        response = client.get(url, {"format": "json"})
        assert response.status_code == 200, response.status_code
        return response.json()

    page_ms = _median_ms(page, repeat)
    json_ms = _median_ms(as_json, repeat)
    with CaptureQueriesContext(connection) as page_queries:
        page()
    with CaptureQueriesContext(connection) as json_queries:
        data = as_json()
    selectors_ms = _median_ms(lambda: selectors.dashboard_json(window=window), repeat)
    active_ms = _median_ms(lambda: selectors.active_customers_in_window(window=window), repeat)
    raw_ms = _median_ms(lambda: raw_sql_aggregates(start, end), repeat)
    raw = raw_sql_aggregates(start, end)
    naive_runs = max(1, min(repeat, 3))
    started = time.perf_counter()
    naive, naive_rows = naive_aggregates(start, end, max_rows=naive_max_rows)
    first_naive_ms = (time.perf_counter() - started) * 1000
    naive_ms = _median_ms(lambda: naive_aggregates(start, end, max_rows=naive_max_rows), naive_runs - 1,
                          warm_up=False) if naive_runs > 1 else round(first_naive_ms, 1)
    live_rows = DistributionLogEntry.objects.exclude(status="voided").count()
    naive_scaled = naive_rows < live_rows and naive_rows > 0
    if naive_scaled:
        naive_ms = round(naive_ms * live_rows / naive_rows, 1)
    return {
        "window": window.as_data(),
        "entries": DistributionLogEntry.objects.count(),
        "orders": OrderSummary.objects.count(),
        "customers_with_orders": CustomerOrderStats.objects.count(),
        "page_ms": page_ms,
        "json_ms": json_ms,
        "page_queries": len(page_queries),
        "json_queries": len(json_queries),
        "summary_selectors_ms": selectors_ms,
        "active_customers_query_ms": active_ms,
        "raw_sql_ms": raw_ms,
        "naive_ms": naive_ms,
        "naive_rows_read": naive_rows,
        "naive_scaled_from_sample": naive_scaled,
        "raw_sql_over_json": _ratio(raw_ms, json_ms),
        "naive_over_json": _ratio(naive_ms, json_ms),
        "raw_sql_over_page": _ratio(raw_ms, page_ms),
        "naive_over_page": _ratio(naive_ms, page_ms),
        "agree": {"raw_sql": raw == _comparable(data),
                  "naive": None if naive_scaled else naive == _comparable(data)},
        "target_page_p50_ms": TARGET_PAGE_P50_MS,
        "meets_target": page_ms <= TARGET_PAGE_P50_MS and json_ms <= TARGET_PAGE_P50_MS,
    }
