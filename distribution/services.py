"""Every write to the distribution log: create, edit, void, confirm, import, link, merge.

Each is one transaction that also writes its audit events and refreshes the dashboard summaries,
so a record, its history and the totals never disagree.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import itertools
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import CharField, F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from customers.keys import canonical_customer_key
from customers.models import Customer
from customers.services import (
    ADDRESS_FIELDS,
    ensure_rep_assignments,
    find_or_create_customer,
    find_or_create_customers,
    merge_customer_records,
    require_reason,
    stale_version_error,
)
from distribution.models import DistributionLogEntry, Source, SourceDocument, Status
from distribution.summaries import Touched, add_new_entries, refresh_summaries
from silqeqms.audit import (
    PendingEvent,
    creation_changes,
    diff_fields,
    model_values,
    record_event,
    record_events,
)
from silqeqms.bulk import bulk_insert_rows, paused_gc
from silqeqms.models import User

EDITABLE_FIELDS = (
    "ship_date", "order_number", "customer", "facility_name", *ADDRESS_FIELDS,
    "sku", "udi_di", "lot_number", "quantity", "rep", "notes",
)
AUDITED_FIELDS = (*EDITABLE_FIELDS, "status", "source", "external_ref")


EARLIEST_SHIP_DATE = datetime.date(1990, 1, 1)


def ship_date_problem(ship_date: datetime.date | None, *, latest: datetime.date | None = None) -> str:
    """A ship date in the future (beyond tomorrow, for time zones) or before 1990 is a typo.
    (`latest`: tomorrow's date, when the caller checks many dates at once.)"""
    if not isinstance(ship_date, datetime.date):
        return ""
    if latest is None:
        latest = timezone.localdate() + datetime.timedelta(days=1)
    if ship_date > latest:
        return f"ship date {ship_date:%Y-%m-%d} is in the future"
    if ship_date < EARLIEST_SHIP_DATE:
        return f"ship date {ship_date:%Y-%m-%d} is before {EARLIEST_SHIP_DATE:%Y}"
    return ""


def _check_ship_date(ship_date) -> None:
    problem = ship_date_problem(ship_date)
    if problem:
        raise ValidationError({"ship_date": problem[0].upper() + problem[1:] + "."})


def _strip(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}


def _link_customer(*, entry: DistributionLogEntry, actor: User | None, reason: str = "") -> None:
    """An entry without a chosen customer is linked by the canonical key of its facility name."""
    if entry.customer_id is None:
        address = {k: getattr(entry, k) for k in ADDRESS_FIELDS}
        entry.customer, _ = find_or_create_customer(facility_name=entry.facility_name, actor=actor,
                                                    reason=reason, **address)


@transaction.atomic
def entry_create(*, actor: User, data: Mapping[str, Any], source: str = Source.MANUAL,
                 external_ref: str | None = None, source_document: SourceDocument | None = None,
                 reason: str = "") -> DistributionLogEntry:
    values = {k: v for k, v in _strip(data).items() if k in EDITABLE_FIELDS}
    entry = DistributionLogEntry(**values, source=source, external_ref=external_ref,
                                 source_document=source_document, created_by=actor, updated_by=actor)
    entry.status = Status.ACTIVE if entry.lot_number else Status.NEEDS_REVIEW
    _check_ship_date(entry.ship_date)
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
    if version is not None and locked.version != version:
        raise stale_version_error(locked, "entry")
    return locked


@transaction.atomic
def entry_update(*, actor: User, entry: DistributionLogEntry, data: Mapping[str, Any], reason: str,
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
    _check_ship_date(locked.ship_date)
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
def entry_void(*, actor: User | None, entry: DistributionLogEntry, reason: str,
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
def entry_confirm(*, actor: User, entry: DistributionLogEntry, lot_number: str, version: int | None = None,
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


# Imports -------------------------------------------------------------------------------------


@dataclass
class ImportLine:
    """One row to import, already parsed (CSV, PDF) — plain values, rep as text."""

    line: int
    ship_date: datetime.date
    order_number: str
    facility_name: str
    sku: str
    quantity: int
    lot_number: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    udi_di: str = ""
    rep: str = ""
    notes: str = ""


@dataclass
class PlannedLine:
    row: ImportLine
    customer: Customer | None
    customer_key: str
    rep: User | None
    duplicate_of: int | None = None
    repeats_line: int | None = None  # the earlier line of the same file this one repeats exactly
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        if self.duplicate_of:
            return "duplicate"
        return "new" if self.row.lot_number else "needs_review"


@dataclass
class ImportPlan:
    lines: list[PlannedLine]

    @property
    def errors(self) -> list[str]:
        return [f"Line {p.row.line}: {e}" for p in self.lines for e in p.errors]

    @property
    def to_create(self) -> list[PlannedLine]:
        return [p for p in self.lines if p.status in ("new", "needs_review")]

    @property
    def duplicates(self) -> list[PlannedLine]:
        return [p for p in self.lines if p.status == "duplicate"]

    @property
    def repeats(self) -> list[PlannedLine]:
        """Lines to import that repeat an earlier line of the same file exactly: imported too (two equal
        lines can be two shipments), but shown so that a copy-and-paste slip is caught in the preview."""
        return [p for p in self.to_create if p.repeats_line]

    @property
    def new_customer_keys(self) -> set[str]:
        return {p.customer_key for p in self.lines if p.customer is None and not p.errors}


@dataclass
class ImportResult:
    created: int
    duplicates: int
    needs_review: int
    customers_created: int
    batch_id: str
    entry_ids: list[int]


MAX_QUANTITY = 2_147_483_647  # the database's integer column
_TEXT_LIMITS = {f.name: f.max_length for f in DistributionLogEntry._meta.fields
                if isinstance(f, CharField) and f.name in {fl.name for fl in dataclasses.fields(ImportLine)}}
_TEXT_VALUES = operator.attrgetter(*_TEXT_LIMITS)


def _line_problems(row: ImportLine, latest: datetime.date | None = None) -> list[str]:
    """What the model would refuse, checked cheaply per row (the parsers have checked types already;
    a full_clean() per row costs more than the insert)."""
    texts = _TEXT_VALUES(row)
    problems = [f"{name} is longer than {limit} characters"
                for (name, limit), value in zip(_TEXT_LIMITS.items(), texts, strict=True) if len(value or "") > limit]
    if not (row.order_number or "").strip():
        problems.append("order_number is required")
    if not (row.facility_name or "").strip():
        problems.append("facility_name is required")
    if not (row.sku or "").strip():
        problems.append("sku is required")
    if not isinstance(row.quantity, int) or not 1 <= row.quantity <= MAX_QUANTITY:
        problems.append(f"quantity {row.quantity!r} must be a whole number from 1 to {MAX_QUANTITY:,}")
    date_problem = ship_date_problem(row.ship_date, latest=latest)
    if date_problem:
        problems.append(date_problem)
    return problems


def _resolve_reps(names: set[str]) -> dict[str, User]:
    """{lower-cased username or e-mail: user}, case-insensitively, in one query."""
    lowered = {n.lower() for n in names if n}
    if not lowered:
        return {}
    found: dict[str, User] = {}
    users = User.objects.annotate(u=Lower("username"), e=Lower("email")).filter(Q(u__in=lowered) | Q(e__in=lowered))
    for user in users:
        found[user.u] = user
        if user.e:
            found[user.e] = user
    return found


def _duplicate_key(ship_date, order_number, customer_ref, sku, lot, quantity) -> tuple:
    return (ship_date, order_number, customer_ref, sku, lot or "", int(quantity))


def plan_import(rows: Sequence[ImportLine]) -> ImportPlan:
    """Resolve customers and reps and find duplicates, without writing anything (the preview)."""
    from customers.services import customers_for_keys

    planned: list[PlannedLine] = []
    keys: dict[int, str] = {}
    key_of_name: dict[str, str | ValidationError] = {}  # a file names the same facilities many times
    for row in rows:
        name = row.facility_name
        if name not in key_of_name:
            try:
                key_of_name[name] = canonical_customer_key(name)
            except ValidationError as exc:
                key_of_name[name] = exc
        key = key_of_name[name]
        if isinstance(key, ValidationError):
            keys[row.line] = ""
            planned.append(PlannedLine(row=row, customer=None, customer_key="", rep=None,
                                       errors=[f"facility_name: {key.messages[0]}"]))
        else:
            keys[row.line] = key
    customers = customers_for_keys({k for k in keys.values() if k})
    reps = _resolve_reps({row.rep for row in rows if row.rep})
    errored = {p.row.line for p in planned}
    latest = timezone.localdate() + datetime.timedelta(days=1)
    for row in rows:
        if row.line in errored:
            continue
        rep = reps.get(row.rep.lower()) if row.rep else None
        line = PlannedLine(row=row, customer=customers.get(keys[row.line]), customer_key=keys[row.line], rep=rep)
        if row.rep and rep is None:
            line.errors.append(f"rep: no user has the username or e-mail “{row.rep}”")
        line.errors += _line_problems(row, latest)
        planned.append(line)
    planned.sort(key=lambda p: p.row.line)

    # Duplicates: equal to an existing non-voided entry on (date, order, customer, sku, lot, qty).
    existing: dict[tuple, int] = {}
    numbers = sorted({p.row.order_number for p in planned})
    for i in range(0, len(numbers), 1000):
        chunk = numbers[i:i + 1000]
        for e in (DistributionLogEntry.objects.exclude(status=Status.VOIDED).filter(order_number__in=chunk)
                  .values("id", "ship_date", "order_number", "customer__company_key", "facility_name", "sku",
                          "lot_number", "quantity").iterator(chunk_size=5000)):
            ref = e["customer__company_key"] or canonical_customer_key(e["facility_name"])
            existing[_duplicate_key(e["ship_date"], e["order_number"], ref, e["sku"], e["lot_number"],
                                    e["quantity"])] = e["id"]
    first_line: dict[tuple, int] = {}
    for p in planned:
        ref = p.customer.company_key if p.customer else p.customer_key
        key = _duplicate_key(p.row.ship_date, p.row.order_number, ref, p.row.sku, p.row.lot_number,
                             p.row.quantity) if not p.errors else None
        p.duplicate_of = existing.get(key) if key else None
        if key and not p.duplicate_of:
            p.repeats_line = first_line.setdefault(key, p.row.line)
            if p.repeats_line == p.row.line:
                p.repeats_line = None
    return ImportPlan(lines=planned)


# The entry columns an import writes, in the order of the rows _import_rows() builds; every other
# column gets what a new entry would have (defaults, timestamps).
_IMPORT_FIELDS = ("ship_date", "order_number", "customer_id", "facility_name", *ADDRESS_FIELDS, "sku", "udi_di",
                  "lot_number", "quantity", "rep_id", "notes", "source", "source_document_id", "status",
                  "created_by_id", "updated_by_id")
_IMPORT_ENTRY_LABEL = DistributionLogEntry._meta.label_lower


def _import_changes(r: ImportLine, customer: str | None, rep: str | None, status: str, source: str
                    ) -> dict[str, list[Any]]:
    """creation_changes(entry, AUDITED_FIELDS) of the entry an import line creates, straight from the line's
    plain values (no model instance): {field: [None, value]}, blank fields left out, dates as ISO text,
    customer and rep by their text."""
    ship_date = r.ship_date
    values = (
        ("ship_date", ship_date.isoformat() if isinstance(ship_date, datetime.date) else ship_date),
        ("order_number", r.order_number), ("customer", customer), ("facility_name", r.facility_name),
        ("address1", r.address1), ("address2", r.address2), ("city", r.city), ("state", r.state),
        ("postal_code", r.postal_code), ("country", r.country), ("sku", r.sku), ("udi_di", r.udi_di),
        ("lot_number", r.lot_number), ("quantity", r.quantity), ("rep", rep), ("notes", r.notes),
        ("status", status), ("source", source),  # external_ref: always None on an import
    )
    return {k: [None, v] for k, v in values if v is not None and v != ""}


@transaction.atomic
def entries_import(*, actor: User, rows: Sequence[ImportLine], source: str, reason: str, file_name: str,
                   sha256: str, source_document: SourceDocument | None = None,
                   batch_data: Mapping[str, Any] | None = None) -> ImportResult:
    """All rows in one transaction, or none: any error refuses the whole import before writing.

    Written as plain rows (COPY on PostgreSQL), not model instances: at 100,000 rows building the
    instances cost more than writing them. Each created row still gets its own audited event."""
    with paused_gc():
        return _entries_import(actor=actor, rows=rows, source=source, reason=reason, file_name=file_name,
                               sha256=sha256, source_document=source_document, batch_data=batch_data)


def _entries_import(*, actor: User, rows: Sequence[ImportLine], source: str, reason: str, file_name: str,
                    sha256: str, source_document: SourceDocument | None,
                    batch_data: Mapping[str, Any] | None) -> ImportResult:
    from silqeqms.audit import current_batch_id

    reason = require_reason(reason)
    plan = plan_import(rows)
    if plan.errors:
        raise ValidationError(plan.errors)
    to_create = plan.to_create
    # find_or_create_customers() uses the first record of each key: pass only that one.
    first_of_key: dict[str, dict[str, str]] = {}
    for p in to_create:
        if p.customer_key not in first_of_key:
            first_of_key[p.customer_key] = {"facility_name": p.row.facility_name,
                                            **{k: getattr(p.row, k) for k in ADDRESS_FIELDS}}
    customers = find_or_create_customers(records=first_of_key.values(), actor=actor,
                                         reason=reason) if to_create else {}
    customers_created = len(plan.new_customer_keys & set(customers))
    source = str(source)  # a Source member is stored and audited as its value
    source_document_id = source_document.pk if source_document else None
    actor_id = actor.pk if actor else None
    customer_text = {key: (str(c) or None, c.pk) for key, c in customers.items()}
    rep_text: dict[int, str | None] = {}
    active, review = str(Status.ACTIVE), str(Status.NEEDS_REVIEW)
    entry_rows: list[tuple] = []
    changes: list[dict[str, list[Any]]] = []

    def build_rows():
        """Each entry's row and its audit changes, built while COPY streams the rows before it."""
        for p in to_create:
            r = p.row
            status = active if r.lot_number else review
            customer_label, customer_id = customer_text[p.customer_key]
            rep_id = p.rep.pk if p.rep else None
            if rep_id is not None and rep_id not in rep_text:
                rep_text[rep_id] = str(p.rep) or None
            row = (r.ship_date, r.order_number, customer_id, r.facility_name, r.address1, r.address2, r.city,
                   r.state, r.postal_code, r.country, r.sku, r.udi_di, r.lot_number, r.quantity, rep_id, r.notes,
                   source, source_document_id, status, actor_id, actor_id)
            entry_rows.append(row)
            changes.append(_import_changes(r, customer_label, rep_text.get(rep_id), status, source))
            yield row

    entry_ids = bulk_insert_rows(DistributionLogEntry, _IMPORT_FIELDS, build_rows(), count=len(to_create))
    if not all(entry_ids):  # SQLite < 3.35 would not return ids; we need them for the audit
        raise RuntimeError("the database did not return the new rows' ids")
    events = (
        PendingEvent(action="distribution_entry.imported", target_type=_IMPORT_ENTRY_LABEL, target_id=str(pk),
                     # str(entry), as the detail page and history show it
                     target_repr=f"{p.row.order_number} · {p.row.sku} · lot {p.row.lot_number or 'pending'} · "
                                 f"{p.row.quantity}"[:255],
                     reason=reason, changes=change, data={"line": p.row.line})
        for p, pk, change in zip(to_create, entry_ids, changes, strict=True)
    )
    needs_review = sum(1 for p in to_create if not p.row.lot_number)
    summary = {
        "file_name": file_name, "sha256": sha256, "source": source, "rows": len(rows), "created": len(entry_ids),
        "duplicates_skipped": len(plan.duplicates), "needs_review": needs_review,
        "customers_created": customers_created, **(batch_data or {}),
    }
    batch_event = PendingEvent(action="distribution.imported", target_type="distribution.import",
                               target_id=sha256[:16], target_repr=file_name, reason=reason, data=summary)
    record_events(actor=actor, events=itertools.chain(events, [batch_event]), return_events=False)
    # The rep named on a row is assigned to that customer (first rep = primary), so a sales rep sees
    # the customers and shipments an import gave them.
    ensure_rep_assignments(pairs={(row[2], row[14]) for row in entry_rows if row[14] is not None}, actor=actor,
                           reason=reason)
    add_new_entries(entry_ids)
    return ImportResult(created=len(entry_ids), duplicates=len(plan.duplicates), needs_review=needs_review,
                        customers_created=customers_created, batch_id=current_batch_id(), entry_ids=entry_ids)


# Customers -----------------------------------------------------------------------------------


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


@dataclass
class MergePreview:
    entries: int
    notes: int
    reps: int


def merge_preview(*, survivor: Customer, duplicate: Customer) -> MergePreview:
    return MergePreview(entries=duplicate.distribution_entries.count(), notes=duplicate.notes.count(),
                        reps=duplicate.rep_assignments.exclude(rep__in=survivor.rep_assignments.values("rep")).count())


@transaction.atomic
def customer_merge(*, actor: User, survivor: Customer, duplicate: Customer, reason: str) -> dict[str, int]:
    """Merge a duplicate customer into the survivor: entries, notes and reps move; the duplicate's key
    becomes an alias so later imports of that spelling land on the survivor. One transaction."""
    reason = require_reason(reason)
    if survivor.pk == duplicate.pk:
        raise ValidationError("Choose a different customer to merge into this one.")
    touched = Touched()
    for row in duplicate.distribution_entries.values("customer_id", "order_number", "lot_number", "ship_date",
                                                     "sku"):
        touched.add_entry(row)
    entry_ids = list(duplicate.distribution_entries.values_list("id", flat=True))
    DistributionLogEntry.objects.filter(pk__in=entry_ids).update(customer=survivor, version=F("version") + 1)
    moved = merge_customer_records(actor=actor, survivor=survivor, duplicate=duplicate, reason=reason)
    record_events(actor=actor, events=[
        PendingEvent(action="distribution_entry.relinked", target_type="distribution.distributionlogentry",
                     target_id=str(pk), target_repr=f"entry {pk}", reason=reason,
                     changes={"customer": [str(duplicate), str(survivor)]})
        for pk in entry_ids
    ])
    touched.orders |= {(survivor.pk, number) for _, number in touched.orders}
    touched.customers.add(survivor.pk)
    refresh_summaries(touched)
    duplicate.delete()
    return {**moved, "entries": len(entry_ids)}


@transaction.atomic
def source_document_store(*, actor: User | None, name: str, data: bytes, content_type: str = "application/pdf"
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
