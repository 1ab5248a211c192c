"""Sales dashboard reads: every figure aggregated in the database, from the exact summary tables.

The summaries (distribution/summaries/) are refreshed by the distribution services in the same
transaction as every write, so reading them is exact and costs a fixed, small number of queries
whatever the number of entries. Definitions: DESIGN.md "Sales dashboard definitions".

One figure cannot come from the summaries: "customers active in the window" (customers with at
least one non-voided entry shipped in the window). An order that started before the window may ship
a later part inside it, and OrderSummary keeps only the order's first date, so that count is one
query over the entries, and the page says so. It is the page's costliest query at scale (see
bench/dashboard.py); a partial index on the entries' (customer, ship_date) for non-voided rows turns
it into an index-only scan.

Export `rep` column: the distinct usernames of the reps on the order's non-voided entries; when none
of them names a rep, the customer's primary rep (from the customer profile); else empty.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from customers.models import RepAssignment
from customers.selectors import customers_visible_to, is_rep_scoped
from distribution.models import (
    CustomerOrderStats,
    DailySkuSummary,
    DistributionLogEntry,
    LotSummary,
    OrderSummary,
    Status,
)
from distribution.summaries import batched
from products.selectors import descriptions_by_sku

EXPORT_HEADER = ["order_number", "order_date", "customer_id", "facility_name", "state", "rep", "units", "skus",
                 "lots", "type"]
EXPORT_CHUNK = 2000
# A chart of more than ten years of months would be unreadable: beyond this, only the months that
# have shipments (and the gaps between them) are drawn.
MAX_CHART_MONTHS = 120


@dataclass(frozen=True)
class Window:
    """start <= date <= end; end None = open-ended."""

    start: datetime.date
    end: datetime.date | None = None

    def q(self, field: str) -> Q:
        condition = Q(**{f"{field}__gte": self.start})
        if self.end is not None:
            condition &= Q(**{f"{field}__lte": self.end})
        return condition

    def as_data(self) -> dict[str, str | None]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat() if self.end else None}


@dataclass(frozen=True)
class Scope:
    """Whose figures: the whole company, or only the customers a user may see (a user without
    customers.view_all, e.g. a sales rep). The definitions are the same either way; the company's come
    from the summary tables alone, a scope's from the same order summaries filtered to its customers
    plus its customers' own entries where a summary has no customer column (units per day and SKU, lots)."""

    customer_ids: QuerySet | None = None  # None: every customer

    @classmethod
    def for_user(cls, user) -> Scope:
        return cls(customers_visible_to(user).values("pk")) if is_rep_scoped(user) else COMPANY

    @property
    def is_company(self) -> bool:
        return self.customer_ids is None

    def _only_ours(self, queryset: QuerySet, field: str = "customer") -> QuerySet:
        return queryset if self.is_company else queryset.filter(**{f"{field}__in": self.customer_ids})

    def orders(self) -> QuerySet[OrderSummary]:
        return self._only_ours(OrderSummary.objects.all())

    def customer_stats(self) -> QuerySet[CustomerOrderStats]:
        return self._only_ours(CustomerOrderStats.objects.all())

    def live_entries(self) -> QuerySet[DistributionLogEntry]:
        return self._only_ours(DistributionLogEntry.objects.exclude(status=Status.VOIDED).order_by())

    def units_by_day_and_sku(self) -> tuple[QuerySet, str]:
        """Rows with ship_date, sku and units (the name of the units column is returned beside them)."""
        if self.is_company:
            return DailySkuSummary.objects.all(), "units"
        return self.live_entries(), "quantity"

    def lots(self) -> QuerySet:
        """Per lot: lot_number, units, first_ship_date, last_ship_date (a LotSummary, or the same as values)."""
        if self.is_company:
            return LotSummary.objects.all()
        return (self.live_entries().values("lot_number").annotate(
            units=Sum("quantity"), entries=Count("id"), first_ship_date=Min("ship_date"),
            last_ship_date=Max("ship_date")))


