"""Reads of the distribution log: visibility, the list, lot traces."""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Sum

from customers.models import RepAssignment
from customers.selectors import is_rep_scoped
from distribution.models import DailySkuSummary, DistributionLogEntry, LotSummary, Status
from products.selectors import sku_description
from silqeqms.models import User


def entries_visible_to(user: User) -> QuerySet[DistributionLogEntry]:
    """A sales rep (only that role) sees the entries of customers assigned to them, and entries that
    name them as the rep."""
    queryset = DistributionLogEntry.objects.all()
    if is_rep_scoped(user):
        assigned = RepAssignment.objects.filter(customer=OuterRef("customer"), rep=user)
        queryset = queryset.filter(Q(rep=user) | Exists(assigned))
    return queryset


def entry_list(user: User) -> QuerySet[DistributionLogEntry]:
    """Rows show the rep and the product's catalogue description (one subquery per row of the page)."""
    return (entries_visible_to(user).select_related("rep").annotate(product_description=sku_description())
            .order_by("-ship_date", "-id"))


def lot_trace_entries(user: User, lot: str) -> QuerySet[DistributionLogEntry]:
    """Every line shipped from a lot, voided ones included (they are shown struck through)."""
    return (
        entries_visible_to(user).filter(lot_number=lot).select_related("rep")
        .order_by("ship_date", "facility_name", "order_number", "id")
    )


def lot_trace_totals(entries: QuerySet[DistributionLogEntry]) -> dict:
    live = entries.exclude(status=Status.VOIDED).order_by()
    totals = live.aggregate(units=Sum("quantity"), lines=Count("id"), first=Min("ship_date"), last=Max("ship_date"),
                            orders=Count("order_number", distinct=True))
    totals["consignees"] = live.values("customer_id", "facility_name").distinct().count()
    totals["voided"] = entries.filter(status=Status.VOIDED).count()
    return totals


def review_queue(user: User) -> QuerySet[DistributionLogEntry]:
    return entry_list(user).filter(status=Status.NEEDS_REVIEW).order_by("ship_date", "id")


def needs_review_count(user: User) -> int:
    return entries_visible_to(user).filter(status=Status.NEEDS_REVIEW).count()


def lots_matching(lot: str, limit: int = 10) -> list[str]:
    """Lot numbers as recorded that match what a person typed, ignoring case (exact spelling first).
    Read from the lot summary (one row per lot), so it stays fast at millions of entries."""
    lot = (lot or "").strip()
    if not lot:
        return []
    found = list(LotSummary.objects.filter(lot_number__iexact=lot).values_list("lot_number", flat=True)[:limit])
    return sorted(found, key=lambda value: value != lot)


def lots_like(lot: str, limit: int = 8) -> list[str]:
    """Suggestions for a lot that matched nothing: lots starting with, or containing, what was typed."""
    lot = (lot or "").strip()
    if len(lot) < 2:
        return []
    starts = list(LotSummary.objects.filter(lot_number__istartswith=lot).order_by("lot_number")
                  .values_list("lot_number", flat=True)[:limit])
    if len(starts) < limit:
        starts += list(LotSummary.objects.filter(lot_number__icontains=lot).exclude(lot_number__in=starts)
                       .order_by("lot_number").values_list("lot_number", flat=True)[:limit - len(starts)])
    return starts


def entry_count_total() -> int:
    """How many entries exist, exactly, without counting a million rows: the lot summary holds one row
    per lot with its live entries ("" for lot pending), and voided entries are counted by index."""
    live = LotSummary.objects.aggregate(n=Sum("entries"))["n"] or 0
    return live + DistributionLogEntry.objects.filter(status=Status.VOIDED).count()


def ship_date_seek(offset: int, *, descending: bool = True) -> tuple[datetime.date, int] | None:
    """Where row `offset` of the whole log, ordered by ship date, falls: (the day it ships on, how many
    entries come before that day), or None past the end.

    Counted from the day × SKU summary (live entries) plus the voided entries per day (by index), so a
    deep page costs a few thousand summary rows instead of an OFFSET over every entry before it."""
    summary, entry = DailySkuSummary._meta.db_table, DistributionLogEntry._meta.db_table
    direction = "DESC" if descending else "ASC"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ship_date, before FROM ("
            f"  SELECT ship_date, SUM(n) OVER (ORDER BY ship_date {direction}) - n AS before FROM ("
            "    SELECT ship_date, SUM(n) AS n FROM ("
            f"      SELECT ship_date, entries AS n FROM {summary}"
            f"      UNION ALL SELECT ship_date, COUNT(*) AS n FROM {entry} WHERE status = %s GROUP BY ship_date"
            "    ) x GROUP BY ship_date"
            "  ) per_day"
            f") cum WHERE before <= %s ORDER BY ship_date {'ASC' if descending else 'DESC'} LIMIT 1",
            [Status.VOIDED.value, offset])
        row = cursor.fetchone()
    if row is None:
        return None
    day, before = row
    if isinstance(day, str):  # SQLite returns the date as text from a raw query
        day = datetime.date.fromisoformat(day)
    return day, int(before)


def seek_by_ship_date(*, descending: bool):
    """A DeferredJoinPaginator `seek` for the whole log in ship-date order (see ship_date_seek)."""

    def seek(queryset: QuerySet, offset: int) -> tuple[QuerySet, int]:
        found = ship_date_seek(offset, descending=descending)
        if found is None:
            return queryset, offset
        day, before = found
        return queryset.filter(**{"ship_date__lte" if descending else "ship_date__gte": day}), offset - before

    return seek
