"""Exact summaries behind the sales dashboard, kept in step with the entries.

Every service that writes entries collects the keys it touched (`Touched`) and calls
`refresh_summaries()` in the same transaction. A refresh recomputes each touched key from the
entries themselves (delete + insert), so the summaries are exact by construction, whatever the kind
of write. `verify_summaries()` recomputes everything and lists differences.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Sum

from distribution.models import (
    CustomerOrderStats,
    DailySkuSummary,
    DistributionLogEntry,
    LotSummary,
    OrderSummary,
    Status,
)

CHUNK = 500


@dataclass
class Touched:
    orders: set[tuple[int, str]] = field(default_factory=set)
    customers: set[int] = field(default_factory=set)
    lots: set[str] = field(default_factory=set)
    day_skus: set[tuple[datetime.date, str]] = field(default_factory=set)

    def add(self, *, customer_id: int | None, order_number: str, lot_number: str, ship_date: datetime.date,
            sku: str) -> None:
        if customer_id is not None:
            self.orders.add((customer_id, order_number))
            self.customers.add(customer_id)
        self.lots.add(lot_number or "")
        self.day_skus.add((ship_date, sku))

    def add_entry(self, entry: DistributionLogEntry | dict[str, Any]) -> None:
        get = entry.get if isinstance(entry, dict) else (lambda k: getattr(entry, k))
        self.add(customer_id=get("customer_id"), order_number=get("order_number"), lot_number=get("lot_number"),
                 ship_date=get("ship_date"), sku=get("sku"))


def batched(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    """Lists of up to `size` items (itertools.batched arrives with Python 3.12)."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _live():
    return DistributionLogEntry.objects.exclude(status=Status.VOIDED).order_by()


def _refresh_orders(keys: set[tuple[int, str]]) -> None:
    """Recompute every (customer, order) in customers × order numbers of each batch: a superset of the
    touched keys, recomputed whole, so plain IN lists replace long OR chains and the result stays exact."""
    for batch in batched(sorted(keys), 2000):
        customers = {c for c, _ in batch}
        numbers = {n for _, n in batch}
        rows = (
            _live().filter(customer_id__in=customers, order_number__in=numbers)
            .values("customer_id", "order_number")
            .annotate(first=Min("ship_date"), last=Max("ship_date"), units=Sum("quantity"), lines=Count("id"))
        )
        fresh = [OrderSummary(customer_id=r["customer_id"], order_number=r["order_number"], first_ship_date=r["first"],
                              last_ship_date=r["last"], units=r["units"], lines=r["lines"]) for r in rows]
        OrderSummary.objects.filter(customer_id__in=customers, order_number__in=numbers).delete()
        OrderSummary.objects.bulk_create(fresh, batch_size=2000)


def _refresh_customers(customer_ids: set[int]) -> None:
    for batch in batched(sorted(customer_ids)):
        rows = (
            OrderSummary.objects.filter(customer_id__in=batch).order_by().values("customer_id")
            .annotate(n=Count("id"), first=Min("first_ship_date"), units=Sum("units"), last=Max("last_ship_date"))
        )
        fresh = [CustomerOrderStats(customer_id=r["customer_id"], order_count=r["n"], first_order_date=r["first"],
                                    units=r["units"], last_order_date=r["last"]) for r in rows]
        CustomerOrderStats.objects.filter(customer_id__in=batch).delete()
        CustomerOrderStats.objects.bulk_create(fresh)


def _refresh_lots(lots: set[str]) -> None:
    for batch in batched(sorted(lots)):
        rows = (
            _live().filter(lot_number__in=batch).values("lot_number")
            .annotate(units=Sum("quantity"), n=Count("id"), first=Min("ship_date"), last=Max("ship_date"))
        )
        fresh = [LotSummary(lot_number=r["lot_number"], units=r["units"], entries=r["n"],
                            first_ship_date=r["first"], last_ship_date=r["last"]) for r in rows]
        LotSummary.objects.filter(lot_number__in=batch).delete()
        LotSummary.objects.bulk_create(fresh)


