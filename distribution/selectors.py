"""Reads of the distribution log: visibility, the list, lot traces."""

from __future__ import annotations

from django.db.models import Count, Max, Min, QuerySet, Sum

from customers.selectors import is_rep_scoped
from distribution.models import DistributionLogEntry, Status
from silqeqms.models import User


def entries_visible_to(user: User) -> QuerySet[DistributionLogEntry]:
    """A sales rep (only that role) sees only entries of customers assigned to them."""
    queryset = DistributionLogEntry.objects.all()
    if is_rep_scoped(user):
        queryset = queryset.filter(customer__rep_assignments__rep=user)
    return queryset


def entry_list(user: User) -> QuerySet[DistributionLogEntry]:
    return entries_visible_to(user).select_related("rep", "customer").order_by("-ship_date", "-id")


def lot_trace_entries(user: User, lot: str) -> QuerySet[DistributionLogEntry]:
    """Every line shipped from a lot, voided ones included (they are shown struck through)."""
    return (
        entries_visible_to(user).filter(lot_number=lot).select_related("rep", "customer")
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
