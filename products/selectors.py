"""Reads of products and lots: the lookups other apps call (by SKU, GTIN, lot number), lists, and the
shipping check every distribution entry path runs (`shipping_problems`)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Upper

from products.gs1 import GS1Error, normalize_gtin
from products.identifiers import match_key, upper_variants
from products.models import BLOCKING_STATUSES, Lot, LotStatus, LotStatusChange, Product
from silqeqms.audit import history_for
from silqeqms.models import AuditEvent

# Values per IN (…) list: far below SQLite's and PostgreSQL's parameter limits, so a big import stays one
# query per few thousand distinct SKUs or lots.
IN_CHUNK = 2000

ERROR, WARNING = "error", "warning"


def _chunks(values: Iterable, size: int = IN_CHUNK) -> Iterator[list]:
    values = sorted(set(values))
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _upper_variants(values: Iterable[str]) -> set[str]:
    return {variant for value in values for variant in upper_variants(value)}


# Lists and pages --------------------------------------------------------------------------------------


def product_list() -> QuerySet[Product]:
    return Product.objects.annotate(lot_count=Count("lots"))


def lot_list() -> QuerySet[Lot]:
    return Lot.objects.select_related("product")


def product_lots(product: Product) -> QuerySet[Lot]:
    return Lot.objects.filter(product=product).select_related("product").order_by("-created_at", "-id")


def lot_status_history(lot: Lot) -> QuerySet[LotStatusChange]:
    return lot.status_changes.select_related("changed_by").order_by("-effective_date", "-id")


def product_history(product: Product) -> QuerySet[AuditEvent]:
    return history_for(product)


def lot_history(lot: Lot) -> QuerySet[AuditEvent]:
    return history_for(lot)


# Lookups for other apps -------------------------------------------------------------------------------


def products_by_sku(skus: Iterable[str]) -> dict[str, Product]:
    """{each given SKU that is in the catalogue: its product}, matched ignoring case and surrounding spaces;
    one query per IN_CHUNK distinct SKUs."""
    skus = {sku for sku in skus if sku and sku.strip()}
    found: dict[str, Product] = {}
    for chunk in _chunks(_upper_variants(skus)):
        for product in Product.objects.annotate(sku_upper=Upper("sku")).filter(sku_upper__in=chunk):
            found[match_key(product.sku)] = product
    return {sku: found[match_key(sku)] for sku in skus if match_key(sku) in found}


def sku_description(sku_field: str = "sku") -> Subquery:
    """The catalogue description of the SKU in `sku_field` of the outer query (matched ignoring case, by
    the products' unique UPPER(sku) index): annotate a list's rows with it, no query per row. Null for a
    SKU not in the catalogue."""
    return Subquery(Product.objects.annotate(sku_upper=Upper("sku"))
                    .filter(sku_upper=Upper(OuterRef(sku_field))).order_by().values("description")[:1])


def descriptions_by_sku(skus: Iterable[str]) -> dict[str, str]:
    """{each given SKU in the catalogue: its description} (blank descriptions left out); one query."""
    return {sku: product.description for sku, product in products_by_sku(skus).items() if product.description}


def product_for_gtin(gtin: str) -> Product | None:
    """The product whose GTIN is this UDI-DI (any GTIN length; None when invalid or unknown). One query."""
    try:
        gtin = normalize_gtin(gtin)
    except GS1Error:
        return None
    return Product.objects.filter(gtin=gtin).first()


def products_by_gtin(gtins: Iterable[str]) -> dict[str, Product]:
    """{each given GTIN (any length, as given) that is a product's: the product}; invalid ones are left
    out. One query per IN_CHUNK distinct GTINs."""
    wanted: dict[str, str] = {}
    for gtin in gtins:
        try:
            wanted[gtin] = normalize_gtin(gtin)
        except GS1Error:
            continue
    found: dict[str, Product] = {}
    for chunk in _chunks(wanted.values()):
        found.update({p.gtin: p for p in Product.objects.filter(gtin__in=chunk)})
    return {gtin: found[normal] for gtin, normal in wanted.items() if normal in found}


def lots_for_number(lot_number: str) -> list[Lot]:
    """Every lot (of any product) with this number, ignoring case: a lot trace shows each beside its
    consignees. One query."""
    key = match_key(lot_number)
    if not key:
        return []
    lots = (Lot.objects.annotate(number_upper=Upper("lot_number"))
            .filter(number_upper__in=_upper_variants([lot_number])).select_related("product")
            .order_by("product__sku", "id"))
    return [lot for lot in lots if match_key(lot.lot_number) == key]


def lot_for(product: Product, lot_number: str) -> Lot | None:
    """The product's lot with this number, ignoring case."""
    key = match_key(lot_number)
    lots = Lot.objects.annotate(number_upper=Upper("lot_number")).filter(
        product=product, number_upper__in=_upper_variants([lot_number])).select_related("product")
    return next((lot for lot in lots if match_key(lot.lot_number) == key), None)


def lots_by_product_and_number(pairs: Iterable[tuple[int, str]], *, with_history: bool = False
                               ) -> dict[tuple[int, str], Lot]:
    """{(product id, match_key(lot number)): lot} for the pairs that exist. One query per IN_CHUNK lot
    numbers (and one more for the status histories when asked)."""
    pairs = {(product_id, match_key(number)) for product_id, number in pairs if match_key(number)}
    if not pairs:
        return {}
    product_ids = {product_id for product_id, _ in pairs}
    found: dict[tuple[int, str], Lot] = {}
    for chunk in _chunks(_upper_variants(number for _, number in pairs)):
        lots = (Lot.objects.annotate(number_upper=Upper("lot_number"))
                .filter(product_id__in=product_ids, number_upper__in=chunk).select_related("product"))
        if with_history:
            lots = lots.prefetch_related(Prefetch("status_changes", to_attr="timeline",
                                                  queryset=LotStatusChange.objects.order_by("effective_date", "id")))
        for lot in lots:
            key = (lot.product_id, match_key(lot.lot_number))
            if key in pairs:
                found[key] = lot
    return found


# The shipping check ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShipLine:
    """One distribution line as any entry path has it (form, CSV, PDF, ShipStation)."""

    sku: str
    lot_number: str = ""
    ship_date: datetime.date | None = None
    udi_di: str = ""


@dataclass(frozen=True)
class Problem:
    level: str  # ERROR refuses the line; WARNING is shown and the line may be saved
    code: str  # unknown_sku, inactive_product, invalid_udi_di, udi_di_mismatch, lot_on_hold,
    #            lot_quarantined, lot_recalled, lot_expired
    field: str  # the line's field it is about: sku, udi_di, lot_number, ship_date
    message: str

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    def __str__(self) -> str:
        return self.message


def has_errors(problems: dict[int, list[Problem]]) -> bool:
    return any(p.is_error for found in problems.values() for p in found)


def status_on(timeline: Sequence[LotStatusChange], day: datetime.date
              ) -> tuple[str, datetime.date | None, datetime.date | None]:
    """(status, since, until) in force on `day`, from a lot's changes in (effective_date, id) order:
    the last change applying on or before that day; `until` is the day the next change applies from."""
    status, since, until = LotStatus.RELEASED.value, None, None
    for change in timeline:
        if change.effective_date > day:
            until = change.effective_date
            break
        if change.to_status != status:
            since = change.effective_date
        status = change.to_status
    return status, since, until


def shipping_problems(lines: Iterable[ShipLine]) -> dict[int, list[Problem]]:
    """{index of the line: its problems} for the lines that have any (an empty dict: all may ship).

    Errors: the lot is on hold, quarantined or recalled on the ship date (lines shipped before it
    went so are historic and accepted), or the ship date is after its expiry date; the UDI-DI is not a
    valid GTIN, or is not the GTIN of the line's product. Warnings: an inactive product; a SKU not in the
    catalogue (an error when settings.PRODUCTS_UNKNOWN_SKU = "error"). A lot not yet recorded is no
    problem: it is created released (services.ensure_lots). Three queries whatever the number of lines
    (one more per IN_CHUNK distinct SKUs, GTINs or lot numbers)."""
    lines = list(lines)
    problems: dict[int, list[Problem]] = {}

    def add(index: int, level: str, code: str, field: str, message: str) -> None:
        problems.setdefault(index, []).append(Problem(level, code, field, message))

    gtins: dict[int, str] = {}
    for index, line in enumerate(lines):
        if (line.udi_di or "").strip():
            try:
                gtins[index] = normalize_gtin(line.udi_di)
            except GS1Error as error:
                add(index, ERROR, "invalid_udi_di", "udi_di", f"UDI-DI “{line.udi_di.strip()}”: {error}")
    by_sku, by_gtin = _products_for(lines, gtins.values())
    unknown_level = ERROR if settings.PRODUCTS_UNKNOWN_SKU == "error" else WARNING

    resolved: dict[int, Product] = {}
    for index, line in enumerate(lines):
        sku = (line.sku or "").strip()
        product = by_sku.get(match_key(sku)) if sku else None
        gtin_product = by_gtin.get(gtins.get(index, ""))
        if sku and product is None:
            add(index, unknown_level, "unknown_sku", "sku", f"SKU “{sku}” is not in the product catalogue.")
        elif product is not None and not product.is_active:
            add(index, WARNING, "inactive_product", "sku", f"Product {product.sku} is marked inactive.")
        if index in gtins:
            _check_udi_di(add, index, sku, product, gtin_product, gtins[index])
        product = product or (gtin_product if not sku else None)
        if product is not None and match_key(line.lot_number):
            resolved[index] = product

    lots = lots_by_product_and_number(((p.pk, lines[i].lot_number) for i, p in resolved.items()), with_history=True)
    for index, product in resolved.items():
        line = lines[index]
        lot = lots.get((product.pk, match_key(line.lot_number)))
        if lot is None or line.ship_date is None:
            continue
        status, since, until = status_on(lot.timeline, line.ship_date)
        if status in BLOCKING_STATUSES:
            label = LotStatus(status).label.lower()
            period = (f"was {label} from {since:%Y-%m-%d} until {until:%Y-%m-%d}" if until
                      else f"has been {label} since {since:%Y-%m-%d}")
            add(index, ERROR, f"lot_{status}", "lot_number",
                f"Lot {lot.lot_number} of {product.sku} {period}: a line shipped {line.ship_date:%Y-%m-%d} "
                "cannot be recorded.")
        if lot.is_expired(line.ship_date):
            add(index, ERROR, "lot_expired", "lot_number",
                f"Lot {lot.lot_number} of {product.sku} expired on {lot.expiry_date:%Y-%m-%d}: a line shipped "
                f"{line.ship_date:%Y-%m-%d} cannot be recorded.")
    return problems


def _products_for(lines: list[ShipLine], gtins: Iterable[str]) -> tuple[dict[str, Product], dict[str, Product]]:
    """({match_key(sku): product}, {gtin: product}) for the lines' SKUs and UDI-DIs, in one query."""
    variants = sorted(_upper_variants(line.sku for line in lines if (line.sku or "").strip()))
    gtins = sorted(set(gtins))
    by_sku: dict[str, Product] = {}
    by_gtin: dict[str, Product] = {}
    for start in range(0, max(len(variants), len(gtins)), IN_CHUNK):
        query = Q(sku_upper__in=variants[start:start + IN_CHUNK]) | Q(gtin__in=gtins[start:start + IN_CHUNK])
        for product in Product.objects.annotate(sku_upper=Upper("sku")).filter(query):
            by_sku[match_key(product.sku)] = product
            if product.gtin:
                by_gtin[product.gtin] = product
    return by_sku, by_gtin


def _check_udi_di(add, index: int, sku: str, product: Product | None, gtin_product: Product | None,
                  gtin: str) -> None:
    """The UDI-DI must agree with the product's GTIN when both are known."""
    if gtin_product is product or not sku:
        return
    if product is not None and product.gtin:
        owner = f" (it is the GTIN of {gtin_product.sku})" if gtin_product else ""
        add(index, ERROR, "udi_di_mismatch", "udi_di",
            f"UDI-DI {gtin} does not match SKU {product.sku}, whose GTIN is {product.gtin}{owner}.")
    elif gtin_product is not None:
        add(index, ERROR, "udi_di_mismatch", "udi_di",
            f"UDI-DI {gtin} is the GTIN of {gtin_product.sku}, not of {sku}.")