def _refresh_day_skus(keys: set[tuple[datetime.date, str]]) -> None:
    """As for orders: recompute the whole dates × SKUs rectangle of each batch."""
    for batch in batched(sorted(keys), 2000):
        dates = {d for d, _ in batch}
        skus = {s for _, s in batch}
        rows = (_live().filter(ship_date__in=dates, sku__in=skus).values("ship_date", "sku")
                .annotate(units=Sum("quantity"), n=Count("id")))
        fresh = [DailySkuSummary(ship_date=r["ship_date"], sku=r["sku"], units=r["units"], entries=r["n"])
                 for r in rows]
        DailySkuSummary.objects.filter(ship_date__in=dates, sku__in=skus).delete()
        DailySkuSummary.objects.bulk_create(fresh, batch_size=2000)


@transaction.atomic
def refresh_summaries(touched: Touched) -> None:
    if connection.vendor == "postgresql":
        _refresh_in_sql(touched)
        return
    if touched.orders:
        _refresh_orders(touched.orders)
    if touched.customers:
        _refresh_customers(touched.customers)
    if touched.lots:
        _refresh_lots(touched.lots)
    if touched.day_skus:
        _refresh_day_skus(touched.day_skus)


def _tables() -> dict[str, str]:
    return {name: model._meta.db_table for name, model in (
        ("entry", DistributionLogEntry), ("orders", OrderSummary), ("customers", CustomerOrderStats),
        ("lots", LotSummary), ("day_skus", DailySkuSummary))}


def _refresh_in_sql(touched: Touched) -> None:
    """PostgreSQL: the same recomputation, set-based. The touched keys go to the server as arrays; each
    summary's rows for exactly those keys are deleted and re-aggregated from the live entries by one
    INSERT … SELECT … GROUP BY, so no row travels through Python and the result is exact as before."""
    t = _tables()
    voided = Status.VOIDED.value
    with connection.cursor() as cursor:
        if touched.orders:
            customers, numbers = zip(*touched.orders, strict=True)
            keys = "SELECT DISTINCT * FROM unnest(%s::bigint[], %s::text[]) AS k(customer_id, order_number)"
            cursor.execute(
                f"DELETE FROM {t['orders']} s USING ({keys}) k "
                "WHERE s.customer_id = k.customer_id AND s.order_number = k.order_number",
                [list(customers), list(numbers)])
            cursor.execute(
                f"INSERT INTO {t['orders']} (customer_id, order_number, first_ship_date, last_ship_date, units, lines) "
                "SELECT e.customer_id, e.order_number, MIN(e.ship_date), MAX(e.ship_date), SUM(e.quantity), COUNT(*) "
                f"FROM {t['entry']} e JOIN ({keys}) k "
                "ON e.customer_id = k.customer_id AND e.order_number = k.order_number "
                "WHERE e.status <> %s GROUP BY e.customer_id, e.order_number",
                [list(customers), list(numbers), voided])
        if touched.customers:
            ids = sorted(touched.customers)
            cursor.execute(f"DELETE FROM {t['customers']} WHERE customer_id = ANY(%s::bigint[])", [ids])
            cursor.execute(
                f"INSERT INTO {t['customers']} (customer_id, order_count, first_order_date, units, last_order_date) "
                f"SELECT customer_id, COUNT(*), MIN(first_ship_date), SUM(units), MAX(last_ship_date) FROM {t['orders']} "
                "WHERE customer_id = ANY(%s::bigint[]) GROUP BY customer_id", [ids])
        if touched.lots:
            lots = sorted(touched.lots)
            cursor.execute(f"DELETE FROM {t['lots']} WHERE lot_number = ANY(%s::text[])", [lots])
            cursor.execute(
                f"INSERT INTO {t['lots']} (lot_number, units, entries, first_ship_date, last_ship_date) "
                "SELECT lot_number, SUM(quantity), COUNT(*), MIN(ship_date), MAX(ship_date) "
                f"FROM {t['entry']} WHERE lot_number = ANY(%s::text[]) AND status <> %s GROUP BY lot_number",
                [lots, voided])
        if touched.day_skus:
            dates, skus = zip(*touched.day_skus, strict=True)
            keys = "SELECT DISTINCT * FROM unnest(%s::date[], %s::text[]) AS k(ship_date, sku)"
            cursor.execute(
                f"DELETE FROM {t['day_skus']} s USING ({keys}) k WHERE s.ship_date = k.ship_date AND s.sku = k.sku",
                [list(dates), list(skus)])
            cursor.execute(
                f"INSERT INTO {t['day_skus']} (ship_date, sku, units, entries) "
                "SELECT e.ship_date, e.sku, SUM(e.quantity), COUNT(*) "
                f"FROM {t['entry']} e JOIN ({keys}) k ON e.ship_date = k.ship_date AND e.sku = k.sku "
                "WHERE e.status <> %s GROUP BY e.ship_date, e.sku",
                [list(dates), list(skus), voided])


