"""Every write to products and lots; each one audited through record_event() in the same transaction."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from products.csv_import import ProductCsvRow
from products.gs1 import GS1Error, normalize_gtin
from products.identifiers import clean_lot_number, clean_sku, match_key
from products.models import SETTABLE_STATUSES, Lot, LotStatus, LotStatusChange, Product
from products.selectors import lots_by_product_and_number, products_by_sku
from silqeqms.audit import (
    PendingEvent,
    audit_batch,
    creation_changes,
    current_batch_id,
    diff_fields,
    model_values,
    record_event,
    record_events,
)
from silqeqms.bulk import bulk_insert
from silqeqms.edits import require_reason, stale_version_error
from silqeqms.models import User

PRODUCT_FIELDS = ("sku", "description", "gtin", "is_active")
EDITABLE_PRODUCT_FIELDS = ("description", "gtin", "is_active")  # a SKU never changes: entries carry it
LOT_FIELDS = ("lot_number", "expiry_date", "manufacture_date", "status")
EDITABLE_LOT_FIELDS = ("expiry_date", "manufacture_date")
EARLIEST_DATE = datetime.date(1990, 1, 1)  # as for ship dates (DESIGN "Adopted" 5)


# Products -------------------------------------------------------------------------------------------


def _gtin(value: Any) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        return ""
    try:
        return normalize_gtin(value)
    except GS1Error as error:
        raise ValidationError({"gtin": str(error)}, code="invalid_gtin") from None


def _check_gtin_free(gtin: str, product: Product | None = None) -> None:
    if not gtin:
        return
    owner = Product.objects.filter(gtin=gtin).exclude(pk=getattr(product, "pk", None)).first()
    if owner is not None:
        raise ValidationError({"gtin": ValidationError(
            "GTIN %(gtin)s is already the GTIN of %(sku)s.", code="duplicate_gtin",
            params={"gtin": gtin, "sku": owner.sku, "pk": owner.pk})})


def _save_new(instance, message: str) -> None:
    """Insert; a concurrent insert of the same key (between our check and the write) is a form error."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError(message, code="duplicate") from None


@transaction.atomic
def create_product(*, actor: User | None, data: Mapping[str, Any], reason: str = "") -> Product:
    try:
        sku = clean_sku(data.get("sku"))
    except ValidationError as error:
        raise ValidationError({"sku": error.messages}, code=error.code) from None
    existing = products_by_sku([sku]).get(sku)
    if existing is not None:
        raise ValidationError({"sku": ValidationError(
            "A product with SKU %(sku)s already exists.", code="duplicate_sku",
            params={"sku": existing.sku, "pk": existing.pk})})
    gtin = _gtin(data.get("gtin"))
    _check_gtin_free(gtin)
    product = Product(sku=sku, description=(data.get("description") or "").strip(), gtin=gtin,
                      is_active=data.get("is_active", True), created_by=actor, updated_by=actor)
    product.full_clean(validate_constraints=False)  # checked above; the database backs both
    _save_new(product, f"A product with SKU {sku} or GTIN {gtin} was just created by someone else.")
    record_event(actor=actor, action="product.created", target=product, reason=reason,
                 changes=creation_changes(product, PRODUCT_FIELDS))
    return product


@transaction.atomic
def update_product(*, actor: User, product: Product, data: Mapping[str, Any], reason: str, version: int) -> Product:
    reason = require_reason(reason)
    locked = Product.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=product.pk)
    if locked.version != version:
        raise stale_version_error(locked, "product")
    old = model_values(locked, EDITABLE_PRODUCT_FIELDS)
    if "description" in data:
        locked.description = (data["description"] or "").strip()
    if "gtin" in data:
        locked.gtin = _gtin(data["gtin"])
        if locked.gtin != old["gtin"]:
            _check_gtin_free(locked.gtin, locked)
    if "is_active" in data:
        locked.is_active = bool(data["is_active"])
    changes = diff_fields(old, model_values(locked, EDITABLE_PRODUCT_FIELDS))
    if not changes:
        return locked
    locked.full_clean(validate_constraints=False)
    locked.version += 1  # the row is locked: no one else can move it meanwhile
    locked.updated_by = actor
    try:
        with transaction.atomic():
            locked.save(update_fields=[*EDITABLE_PRODUCT_FIELDS, "version", "updated_by", "updated_at"])
    except IntegrityError:
        raise ValidationError({"gtin": "Another product was just given this GTIN."}) from None
    record_event(actor=actor, action="product.updated", target=locked, reason=reason, changes=changes)
    return locked


# Products CSV import ---------------------------------------------------------------------------------


@dataclass
class PlannedProduct:
    row: ProductCsvRow
    action: str  # "create", "update" or "unchanged"
    product: Product | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)


