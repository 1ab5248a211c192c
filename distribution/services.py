"""Every write to the distribution log's entries: create, edit, void, confirm, link to customers,
store an imported original. (Imports: distribution.imports.writer; merges: distribution.merge.)

Each is one transaction that also writes its audit events and refreshes the dashboard summaries,
so a record, its history and the totals never disagree.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from customers.keys import canonical_customer_key
from customers.matching import Match, NearDuplicateFound, similar_customers_for, similar_customers_of
from customers.models import ADDRESS_FIELDS, Customer
from customers.selectors import customer_for_key, customers_for_keys
from customers.services import find_or_create_customer, find_or_create_customers
from distribution.catalogue import check_entry, record_lots, warnings_data
from distribution.fields import (
    AUDITED_FIELDS,
    CATALOGUE_FIELDS,
    EDITABLE_FIELDS,
    check_expiry_date,
    check_notes,
    check_ship_date,
)
from distribution.models import DistributionLogEntry, Source, SourceDocument, Status
from distribution.summaries import Touched, refresh_summaries
from silqeqms.audit import (
    PendingEvent,
    creation_changes,
    diff_fields,
    model_values,
    record_event,
    record_events,
)
from silqeqms.edits import check_version, require_reason
from silqeqms.models import User

# Writers of many entries at once (imports, ShipStation pages) hold this lock for their transaction,
# so a second one waits and then sees the first's rows (no double import of one file).
ENTRY_WRITERS_LOCK = "distribution.entry-writers"


def _strip(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}


class OnNearDuplicate(StrEnum):
    """What an entry whose consignee names no customer exactly does when the name is close to one
    (customers.matching). An exact key (or merge alias) always links without asking."""

    ASK = "ask"        # refuse with NearDuplicateFound: a person chooses (the entry form)
    CREATE = "create"  # the person chose "create new"
    REVIEW = "review"  # nobody is at hand (ShipStation): the entry waits unlinked in the review queue


def _link_customer(*, entry: DistributionLogEntry, actor: User | None, reason: str, on_near_duplicate: str,
                   among: QuerySet[Customer] | None) -> list[Match]:
    """An entry without a chosen customer is linked by the canonical key of its facility name; a new
    customer is created only when no existing one is close (or a person said so). Returns the close
    customers of an entry left waiting for a person."""
    if entry.customer_id is not None:
        return []
    key = canonical_customer_key(entry.facility_name)
    entry.customer = customer_for_key(key)
    if entry.customer is not None:
        return []
    if on_near_duplicate != OnNearDuplicate.CREATE:
        matches = similar_customers_of(entry.facility_name, among=among)
        if matches and matches[0].customer.company_key == key:  # created meanwhile by another writer
            entry.customer = matches[0].customer
            return []
        if matches and on_near_duplicate == OnNearDuplicate.REVIEW:
            return matches
        if matches:
            raise NearDuplicateFound(entry.facility_name, matches)
    address = {k: getattr(entry, k) for k in ADDRESS_FIELDS}
    entry.customer, _ = find_or_create_customer(facility_name=entry.facility_name, actor=actor, reason=reason,
                                                **address)
    return []


def _settle_status(entry: DistributionLogEntry) -> None:
    """An entry counts as active once it has its lot and its customer; until then it waits for review."""
    if entry.status != Status.VOIDED:
        entry.status = Status.ACTIVE if entry.lot_number and entry.customer_id else Status.NEEDS_REVIEW


def _waiting_data(matches: list[Match]) -> dict[str, Any] | None:
    if not matches:
        return None
    return {"similar_customers": [{"id": m.customer.pk, "name": m.customer.facility_name, "score": m.percent}
                                  for m in matches]}


def _check_catalogue(entry: DistributionLogEntry, warnings_seen: str | None) -> list:
    """The entry's own expiry date, then the catalogue's shipping check (distribution.catalogue):
    errors refuse the entry on their fields; the warnings it may be saved with are returned."""
    check_expiry_date(entry.ship_date, entry.expiry_date)
    ship_date = entry.ship_date if isinstance(entry.ship_date, datetime.date) else None  # else full_clean() says
    return check_entry(sku=entry.sku or "", lot_number=entry.lot_number or "", ship_date=ship_date,
                       udi_di=entry.udi_di or "", warnings_seen=warnings_seen)


def _record_lot(entry: DistributionLogEntry, actor: User | None) -> None:
    """A lot first seen on this entry is created released (same transaction, after the check passed)."""
    record_lots(actor=actor, lines=[(entry.sku, entry.lot_number, entry.expiry_date)],
                reason=f"first seen on distribution entry {entry.pk}")


def _event_data(waiting: list[Match], warnings: list) -> dict[str, Any] | None:
    return {**(_waiting_data(waiting) or {}), **warnings_data(warnings)} or None


@transaction.atomic
def create_entry(*, actor: User, data: Mapping[str, Any], source: str = Source.MANUAL,
                 external_ref: str | None = None, source_document: SourceDocument | None = None,
                 reason: str = "", on_near_duplicate: str = OnNearDuplicate.ASK,
                 among: QuerySet[Customer] | None = None, warnings_seen: str | None = None) -> DistributionLogEntry:
    """A new entry, linked to `data["customer"]` when given, else by its facility name's key. A name
    close to an existing customer's is a person's question (`on_near_duplicate`); `among` limits the
    customers offered (what the user may see).

    The catalogue judges its product and lot (distribution.catalogue): a blocked or expired lot, or a
    UDI-DI that is not the product's GTIN, is refused; warnings (a SKU not in the catalogue) are a
    person's question when `warnings_seen` is not None (CatalogueWarnings, unless it is their key),
    else recorded in the audit event. A lot first seen here is created released."""
    values = {k: v for k, v in _strip(data).items() if k in EDITABLE_FIELDS}
    entry = DistributionLogEntry(**values, source=source, external_ref=external_ref,
                                 source_document=source_document, created_by=actor, updated_by=actor)
    check_ship_date(entry.ship_date)
    check_notes(entry.notes)
    canonical_customer_key(entry.facility_name)  # a name with no letters is refused before anything is written
    warnings = _check_catalogue(entry, warnings_seen)
    waiting = _link_customer(entry=entry, actor=actor, reason=reason, on_near_duplicate=on_near_duplicate,
                             among=among)
    _settle_status(entry)
    entry.full_clean()
    entry.save()
    record_event(actor=actor, action="distribution_entry.created", target=entry, reason=reason,
                 changes=creation_changes(entry, AUDITED_FIELDS), data=_event_data(waiting, warnings))
    _record_lot(entry, actor)
    touched = Touched()
    touched.add_entry(entry)
    refresh_summaries(touched)
    return entry


def _locked(entry: DistributionLogEntry, version: int | None, *, refuse_voided: bool = False) -> DistributionLogEntry:
    locked = (DistributionLogEntry.objects.select_for_update(of=("self",))
              .select_related("updated_by", "voided_by").get(pk=entry.pk))
    if refuse_voided and locked.status == Status.VOIDED:
        # Said before the version check: "changed by …" would hide that the entry was voided meanwhile.
        raise ValidationError(voided_refusal(locked))
    check_version(locked, version, "entry")
    return locked


def voided_refusal(entry: DistributionLogEntry) -> str:
    """Why a voided entry cannot be edited: who voided it, when and why."""
    who = f" by {entry.voided_by.get_username()}" if entry.voided_by_id else ""
    when = f" on {timezone.localtime(entry.voided_at):%Y-%m-%d %H:%M}" if entry.voided_at else ""
    why = f" (“{entry.void_reason}”)" if entry.void_reason else ""
    return f"Entry {entry.pk} was voided{who}{when}{why}, so it cannot be edited. Nothing was saved."


def _still_names(customer: Customer | None, facility_name: str) -> bool:
    """Does this facility name still resolve to the linked customer (its key or one of its aliases)?"""
    return customer is not None and customer_for_key(canonical_customer_key(facility_name)) == customer


@transaction.atomic
def update_entry(*, actor: User, entry: DistributionLogEntry, data: Mapping[str, Any], reason: str,
                 version: int, on_near_duplicate: str = OnNearDuplicate.ASK,
                 among: QuerySet[Customer] | None = None, warnings_seen: str | None = None) -> DistributionLogEntry:
    """Edit with a reason. A stale version is refused naming who changed it and when.

    The customer follows the consignee: a customer chosen in `data` is linked; otherwise a changed
    facility name that no longer names the linked customer relinks the entry by its key, with the same
    near-duplicate question as a new entry. The audit diff shows the customer change; the totals follow.

    An edit that changes the ship date, SKU, UDI-DI, lot or expiry is judged by the catalogue as a new
    entry is (`warnings_seen` as for create_entry); one that does not (an address corrected for a
    recall) is not refused for a lot held since."""
    reason = require_reason(reason)
    locked = _locked(entry, version, refuse_voided=True)
    old = model_values(locked, AUDITED_FIELDS)
    old_customer = locked.customer
    touched = Touched()
    touched.add_entry(locked)
    values = {k: v for k, v in _strip(data).items() if k in EDITABLE_FIELDS}
    chosen = values.pop("customer", None)
    for name, value in values.items():
        setattr(locked, name, value)
    if chosen is not None and chosen != old_customer:
        locked.customer = chosen
    elif not _still_names(old_customer, locked.facility_name) and (
            locked.facility_name != old["facility_name"] or old_customer is None):
        locked.customer = None  # relink by the new name's key
    check_ship_date(locked.ship_date)
    check_notes(locked.notes)
    canonical_customer_key(locked.facility_name)
    judged = any(getattr(locked, name) != old[name] for name in CATALOGUE_FIELDS)
    warnings = _check_catalogue(locked, warnings_seen) if judged else []
    waiting = _link_customer(entry=locked, actor=actor, reason=reason, on_near_duplicate=on_near_duplicate,
                             among=among)
    _settle_status(locked)
    changes = diff_fields(old, model_values(locked, AUDITED_FIELDS))
    if not changes:
        return locked
    locked.full_clean()
    locked.updated_by = actor
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db()
    record_event(actor=actor, action="distribution_entry.updated", target=locked, reason=reason, changes=changes,
                 data=_event_data(waiting, warnings))
    if judged:
        _record_lot(locked, actor)
    touched.add_entry(locked)
    refresh_summaries(touched)
    return locked


@transaction.atomic
def void_entry(*, actor: User | None, entry: DistributionLogEntry, reason: str,
               version: int | None = None) -> DistributionLogEntry:
    """Never a hard delete: the row stays, marked voided, and leaves every total."""
    reason = require_reason(reason)
    locked = _locked(entry, version)
    if locked.status == Status.VOIDED:
        return locked
    old_status = locked.status
    DistributionLogEntry.objects.filter(pk=locked.pk).update(
        status=Status.VOIDED, void_reason=reason, voided_at=timezone.now(), voided_by=actor, updated_by=actor,
        updated_at=timezone.now(), version=F("version") + 1,
    )
    locked.refresh_from_db()
    record_event(actor=actor, action="distribution_entry.voided", target=locked, reason=reason,
                 changes={"status": [old_status, Status.VOIDED]})
    touched = Touched()
    touched.add_entry(locked)
    refresh_summaries(touched)
    return locked


@transaction.atomic
def confirm_entry(*, actor: User, entry: DistributionLogEntry, lot_number: str = "", version: int | None = None,
                  reason: str = "", customer: Customer | None = None, new_customer: bool = False
                  ) -> DistributionLogEntry:
    """A person confirms an entry waiting for review: supplies its missing lot and, for an entry whose
    consignee was close to an existing customer, chooses that customer or a new one. A lot supplied is
    judged by the catalogue (its warnings are recorded, not asked) and created released if new."""
    lot_number = (lot_number or "").strip()
    locked = _locked(entry, version)
    if locked.status != Status.NEEDS_REVIEW:
        raise ValidationError("Only entries waiting for review can be confirmed.")
    if not lot_number and not locked.lot_number:
        raise ValidationError({"lot_number": "Enter the lot number before confirming."})
    if locked.customer_id is None and customer is None and not new_customer:
        raise ValidationError({"customer": "Choose the customer this shipment went to (or a new one) before "
                                           "confirming."})
    default_reason = ("lot supplied and entry confirmed" if locked.customer_id
                      else "customer chosen and entry confirmed")
    touched = Touched()
    touched.add_entry(locked)
    old = model_values(locked, ("customer", "lot_number", "status"))
    locked.lot_number = lot_number or locked.lot_number
    judged = locked.lot_number != old["lot_number"]
    warnings = _check_catalogue(locked, None) if judged else []
    if locked.customer_id is None:
        locked.customer = customer
        _link_customer(entry=locked, actor=actor, reason=reason or default_reason,
                       on_near_duplicate=OnNearDuplicate.CREATE, among=None)
    _settle_status(locked)
    locked.updated_by = actor
    locked.full_clean()
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db()
    record_event(actor=actor, action="distribution_entry.confirmed", target=locked,
                 reason=reason or default_reason,
                 changes=diff_fields(old, model_values(locked, ("customer", "lot_number", "status"))),
                 data=warnings_data(warnings) or None)
    if judged:
        _record_lot(locked, actor)
    touched.add_entry(locked)
    refresh_summaries(touched)
    return locked


@transaction.atomic
def link_customers(*, actor: User | None, reason: str = "manage.py link_customers") -> dict[str, int]:
    """Link every unlinked entry to a customer by canonical key, creating customers as needed. Idempotent.

    A name close to an existing customer's (customers.matching) creates nothing: its entries wait in the
    review queue for a person to choose, as a ShipStation entry would."""
    unlinked = list(DistributionLogEntry.objects.filter(customer__isnull=True)
                    .values("id", "facility_name", *ADDRESS_FIELDS, "order_number", "lot_number", "ship_date",
                            "sku", "customer_id", "status"))
    if not unlinked:
        return {"linked": 0, "customers_created": 0, "skipped": 0, "waiting": 0}
    linkable, skipped = [], 0
    for row in unlinked:
        try:
            row["key"] = canonical_customer_key(row["facility_name"])
            linkable.append(row)
        except ValidationError:
            skipped += 1
    known = customers_for_keys({row["key"] for row in linkable})
    name_of_key = {row["key"]: row["facility_name"] for row in linkable if row["key"] not in known}
    similar = similar_customers_for(name_of_key.values())
    close = {key for key, name in name_of_key.items() if similar.get(name)}
    waiting = [row for row in linkable if row["key"] in close]
    linkable = [row for row in linkable if row["key"] not in close]
    customers, created = find_or_create_customers(records=linkable, actor=actor, reason=reason)
    by_customer: dict[int, list[int]] = {}
    for row in linkable:
        by_customer.setdefault(customers[row["key"]].pk, []).append(row["id"])
    for customer_id, ids in by_customer.items():
        for i in range(0, len(ids), 1000):
            chunk = ids[i:i + 1000]
            DistributionLogEntry.objects.filter(pk__in=chunk, customer__isnull=True).update(
                customer_id=customer_id, version=F("version") + 1)
            # Entries that waited only for their customer are now complete.
            DistributionLogEntry.objects.filter(pk__in=chunk, status=Status.NEEDS_REVIEW).exclude(
                lot_number="").update(status=Status.ACTIVE)
    record_events(actor=actor, events=[
        PendingEvent(action="distribution_entry.linked", target_type="distribution.distributionlogentry",
                     target_id=str(row["id"]), target_repr=f"{row['order_number']} · {row['sku']}", reason=reason,
                     changes={"customer": [None, str(customers[row["key"]])],
                              **({"status": [row["status"], Status.ACTIVE]}
                                 if row["status"] == Status.NEEDS_REVIEW and row["lot_number"] else {})})
        for row in linkable
    ])
    _send_to_review(waiting, similar={key: similar[name] for key, name in name_of_key.items() if key in close},
                    actor=actor, reason=reason)
    touched = Touched()
    for row in linkable:
        row["customer_id"] = customers[row["key"]].pk
        touched.add_entry(row)
    refresh_summaries(touched)
    return {"linked": len(linkable), "customers_created": len(created), "skipped": skipped,
            "waiting": len(waiting)}


def _send_to_review(rows: list[dict[str, Any]], *, similar: Mapping[str, list[Match]], actor: User | None,
                    reason: str) -> None:
    """`similar`: {key: its close customers}."""
    """Unlinked entries whose name is close to existing customers wait for a person (review queue)."""
    moving = [row for row in rows if row["status"] == Status.ACTIVE]
    DistributionLogEntry.objects.filter(pk__in=[row["id"] for row in moving]).update(
        status=Status.NEEDS_REVIEW, version=F("version") + 1)
    record_events(actor=actor, return_events=False, events=[
        PendingEvent(action="distribution_entry.updated", target_type="distribution.distributionlogentry",
                     target_id=str(row["id"]), target_repr=f"{row['order_number']} · {row['sku']}",
                     reason=f"{reason}: the consignee is close to an existing customer; a person chooses",
                     changes={"status": [Status.ACTIVE, Status.NEEDS_REVIEW]},
                     data=_waiting_data(similar[row["key"]]))
        for row in moving
    ])


@transaction.atomic
def store_source_document(*, actor: User | None, name: str, data: bytes, content_type: str = "application/pdf"
                          ) -> SourceDocument:
    """Keep an imported original in the file storage (default_storage) with its SHA-256 (21 CFR
    820.160(b): a record may refer to the location of its source). Files are content-addressed: if the transaction rolls back,
    the file left behind is the same bytes a later import of that PDF would write to the same name."""
    digest = hashlib.sha256(data).hexdigest()
    existing = SourceDocument.objects.filter(sha256=digest).first()
    if existing:
        raise ValidationError(f"{name} was already imported on {existing.uploaded_at:%Y-%m-%d} "
                              f"(as {existing.original_name}); nothing was imported again.", code="already_imported")
    document = SourceDocument(original_name=name[:255], sha256=digest, size=len(data), content_type=content_type,
                              uploaded_by=actor)
    path = f"source-documents/{digest[:2]}/{digest}.pdf"
    storage = document.file.storage
    if not storage.exists(path):
        path = storage.save(path, ContentFile(data))
    document.file.name = path
    document.save()
    return document