@transaction.atomic
def add_new_entries(entry_ids: list[int]) -> None:
    """Fold entries that were just inserted (none voided, nothing else changed) into the summaries.

    An import only adds rows, so on PostgreSQL each summary grows by the new rows' own totals: one
    statement aggregates them and upserts (ON CONFLICT … DO UPDATE adds units and lines, keeps the
    earlier first date), instead of re-aggregating every touched order from the whole table, which took
    ~3 s for a 100,000-row import. Customers' order counts are then recomputed from their orders.
    Elsewhere the touched keys are recomputed as for any write. Either way the result is exact."""
    if not entry_ids:
        return
    if connection.vendor != "postgresql":
        touched = Touched()
        for batch in batched(entry_ids, 2000):
            for entry in DistributionLogEntry.objects.filter(pk__in=batch).values(
                    "customer_id", "order_number", "lot_number", "ship_date", "sku"):
                touched.add_entry(entry)
        refresh_summaries(touched)
        return
    t = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH new AS MATERIALIZED ("
            "  SELECT customer_id, order_number, lot_number, ship_date, sku, quantity "
            f" FROM {t['entry']} WHERE id = ANY(%s::bigint[]) AND status <> %s), "
            f"orders AS (INSERT INTO {t['orders']} AS s "
            "  (customer_id, order_number, first_ship_date, last_ship_date, units, lines) "
            "  SELECT customer_id, order_number, MIN(ship_date), MAX(ship_date), SUM(quantity), COUNT(*) FROM new "
            "  WHERE customer_id IS NOT NULL GROUP BY customer_id, order_number "
            "  ON CONFLICT (customer_id, order_number) DO UPDATE SET "
            "  first_ship_date = LEAST(s.first_ship_date, EXCLUDED.first_ship_date), "
            "  last_ship_date = GREATEST(s.last_ship_date, EXCLUDED.last_ship_date), "
            "  units = s.units + EXCLUDED.units, lines = s.lines + EXCLUDED.lines RETURNING 1), "
            f"lots AS (INSERT INTO {t['lots']} AS s (lot_number, units, entries, first_ship_date, last_ship_date) "
            "  SELECT lot_number, SUM(quantity), COUNT(*), MIN(ship_date), MAX(ship_date) FROM new "
            "  GROUP BY lot_number ON CONFLICT (lot_number) DO UPDATE SET "
            "  units = s.units + EXCLUDED.units, entries = s.entries + EXCLUDED.entries, "
            "  first_ship_date = LEAST(s.first_ship_date, EXCLUDED.first_ship_date), "
            "  last_ship_date = GREATEST(s.last_ship_date, EXCLUDED.last_ship_date) RETURNING 1), "
            f"days AS (INSERT INTO {t['day_skus']} AS s (ship_date, sku, units, entries) "
            "  SELECT ship_date, sku, SUM(quantity), COUNT(*) FROM new GROUP BY ship_date, sku "
            "  ON CONFLICT (ship_date, sku) DO UPDATE SET units = s.units + EXCLUDED.units, "
            "  entries = s.entries + EXCLUDED.entries RETURNING 1) "
            "SELECT (SELECT COUNT(*) FROM orders), (SELECT COUNT(*) FROM lots), (SELECT COUNT(*) FROM days), "
            "  ARRAY(SELECT DISTINCT customer_id FROM new WHERE customer_id IS NOT NULL)",
            [list(entry_ids), Status.VOIDED.value])
        customer_ids = cursor.fetchone()[3]
    if customer_ids:
        _refresh_in_sql(Touched(customers=set(customer_ids)))