@dataclass
class ProductImportPlan:
    lines: list[PlannedProduct]
    errors: list[str]

    def count(self, action: str) -> int:
        return sum(1 for p in self.lines if p.action == action)

    @property
    def fingerprint(self) -> str:
        """What the confirmation must still find: each row's action on which product at which version."""
        state = "|".join(f"{p.row.line}:{p.action}:{p.product.pk if p.product else ''}:"
                         f"{p.product.version if p.product else ''}" for p in self.lines)
        return hashlib.sha256(state.encode()).hexdigest()


def plan_product_import(rows: Sequence[ProductCsvRow]) -> ProductImportPlan:
    """What importing these rows would do, and every reason it cannot; writes nothing (two queries)."""
    existing = products_by_sku(row.sku for row in rows)
    owners = {p.gtin: p for p in Product.objects.filter(gtin__in={row.gtin for row in rows if row.gtin})}
    lines, errors = [], []
    for row in rows:
        product = existing.get(row.sku)
        if row.gtin and row.gtin in owners and owners[row.gtin] != product:
            errors.append(f"Line {row.line}, column gtin, value “{row.gtin}”: already the GTIN of "
                          f"{owners[row.gtin].sku}.")
        if product is None:
            lines.append(PlannedProduct(row, "create"))
            continue
        new = {"description": row.description, "gtin": row.gtin, "is_active": row.is_active}
        changes = diff_fields(model_values(product, EDITABLE_PRODUCT_FIELDS),
                              {k: v for k, v in new.items() if v is not None})
        lines.append(PlannedProduct(row, "update" if changes else "unchanged", product, changes))
    return ProductImportPlan(lines=lines, errors=errors)


@dataclass
class ProductImportResult:
    created: int
    updated: int
    unchanged: int
    batch_id: str


