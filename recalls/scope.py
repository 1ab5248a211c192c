"""What a recall covers: the one definition that opening, the later-shipments check and the new-recall
preview share.

A recall's scope is the union of its lots and its SKUs shipped in a date range:
- a lot number covers every product that carries it, in every spelling the log holds that differs only in
  letter case (as the lot trace's "also recorded as"), so a recall never misses "lot-7" for "LOT-7";
- a SKU (ignoring case) covers its entries shipped from `ship_date_from` to `ship_date_to` (open-ended
  when no end is given).
Voided entries are never in scope; entries waiting for review (no lot yet) are, when their SKU is.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

from distribution.models import DistributionLogEntry, LotSummary, Status
from products.identifiers import match_key, upper_variants


def lot_spellings(lots: Iterable[str]) -> list[str]:
    """Every spelling the log holds of these lot numbers, ignoring case (one query over the lot summary,
    which has one row per lot with live entries)."""
    keys = {match_key(lot) for lot in lots if match_key(lot)}
    if not keys:
        return []
    variants = {variant for key in keys for variant in upper_variants(key)}
    found = (LotSummary.objects.annotate(number_upper=Upper("lot_number")).filter(number_upper__in=variants)
             .values_list("lot_number", flat=True))
    return sorted(number for number in found if match_key(number) in keys)


def unique_values(values: Iterable[str]) -> list[str]:
    """The values stripped, blanks dropped, and each spelling kept once ignoring case (first one wins)."""
    seen: dict[str, str] = {}
    for value in values:
        value = (value or "").strip()
        if value:
            seen.setdefault(match_key(value), value)
    return list(seen.values())


def scope_entries(*, lots: Iterable[str], skus: Iterable[str], ship_date_from=None, ship_date_to=None
                  ) -> QuerySet[DistributionLogEntry]:
    """The live entries in this scope (no order)."""
    condition = Q(pk__in=[])
    spellings = lot_spellings(lots)
    if spellings:
        condition |= Q(lot_number__in=spellings)
    sku_variants = {variant for sku in skus for variant in upper_variants(sku) if variant}
    queryset = DistributionLogEntry.objects.exclude(status=Status.VOIDED)
    if sku_variants and ship_date_from is not None:
        dates = Q(ship_date__gte=ship_date_from) & (Q(ship_date__lte=ship_date_to) if ship_date_to else Q())
        condition |= Q(sku_upper__in=sku_variants) & dates
        queryset = queryset.annotate(sku_upper=Upper("sku"))
    return queryset.filter(condition)


def recall_scope_entries(recall) -> QuerySet[DistributionLogEntry]:
    return scope_entries(lots=recall.lots, skus=recall.skus, ship_date_from=recall.ship_date_from,
                         ship_date_to=recall.ship_date_to)