COMPANY = Scope()


@dataclass(frozen=True)
class Totals:
    total_orders_window: int
    total_orders_lifetime: int
    total_units_window: int
    total_customers_lifetime: int
    first_time_customers: int
    repeat_customers: int


@dataclass(frozen=True)
class SkuUnits:
    sku: str
    units: int
    share: float  # percent of the window's units
    of_largest: float  # percent of the largest SKU's units (the length of its bar)
    description: str = ""  # the product catalogue's


@dataclass(frozen=True)
class MonthUnits:
    month: datetime.date  # first day of the month
    units: int


@dataclass(frozen=True)
class LotPending:
    entries: int
    units: int


@dataclass(frozen=True)
class DashboardFigures:
    """Everything the page shows except the lot table."""

    window: Window
    totals: Totals
    active_customers_window: int
    skus: list[SkuUnits]
    months: list[MonthUnits]
    lot_pending: LotPending
    unlinked_entries: int
    scope: Scope = COMPANY


# Totals ----------------------------------------------------------------------------------------


def orders_in_window(*, window: Window, scope: Scope = COMPANY) -> int:
    """Orders whose date (first ship date) is in the window: an index-only range count on OrderSummary."""
    return scope.orders().filter(window.q("first_ship_date")).count()


def customer_counts(*, scope: Scope = COMPANY) -> dict[str, int]:
    """All orders, and customers with at least one order, exactly one, two or more: one query over
    CustomerOrderStats (one row per customer; its order_count is the customer's number of OrderSummary
    rows, so their sum is every order without counting the much larger OrderSummary)."""
    counts = scope.customer_stats().filter(order_count__gte=1).aggregate(
        orders=Sum("order_count"), total=Count("pk"), first=Count("pk", filter=Q(order_count=1)),
        repeat=Count("pk", filter=Q(order_count__gte=2)),
    )
    return {"total_orders_lifetime": counts["orders"] or 0, "total_customers_lifetime": counts["total"],
            "first_time_customers": counts["first"], "repeat_customers": counts["repeat"]}


def units_in_window(*, window: Window, scope: Scope = COMPANY) -> int:
    rows, units = scope.units_by_day_and_sku()
    return rows.filter(window.q("ship_date")).aggregate(units=Sum(units))["units"] or 0


def dashboard_totals(*, window: Window, scope: Scope = COMPANY) -> Totals:
    return Totals(total_orders_window=orders_in_window(window=window, scope=scope),
                  total_units_window=units_in_window(window=window, scope=scope), **customer_counts(scope=scope))


def active_customers_in_window(*, window: Window, scope: Scope = COMPANY) -> int:
    """Customers with at least one non-voided entry shipped in the window.

    The rule, as one query over the entries (what tests compare with; 260 ms at 10M entries):
        live_entries().filter(window.q("ship_date"), customer__isnull=False).values("customer_id").distinct()
    Fast path, the same count from CustomerOrderStats (each customer's first and last live ship date): a
    customer whose shipments all lie in the window counts at once; only one whose shipments reach over
    an edge of the window is looked up in its entries (one index probe each)."""
    stats = scope.customer_stats().filter(order_count__gte=1, last_order_date__gte=window.start)
    if window.end is None:
        return stats.count()
    shipped_in_window = DistributionLogEntry.objects.filter(
        customer_id=OuterRef("customer_id"), ship_date__gte=window.start, ship_date__lte=window.end,
    ).exclude(status=Status.VOIDED)
    within = Q(first_order_date__gte=window.start, last_order_date__lte=window.end)
    return stats.filter(first_order_date__lte=window.end).filter(within | Exists(shipped_in_window)).count()


def unlinked_entries_count(*, scope: Scope = COMPANY) -> int:
    """Non-voided entries not yet linked to a customer: they are in no order or customer count (a scope
    of customers has none by definition)."""
    if not scope.is_company:
        return 0
    return DistributionLogEntry.objects.filter(customer__isnull=True).exclude(status=Status.VOIDED).count()


