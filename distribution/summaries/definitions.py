"""What each dashboard summary is: one definition per table, from which every path derives its SQL.

A summary groups its source rows by its key columns; each other column is one aggregate of a source
column. Refresh of touched keys, growth by new rows, full rebuild and verification are all generated
from these definitions (see sql.py), so the rule is written here once. DESIGN.md, "Sales dashboard
definitions":
- voided entries never count (the source is the live entries);
- an order is (customer, order_number), dated by its earliest ship date;
- a source row whose key is NULL counts in no row of that summary: an entry without a customer is in
  no order (and so in no customer's figures) but counts in the lot and day × SKU tables;
- lot "" collects the entries whose lot is still pending (it is a key like any other).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from django.db import models

from distribution.models import (
    CustomerOrderStats,
    DailySkuSummary,
    DistributionLogEntry,
    LotSummary,
    OrderSummary,
    Status,
)


@dataclass(frozen=True)
class Aggregate:
    column: str = "*"
    function: ClassVar[str]
    # How a stored value and the value of newly added rows make the value of both (growth by new rows).
    combine: ClassVar[str]


class Sum(Aggregate):
    function, combine = "SUM", "add"


class Count(Aggregate):
    function, combine = "COUNT", "add"


class Min(Aggregate):
    function, combine = "MIN", "least"


class Max(Aggregate):
    function, combine = "MAX", "greatest"


@dataclass(frozen=True, eq=False)
class Source:
    """The rows a summary adds up: a table, the SQL conditions a row meets to count, and, when the rows
    are another summary's, that summary (refreshed first; its touched keys touch this one's)."""

    model: type[models.Model]
    where: tuple[str, ...] = ()
    summary: Summary | None = None


@dataclass(frozen=True, eq=False)
class Summary:
    name: str  # as verify_summaries() reports it, and the Touched set that holds its keys
    model: type[models.Model]
    source: Source
    keys: tuple[str, ...]
    columns: dict[str, Aggregate] = field(default_factory=dict)

    @property
    def rows(self) -> Source:
        """This summary's rows, as the source of a summary of summaries."""
        return Source(self.model, summary=self)


LIVE_ENTRIES = Source(DistributionLogEntry, where=(f"status <> '{Status.VOIDED.value}'",))

ORDERS = Summary(
    "orders", OrderSummary, LIVE_ENTRIES, keys=("customer_id", "order_number"),
    columns={"first_ship_date": Min("ship_date"), "last_ship_date": Max("ship_date"), "units": Sum("quantity"),
             "lines": Count()},
)
CUSTOMERS = Summary(
    "customers", CustomerOrderStats, ORDERS.rows, keys=("customer_id",),
    columns={"order_count": Count(), "first_order_date": Min("first_ship_date"), "units": Sum("units"),
             "last_order_date": Max("last_ship_date")},
)
LOTS = Summary(
    "lots", LotSummary, LIVE_ENTRIES, keys=("lot_number",),
    columns={"units": Sum("quantity"), "entries": Count(), "first_ship_date": Min("ship_date"),
             "last_ship_date": Max("ship_date")},
)
DAY_SKUS = Summary(
    "day_skus", DailySkuSummary, LIVE_ENTRIES, keys=("ship_date", "sku"),
    columns={"units": Sum("quantity"), "entries": Count()},
)

# In dependency order: a summary of summaries comes after the summary it adds up.
SUMMARIES = (ORDERS, CUSTOMERS, LOTS, DAY_SKUS)