@transaction.atomic
def import_products(*, actor: User, rows: Sequence[ProductCsvRow], reason: str, file_name: str = "",
                    sha256: str = "", expected_fingerprint: str | None = None) -> ProductImportResult:
    """Every row or none. `expected_fingerprint` (the preview's plan) refuses the import when the catalogue
    changed between preview and confirmation, so what is written is what the person saw."""
    reason = require_reason(reason)
    if not rows:
        raise ValidationError("The file has no rows to import.")
    ids = [p.pk for p in products_by_sku(row.sku for row in rows).values()]
    list(Product.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    plan = plan_product_import(rows)
    if plan.errors:
        raise ValidationError(plan.errors)
    if expected_fingerprint is not None and plan.fingerprint != expected_fingerprint:
        raise ValidationError("Products were added or changed since the preview. Nothing was imported: "
                              "upload the file again to see the current preview.", code="stale_preview")
    created = [Product(sku=p.row.sku, description=p.row.description or "", gtin=p.row.gtin or "",
                       is_active=True if p.row.is_active is None else p.row.is_active,
                       created_by=actor, updated_by=actor)
               for p in plan.lines if p.action == "create"]
    updated = [p for p in plan.lines if p.action == "update"]
    try:
        with transaction.atomic():
            _write_import(actor, created, updated)
    except IntegrityError:
        raise ValidationError("Another person saved a product with one of these SKUs or GTINs meanwhile. "
                              "Nothing was imported: upload the file again.") from None
    created_lines = iter(p for p in plan.lines if p.action == "create")
    events = [PendingEvent(action="product.imported", target=product, reason=reason,
                           changes=creation_changes(product, PRODUCT_FIELDS),
                           data={"line": next(created_lines).row.line, "file_name": file_name, "created": True})
              for product in created]
    events += [PendingEvent(action="product.imported", target=p.product, reason=reason, changes=p.changes,
                            data={"line": p.row.line, "file_name": file_name, "created": False})
               for p in updated]
    summary = {"file_name": file_name, "sha256": sha256, "rows": len(rows), "created": len(created),
               "updated": len(updated), "unchanged": plan.count("unchanged")}
    events.append(PendingEvent(action="products.imported", target_type="products.import",
                               target_id=sha256[:16], target_repr=file_name[:255], reason=reason, data=summary))
    # One batch id for the file's events (a request already has one; a command or a job may not).
    with contextlib.nullcontext() if current_batch_id() else audit_batch():
        record_events(actor=actor, events=events, return_events=False)
        batch_id = current_batch_id()
    return ProductImportResult(created=len(created), updated=len(updated), unchanged=plan.count("unchanged"),
                               batch_id=batch_id)


def _write_import(actor: User, created: list[Product], updated: list[PlannedProduct]) -> None:
    bulk_insert(Product, created)
    if not updated:
        return
    now = timezone.now()
    products = []
    for p in updated:
        product = p.product
        for name, (_, new) in p.changes.items():
            setattr(product, name, new)
        product.version += 1
        product.updated_by = actor
        product.updated_at = now
        products.append(product)
    Product.objects.bulk_update(products, [*EDITABLE_PRODUCT_FIELDS, "version", "updated_by", "updated_at"],
                                batch_size=500)


# Bulk find-or-create for records (the distribution log, its imports and syncs) --------------------------


@transaction.atomic
def ensure_products(*, actor: User | None, skus: Iterable[str], reason: str) -> dict[str, Product]:
    """{each given SKU: its product}, creating (active, no description) the SKUs not in the catalogue yet.

    For SKUs already on records (the distribution log before products existed): any text of up to 64
    characters is accepted (products/identifiers.py); blank SKUs are left out. A fixed number of queries."""
    skus = list(skus)
    wanted: dict[str, str] = {}
    for sku in skus:
        if sku and sku.strip():
            cleaned = clean_sku(sku, strict=False)
            wanted.setdefault(match_key(cleaned), cleaned)
    found = {match_key(p.sku): p for p in products_by_sku(wanted.values()).values()}
    new = [Product(sku=sku, created_by=actor, updated_by=actor) for key, sku in wanted.items() if key not in found]
    bulk_insert(Product, new)
    record_events(actor=actor, return_events=False, events=[
        PendingEvent(action="product.created", target=p, reason=reason,
                     changes=creation_changes(p, PRODUCT_FIELDS), data={"first_seen_on_record": True})
        for p in new])
    found.update({match_key(p.sku): p for p in new})
    return {sku: found[match_key(sku)] for sku in skus if sku and sku.strip()}


@transaction.atomic
def ensure_lots(*, actor: User | None, lots: Iterable[tuple[str, str]], reason: str,
                expiry_dates: Mapping[tuple[str, str], datetime.date] | None = None) -> dict[tuple[str, str], Lot]:
    """{(sku, lot number) as given: the lot} for pairs whose SKU is a product; lots not recorded yet are
    created `released` (a lot first seen on a record), with the expiry date `expiry_dates` gives their
    pair (the record's label), if any; a recorded lot's dates are never changed here. Pairs with a blank
    lot or an unknown SKU are left out.

    Lot numbers follow the rule for recorded lots (any text up to 64 characters); case never makes a
    second lot. The products are locked, so concurrent callers never create a lot twice. A fixed number
    of queries whatever the number of pairs; one lot.created event per new lot."""
    pairs = [(sku, number) for sku, number in lots if (sku or "").strip() and (number or "").strip()]
    products = products_by_sku(sku for sku, _ in pairs)
    if not products:
        return {}
    list(Product.objects.select_for_update().filter(pk__in={p.pk for p in products.values()})
         .order_by("pk").values_list("pk"))
    wanted: dict[tuple[int, str], tuple[Product, str]] = {}
    for sku, number in pairs:
        if sku in products:
            cleaned = clean_lot_number(number, strict=False)
            wanted.setdefault((products[sku].pk, match_key(cleaned)), (products[sku], cleaned))
    found = lots_by_product_and_number((pk, number) for (pk, _), (_, number) in wanted.items())
    expiry_of: dict[tuple[int, str], datetime.date] = {}
    for (sku, number), expiry in (expiry_dates or {}).items():
        if sku in products and expiry is not None:
            expiry_of.setdefault((products[sku].pk, match_key(number)), expiry)
    new = [Lot(product=product, lot_number=number, expiry_date=expiry_of.get(key), created_by=actor,
               updated_by=actor)
           for key, (product, number) in wanted.items() if key not in found]
    bulk_insert(Lot, new)
    record_events(actor=actor, return_events=False, events=[
        PendingEvent(action="lot.created", target=lot, reason=reason, changes=creation_changes(lot, LOT_FIELDS),
                     data={"sku": lot.product.sku, "first_seen_on_record": True})
        for lot in new])
    found.update({(lot.product_id, match_key(lot.lot_number)): lot for lot in new})
    return {(sku, number): found[(products[sku].pk, match_key(number))] for sku, number in pairs if sku in products}


@transaction.atomic
def ensure_products_and_lots(*, actor: User | None, lots: Iterable[tuple[str, str]], reason: str,
                             skus: Iterable[str] = ()) -> tuple[dict[str, Product], dict[tuple[str, str], Lot]]:
    """Both of the above: every SKU (of `skus` and of the pairs) becomes a product, then every pair a lot.
    For bringing existing records into the catalogue (the migration of the distribution log)."""
    lots = list(lots)
    products = ensure_products(actor=actor, skus=[*skus, *(sku for sku, _ in lots)], reason=reason)
    return products, ensure_lots(actor=actor, lots=lots, reason=reason)


# Lots ---------------------------------------------------------------------------------------------


def _lot_dates(data: Mapping[str, Any], lot: Lot) -> None:
    for name in EDITABLE_LOT_FIELDS:
        if name in data:
            value = data[name] or None
            if value is not None and value < EARLIEST_DATE:
                raise ValidationError({name: f"{value:%Y-%m-%d} is before {EARLIEST_DATE:%Y}: check the year."})
            setattr(lot, name, value)
    if lot.expiry_date and lot.manufacture_date and lot.manufacture_date > lot.expiry_date:
        raise ValidationError({"manufacture_date": "The manufacture date must not be after the expiry date."})


@transaction.atomic
def create_lot(*, actor: User, product: Product, data: Mapping[str, Any], reason: str = "") -> Lot:
    """A lot added by hand: its number follows the strict rule for new lots; it starts released."""
    try:
        number = clean_lot_number(data.get("lot_number"))
    except ValidationError as error:
        raise ValidationError({"lot_number": error.messages}, code=error.code) from None
    existing = lots_by_product_and_number([(product.pk, number)]).get((product.pk, match_key(number)))
    if existing is not None:
        raise ValidationError({"lot_number": ValidationError(
            "%(sku)s already has lot %(lot)s.", code="duplicate_lot",
            params={"sku": product.sku, "lot": existing.lot_number, "pk": existing.pk})})
    lot = Lot(product=product, lot_number=number, created_by=actor, updated_by=actor)
    _lot_dates(data, lot)
    _save_new(lot, f"Lot {number} of {product.sku} was just created by someone else.")
    record_event(actor=actor, action="lot.created", target=lot, reason=reason,
                 changes=creation_changes(lot, LOT_FIELDS), data={"sku": product.sku})
    return lot


@transaction.atomic
def update_lot(*, actor: User, lot: Lot, data: Mapping[str, Any], reason: str, version: int) -> Lot:
    """Change a lot's expiry or manufacture date (its number and product never change)."""
    reason = require_reason(reason)
    locked = Lot.objects.select_for_update(of=("self",)).select_related("product", "updated_by").get(pk=lot.pk)
    if locked.version != version:
        raise stale_version_error(locked, "lot")
    old = model_values(locked, EDITABLE_LOT_FIELDS)
    _lot_dates(data, locked)
    changes = diff_fields(old, model_values(locked, EDITABLE_LOT_FIELDS))
    if not changes:
        return locked
    locked.version += 1  # the row is locked: no one else can move it meanwhile
    locked.updated_by = actor
    locked.save(update_fields=[*EDITABLE_LOT_FIELDS, "version", "updated_by", "updated_at"])
    record_event(actor=actor, action="lot.updated", target=locked, reason=reason, changes=changes,
                 data={"sku": locked.product.sku})
    return locked


@transaction.atomic
def change_lot_status(*, actor: User | None, lot: Lot, status: str, reason: str, version: int | None,
                      effective_date: datetime.date | None = None) -> LotStatusChange:
    """Hold, quarantine, recall or release a lot from a day on (today unless given; never in the future,
    never before the lot's previous change). `version` None skips the stale-form check (system callers,
    e.g. a recall that sets its lots to recalled)."""
    reason = require_reason(reason)
    if status not in SETTABLE_STATUSES:
        raise ValidationError({"status": f"“{status}” is not a status a person sets: choose released, on hold, "
                                         "quarantined or recalled (a lot is expired by its expiry date)."})
    locked = Lot.objects.select_for_update(of=("self",)).select_related("product", "updated_by").get(pk=lot.pk)
    if version is not None and locked.version != version:
        raise stale_version_error(locked, "lot")
    if locked.status == status:
        raise ValidationError({"status": f"Lot {locked.lot_number} is already {LotStatus(status).label.lower()}."})
    today = timezone.localdate()
    effective_date = effective_date or today
    if effective_date > today:
        raise ValidationError({"effective_date": "A status change cannot apply from a future day."})
    if effective_date < EARLIEST_DATE:
        raise ValidationError({"effective_date": f"{effective_date:%Y-%m-%d} is too far back: check the year."})
    if locked.status_since and effective_date < locked.status_since:
        raise ValidationError({"effective_date": f"The lot's current status applies from {locked.status_since:%Y-%m-%d}; "
                                                 "a new change cannot apply before it."})
    change = LotStatusChange.objects.create(lot=locked, from_status=locked.status, to_status=status,
                                            effective_date=effective_date, reason=reason, changed_by=actor)
    old = model_values(locked, ("status", "status_since"))
    locked.status, locked.status_since = status, effective_date
    locked.version += 1
    locked.updated_by = actor
    locked.save(update_fields=["status", "status_since", "version", "updated_by", "updated_at"])
    record_event(actor=actor, action="lot.status_changed", target=locked, reason=reason,
                 changes=diff_fields(old, model_values(locked, ("status", "status_since"))),
                 data={"sku": locked.product.sku, "status_change_id": change.pk})
    return change