def _expected() -> dict[str, dict]:
    live = _live()
    orders = {
        (r["customer_id"], r["order_number"]): (r["first"], r["last"], r["units"], r["lines"])
        for r in live.filter(customer__isnull=False).values("customer_id", "order_number")
        .annotate(first=Min("ship_date"), last=Max("ship_date"), units=Sum("quantity"), lines=Count("id")).iterator()
    }
    customers: dict[int, list] = {}
    for (customer_id, _), (first, last, units, _) in orders.items():
        stats = customers.setdefault(customer_id, [0, first, 0, last])
        stats[0] += 1
        stats[1] = min(stats[1], first)
        stats[2] += units
        stats[3] = max(stats[3], last)
    lots = {
        r["lot_number"]: (r["units"], r["n"], r["first"], r["last"])
        for r in live.values("lot_number").annotate(units=Sum("quantity"), n=Count("id"), first=Min("ship_date"),
                                                    last=Max("ship_date")).iterator()
    }
    day_skus = {(r["ship_date"], r["sku"]): (r["units"], r["n"])
                for r in live.values("ship_date", "sku").annotate(units=Sum("quantity"), n=Count("id")).iterator()}
    return {"orders": orders, "customers": {k: tuple(v) for k, v in customers.items()}, "lots": lots,
            "day_skus": day_skus}


def _stored() -> dict[str, dict]:
    return {
        "orders": {(o.customer_id, o.order_number): (o.first_ship_date, o.last_ship_date, o.units, o.lines)
                   for o in OrderSummary.objects.iterator()},
        "customers": {c.customer_id: (c.order_count, c.first_order_date, c.units, c.last_order_date)
                      for c in CustomerOrderStats.objects.iterator()},
        "lots": {lot.lot_number: (lot.units, lot.entries, lot.first_ship_date, lot.last_ship_date)
                 for lot in LotSummary.objects.iterator()},
        "day_skus": {(d.ship_date, d.sku): (d.units, d.entries) for d in DailySkuSummary.objects.iterator()},
    }


def verify_summaries() -> list[str]:
    """Recompute every summary from the entries; return one line per difference (empty = exact)."""
    expected, stored = _expected(), _stored()
    problems = []
    for table in expected:
        for key in sorted(expected[table].keys() | stored[table].keys(), key=str):
            want, have = expected[table].get(key), stored[table].get(key)
            if want != have:
                problems.append(f"{table} {key}: expected {want}, stored {have}")
    return problems


@transaction.atomic
def rebuild_summaries(batch_size: int = 5000) -> None:
    """Recompute all summaries from scratch (after a bulk load or a restore, or to repair what verify
    reported): one grouped query per table, streamed into bulk inserts."""
    OrderSummary.objects.all().delete()
    CustomerOrderStats.objects.all().delete()
    LotSummary.objects.all().delete()
    DailySkuSummary.objects.all().delete()
    live = _live()
    _bulk_insert(OrderSummary, (
        OrderSummary(customer_id=r["customer_id"], order_number=r["order_number"], first_ship_date=r["first"],
                     last_ship_date=r["last"], units=r["units"], lines=r["lines"])
        for r in live.filter(customer__isnull=False).values("customer_id", "order_number")
        .annotate(first=Min("ship_date"), last=Max("ship_date"), units=Sum("quantity"), lines=Count("id"))
        .iterator(chunk_size=batch_size)
    ), batch_size)
    _bulk_insert(CustomerOrderStats, (
        CustomerOrderStats(customer_id=r["customer_id"], order_count=r["n"], first_order_date=r["first"],
                           units=r["units"], last_order_date=r["last"])
        for r in OrderSummary.objects.order_by().values("customer_id")
        .annotate(n=Count("id"), first=Min("first_ship_date"), units=Sum("units"), last=Max("last_ship_date"))
        .iterator(chunk_size=batch_size)
    ), batch_size)
    _bulk_insert(LotSummary, (
        LotSummary(lot_number=r["lot_number"], units=r["units"], entries=r["n"], first_ship_date=r["first"],
                   last_ship_date=r["last"])
        for r in live.values("lot_number").annotate(units=Sum("quantity"), n=Count("id"), first=Min("ship_date"),
                                                    last=Max("ship_date")).iterator(chunk_size=batch_size)
    ), batch_size)
    _bulk_insert(DailySkuSummary, (
        DailySkuSummary(ship_date=r["ship_date"], sku=r["sku"], units=r["units"], entries=r["n"])
        for r in live.values("ship_date", "sku").annotate(units=Sum("quantity"), n=Count("id"))
        .iterator(chunk_size=batch_size)
    ), batch_size)


def _bulk_insert(model, objects: Iterable, batch_size: int) -> None:
    for batch in batched(objects, batch_size):
        model.objects.bulk_create(batch)