# SKUs and months -------------------------------------------------------------------------------


def sku_breakdown(*, window: Window, scope: Scope = COMPANY, describe: bool = False) -> list[SkuUnits]:
    """Units per SKU in the window, largest first (ties by SKU), with each SKU's share in percent; with
    `describe`, each SKU's catalogue description (one more query whatever the number of SKUs: a subquery
    in the grouped query would be grouped by too, and run once per summary row)."""
    source, units = scope.units_by_day_and_sku()
    rows = list(
        source.filter(window.q("ship_date")).order_by().values("sku")
        .annotate(total=Sum(units)).values("sku", "total").order_by("-total", "sku")
    )
    rows = [{"sku": r["sku"], "units": r["total"]} for r in rows]
    descriptions = descriptions_by_sku(r["sku"] for r in rows) if describe else {}
    total = sum(r["units"] for r in rows)  # a handful of SKU rows, already aggregated
    largest = rows[0]["units"] if rows else 0
    return [SkuUnits(sku=r["sku"], units=r["units"], share=100.0 * r["units"] / total,
                     of_largest=100.0 * r["units"] / largest, description=descriptions.get(r["sku"], ""))
            for r in rows]


def _month_range(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield datetime.date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _month_count(first: datetime.date, last: datetime.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def units_per_month(*, window: Window, scope: Scope = COMPANY) -> list[MonthUnits]:
    """Units per calendar month in the window; months without shipments show 0.

    The axis runs from the window's first month to its last (or to the last month with shipments
    when the window is open); a very long window is narrowed to the months that have shipments.
    """
    source, units = scope.units_by_day_and_sku()
    rows = (
        source.filter(window.q("ship_date")).order_by()
        .annotate(month=TruncMonth("ship_date")).values("month").annotate(total=Sum(units)).order_by("month")
    )
    by_month = {_as_date(r["month"]): r["total"] for r in rows}
    if not by_month and window.end is None:
        return []
    first = window.start.replace(day=1)
    last = (window.end or max(by_month)).replace(day=1)
    if by_month and _month_count(first, last) > MAX_CHART_MONTHS:
        first, last = min(by_month), max(by_month)
    if _month_count(first, last) > MAX_CHART_MONTHS:  # empty, very long window: nothing to draw
        return []
    return [MonthUnits(month=m, units=by_month.get(m, 0)) for m in _month_range(first, last)]


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


# Lots ------------------------------------------------------------------------------------------


def lot_summaries(*, search: str = "", scope: Scope = COMPANY) -> QuerySet:
    """Every lot, all time, without the pending ("") row; `search` matches part of the lot number."""
    lots = scope.lots().exclude(lot_number="").order_by("lot_number")
    search = (search or "").strip()
    if search:
        lots = lots.filter(lot_number__icontains=search)
    return lots


def lot_pending(*, scope: Scope = COMPANY) -> LotPending:
    """Non-voided entries still waiting for a lot number (the "" row of LotSummary)."""
    row = scope.lots().filter(lot_number="").order_by("lot_number").values("entries", "units").first()
    return LotPending(entries=row["entries"], units=row["units"]) if row else LotPending(entries=0, units=0)


# Page and JSON ---------------------------------------------------------------------------------


def dashboard(*, window: Window, scope: Scope = COMPANY) -> DashboardFigures:
    """Everything the page shows except the lot table (paginated by the view)."""
    return DashboardFigures(
        window=window,
        totals=dashboard_totals(window=window, scope=scope),
        active_customers_window=active_customers_in_window(window=window, scope=scope),
        skus=sku_breakdown(window=window, scope=scope, describe=True),
        months=units_per_month(window=window, scope=scope),
        lot_pending=lot_pending(scope=scope),
        unlinked_entries=unlinked_entries_count(scope=scope),
        scope=scope,
    )


def dashboard_json(*, window: Window, scope: Scope = COMPANY) -> dict[str, Any]:
    """Exactly the keys of issue 5's JSON: window, totals, sku_breakdown, every lot by lot number."""
    totals = dashboard_totals(window=window, scope=scope)
    lots = lot_summaries(scope=scope).values_list("lot_number", "units", "first_ship_date", "last_ship_date")
    return {
        **window.as_data(),
        "total_orders_window": totals.total_orders_window,
        "total_orders_lifetime": totals.total_orders_lifetime,
        "total_units_window": totals.total_units_window,
        "total_customers_lifetime": totals.total_customers_lifetime,
        "first_time_customers": totals.first_time_customers,
        "repeat_customers": totals.repeat_customers,
        "sku_breakdown": [{"sku": s.sku, "units": s.units} for s in sku_breakdown(window=window, scope=scope)],
        "lots": [{"lot_number": lot, "units": units, "first_ship_date": first.isoformat(),
                  "last_ship_date": last.isoformat()} for lot, units, first, last in lots],
    }


# Export ----------------------------------------------------------------------------------------


def export_orders(*, window: Window, scope: Scope = COMPANY) -> QuerySet[OrderSummary]:
    """Orders dated in the window, oldest first, each flagged `is_first` when it is its customer's
    earliest order (ties on the date broken by order number) — decided in the database."""
    earlier = OrderSummary.objects.filter(customer=OuterRef("customer")).filter(
        Q(first_ship_date__lt=OuterRef("first_ship_date"))
        | Q(first_ship_date=OuterRef("first_ship_date"), order_number__lt=OuterRef("order_number"))
    )
    return (
        scope.orders().filter(window.q("first_ship_date"))
        .annotate(is_first=~Exists(earlier))
        .order_by("first_ship_date", "order_number", "customer_id")
    )


def _order_details(orders: list[tuple]) -> tuple[dict[tuple[int, str], dict[str, set[str]]], dict[int, str]]:
    """For one chunk of orders: their entries' SKUs, lots and reps (one query) and the customers'
    primary reps (one query)."""
    customer_ids = {o[2] for o in orders}
    numbers = {o[0] for o in orders}
    details: dict[tuple[int, str], dict[str, set[str]]] = {(o[2], o[0]): {"skus": set(), "lots": set(), "reps": set()}
                                                           for o in orders}
    rows = (
        DistributionLogEntry.objects.filter(customer_id__in=customer_ids, order_number__in=numbers)
        .exclude(status=Status.VOIDED).order_by()
        .values_list("customer_id", "order_number", "sku", "lot_number", "rep__username").distinct()
    )
    for customer_id, number, sku, lot, rep in rows:
        found = details.get((customer_id, number))
        if found is None:  # same number, another customer of this chunk: a different order
            continue
        found["skus"].add(sku)
        if lot:
            found["lots"].add(lot)
        if rep:
            found["reps"].add(rep)
    primary = dict(
        RepAssignment.objects.filter(customer_id__in=customer_ids, is_primary=True)
        .values_list("customer_id", "rep__username")
    )
    return details, primary


def export_rows(*, window: Window, scope: Scope = COMPANY, chunk_size: int = EXPORT_CHUNK) -> Iterator[list[Any]]:
    """One row per order in the window (EXPORT_HEADER's columns). Memory stays flat: orders are read
    with a cursor, and each chunk of orders costs two more queries (entries, primary reps)."""
    orders = export_orders(window=window, scope=scope).values_list(
        "order_number", "first_ship_date", "customer_id", "customer__facility_name", "customer__state", "units",
        "is_first",
    ).iterator(chunk_size=chunk_size)
    for chunk in batched(orders, chunk_size):
        details, primary = _order_details(chunk)
        for number, date, customer_id, facility, state, units, is_first in chunk:
            found = details[(customer_id, number)]
            reps = "; ".join(sorted(found["reps"])) or primary.get(customer_id, "")
            yield [number, date.isoformat(), customer_id, facility, state, reps, units,
                   "; ".join(sorted(found["skus"])), "; ".join(sorted(found["lots"])),
                   "First-Time" if is_first else "Repeat"]

