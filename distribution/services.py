"""Every write to the distribution log's entries: create, edit, void, confirm, link to customers,
store an imported original. (Imports: distribution.imports.writer; merges: distribution.merge.)

Each is one transaction that also writes its audit events and refreshes the dashboard summaries,
so a record, its history and the totals never disagree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from customers.keys import canonical_customer_key
from customers.models import ADDRESS_FIELDS, Customer
from customers.services import find_or_create_customer, find_or_create_customers
from distribution.fields import AUDITED_FIELDS, EDITABLE_FIELDS, check_notes, check_ship_date
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


def _link_customer(*, entry: DistributionLogEntry, actor: User | None, reason: str = "") -> None:
    """An entry without a chosen customer is linked by the canonical key of its facility name."""
    if entry.customer_id is None:
        address = {k: getattr(entry, k) for k in ADDRESS_FIELDS}
        entry.customer, _ = find_or_create_customer(facility_name=entry.facility_name, actor=actor,
                                                    reason=reason, **address)


@transaction.atomic
def create_entry(*, actor: User, data: Mapping[str, Any], source: str = Source.MANUAL,
                 external_ref: str | None = None, source_document: SourceDocument | None = None,
                 reason: str = "") -> DistributionLogEntry:
    values = {k: v for k, v in _strip(data).items() if k in EDITABLE_FIELDS}
    entry = DistributionLogEntry(**values, source=source, external_ref=external_ref,
                                 source_document=source_document, created_by=actor, updated_by=actor)
    entry.status = Status.ACTIVE if entry.lot_number else Status.NEEDS_REVIEW
    check_ship_date(entry.ship_date)
    check_notes(entry.notes)
    canonical_customer_key(entry.facility_name)  # a name with no letters is refused before anything is written
    _link_customer(entry=entry, actor=actor, reason=reason)
    entry.full_clean()
    entry.save()
    record_event(actor=actor, action="distribution_entry.created", target=entry, reason=reason,
                 changes=creation_changes(entry, AUDITED_FIELDS))
    touched = Touched()
    touched.add_entry(entry)
    refresh_summaries(touched)
    return entry


def _locked(entry: DistributionLogEntry, version: int | None) -> DistributionLogEntry:
    locked = DistributionLogEntry.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=entry.pk)
    check_version(locked, version, "entry")
    return locked


@transaction.atomic
def update_entry(*, actor: User, entry: DistributionLogEntry, data: Mapping[str, Any], reason: str,
                 version: int) -> DistributionLogEntry:
    """Edit with a reason. A stale version is refused naming who changed it and when."""
    reason = require_reason(reason)
    locked = _locked(entry, version)
    if locked.status == Status.VOIDED:
        raise ValidationError("A voided entry cannot be edited.")
    old = model_values(locked, AUDITED_FIELDS)
    touched = Touched()
    touched.add_entry(locked)
    values = {k: v for k, v in _strip(data).items() if k in EDITABLE_FIELDS}
    name_changed = "facility_name" in values and values["facility_name"] != locked.facility_name
    for name, value in values.items():
        setattr(locked, name, value)
    if name_changed and "customer" not in data:
        locked.customer = None  # relink by the new name's key
    # The lot decides the status: clearing it sends the entry back to review; a person who fills in
    # the lot of an entry waiting for review (with a reason) has confirmed it.
    if locked.status == Status.ACTIVE and not locked.lot_number:
        locked.status = Status.NEEDS_REVIEW
    elif locked.status == Status.NEEDS_REVIEW and locked.lot_number:
        locked.status = Status.ACTIVE
    check_ship_date(locked.ship_date)
    check_notes(locked.notes)
    canonical_customer_key(locked.facility_name)
    _link_customer(entry=locked, actor=actor, reason=reason)
    changes = diff_fields(old, model_values(locked, AUDITED_FIELDS))
    if not changes:
        return locked
    locked.full_clean()
    locked.updated_by = actor
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db()
    record_event(actor=actor, action="distribution_entry.updated", target=locked, reason=reason, changes=changes)
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
def confirm_entry(*, actor: User, entry: DistributionLogEntry, lot_number: str, version: int | None = None,
                  reason: str = "") -> DistributionLogEntry:
    """A person supplies the missing lot of a needs_review entry and confirms it."""
    lot_number = (lot_number or "").strip()
    if not lot_number:
        raise ValidationError({"lot_number": "Enter the lot number before confirming."})
    locked = _locked(entry, version)
    if locked.status != Status.NEEDS_REVIEW:
        raise ValidationError("Only entries waiting for review can be confirmed.")
    touched = Touched()
    touched.add_entry(locked)
    old = {"lot_number": locked.lot_number, "status": locked.status}
    locked.lot_number = lot_number
    locked.status = Status.ACTIVE
    locked.updated_by = actor
    locked.full_clean()
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db()
    record_event(actor=actor, action="distribution_entry.confirmed", target=locked,
                 reason=reason or "lot supplied and entry confirmed",
                 changes=diff_fields(old, {"lot_number": lot_number, "status": Status.ACTIVE}))
    touched.add_entry(locked)
    refresh_summaries(touched)
    return locked


@transaction.atomic
def link_customers(*, actor: User | None, reason: str = "manage.py link_customers") -> dict[str, int]:
    """Link every unlinked entry to a customer by canonical key (creating customers as needed). Idempotent."""
    unlinked = list(DistributionLogEntry.objects.filter(customer__isnull=True)
                    .values("id", "facility_name", *ADDRESS_FIELDS, "order_number", "lot_number", "ship_date",
                            "sku", "customer_id"))
    if not unlinked:
        return {"linked": 0, "customers_created": 0, "skipped": 0}
    before = Customer.objects.count()
    linkable = []
    skipped = 0
    for row in unlinked:
        try:
            row["key"] = canonical_customer_key(row["facility_name"])
            linkable.append(row)
        except ValidationError:
            skipped += 1
    customers = find_or_create_customers(records=linkable, actor=actor, reason=reason)
    by_customer: dict[int, list[int]] = {}
    for row in linkable:
        by_customer.setdefault(customers[row["key"]].pk, []).append(row["id"])
    for customer_id, ids in by_customer.items():
        for i in range(0, len(ids), 1000):
            DistributionLogEntry.objects.filter(pk__in=ids[i:i + 1000], customer__isnull=True).update(
                customer_id=customer_id, version=F("version") + 1)
    record_events(actor=actor, events=[
        PendingEvent(action="distribution_entry.linked", target_type="distribution.distributionlogentry",
                     target_id=str(row["id"]), target_repr=f"{row['order_number']} · {row['sku']}", reason=reason,
                     changes={"customer": [None, str(customers[row["key"]])]})
        for row in linkable
    ])
    touched = Touched()
    for row in linkable:
        row["customer_id"] = customers[row["key"]].pk
        touched.add_entry(row)
    refresh_summaries(touched)
    return {"linked": len(linkable), "customers_created": Customer.objects.count() - before, "skipped": skipped}


@transaction.atomic
def store_source_document(*, actor: User | None, name: str, data: bytes, content_type: str = "application/pdf"
                          ) -> SourceDocument:
    """Keep an imported original under MEDIA_ROOT with its SHA-256 (21 CFR 820.160(b): a record may
    refer to the location of its source). Files are content-addressed: if the transaction rolls back,
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
