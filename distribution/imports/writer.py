"""Writing an import: every planned line as an entry, each with its own audit event, in one
transaction with the customers it creates, the reps it assigns and the summaries it grows — or nothing.

Entries are written as plain rows (COPY on PostgreSQL), not model instances: at 100,000 rows building
the instances cost more than writing them. Each created row still gets its own audited event
(21 CFR 820.160 traceability), built while the rows stream.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from customers.models import ADDRESS_FIELDS, Customer
from customers.services import ensure_rep_assignments, fill_blank_customer_fields, find_or_create_customers
from distribution.catalogue import record_lots
from distribution.imports.decisions import DecisionsUsed, ImportDecisions, apply_decisions, decisions_record
from distribution.imports.lines import ImportLine
from distribution.imports.planning import ImportPlan, plan_import
from distribution.models import DistributionLogEntry, SourceDocument, Status
from distribution.services import ENTRY_WRITERS_LOCK
from distribution.summaries import add_new_entries
from silqeqms.audit import PendingEvent, current_batch_id, record_events
from silqeqms.bulk import bulk_insert_rows, paused_gc
from silqeqms.edits import require_reason
from silqeqms.jobs.progress import NullProgress, Progress
from silqeqms.locks import hold_lock
from silqeqms.models import User


@dataclass
class ImportResult:
    created: int
    duplicates: int
    needs_review: int
    customers_created: int
    batch_id: str
    entry_ids: list[int]
    corrections_skipped: int = 0
    fields_filled: int = 0


# The entry columns an import writes, in the order of the rows _import_rows() builds; every other
# column gets what a new entry would have (defaults, timestamps).
_IMPORT_FIELDS = ("ship_date", "order_number", "customer_id", "facility_name", *ADDRESS_FIELDS, "sku", "udi_di",
                  "lot_number", "quantity", "rep_id", "notes", "source", "source_document_id", "status",
                  "created_by_id", "updated_by_id", "expiry_date", "serial_number")
_IMPORT_ENTRY_LABEL = DistributionLogEntry._meta.label_lower
# A job's progress bar: an import counts each line three times (planned, written, audited), and
# advances in steps of this many lines so that counting costs nothing beside the writing.
PROGRESS_STEP = 1000
PROGRESS_UNITS_PER_LINE = 3


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
        ("lot_number", r.lot_number),
        ("expiry_date", r.expiry_date.isoformat() if isinstance(r.expiry_date, datetime.date) else r.expiry_date),
        ("serial_number", r.serial_number), ("quantity", r.quantity), ("rep", rep), ("notes", r.notes),
        ("status", status), ("source", source),  # external_ref: always None on an import
    )
    return {k: [None, v] for k, v in values if v is not None and v != ""}


@transaction.atomic
def import_entries(*, actor: User | None, rows: Sequence[ImportLine], source: str, reason: str, file_name: str,
                   sha256: str, source_document: SourceDocument | None = None,
                   batch_data: Mapping[str, Any] | None = None, unknown_rep_is_error: bool = True,
                   decisions: ImportDecisions | None = None, decisions_used: DecisionsUsed | None = None,
                   progress: Progress | None = None) -> ImportResult:
    """All rows in one transaction, or none: any problem refuses the whole import before writing.

    `decisions`: the person's answers to the preview's questions (imports.decisions), checked against
    the plan made here; without them a facility close to an existing customer refuses the import, no
    customer field is filled and possible corrections are skipped. `decisions_used`: for an import of
    several files, which then checks the answers across them (decisions.unused_decisions). `progress`:
a background job's (silqeqms.jobs), which grows by PROGRESS_UNITS_PER_LINE units per line."""
    progress = progress or NullProgress()
    progress.add_to_total(PROGRESS_UNITS_PER_LINE * len(rows))
    with paused_gc():
        return _import_entries(actor=actor, rows=rows, source=source, reason=reason, file_name=file_name,
                               sha256=sha256, source_document=source_document, batch_data=batch_data,
                               unknown_rep_is_error=unknown_rep_is_error, decisions=decisions or ImportDecisions(),
                               decisions_used=decisions_used, progress=progress)


def _import_entries(*, actor: User | None, rows: Sequence[ImportLine], source: str, reason: str, file_name: str,
                    sha256: str, source_document: SourceDocument | None,
                    batch_data: Mapping[str, Any] | None, unknown_rep_is_error: bool, decisions: ImportDecisions,
                    decisions_used: DecisionsUsed | None, progress: Progress) -> ImportResult:
    reason = require_reason(reason)
    # A second import running at once waits here, then plans against the first's committed rows, so
    # the same file confirmed twice (a double click, two tabs, two commands) is imported once.
    hold_lock(ENTRY_WRITERS_LOCK)
    plan = plan_import(rows, unknown_rep_is_error=unknown_rep_is_error)
    if plan.errors:
        raise ValidationError(plan.errors)
    problems = apply_decisions(plan, decisions, used=decisions_used)
    if problems:
        raise ValidationError(problems)
    progress.advance(len(rows))
    to_create = plan.to_create
    customers, customers_created = _customers_of(plan, actor=actor, reason=reason)
    fields_filled = _fill_confirmed(plan, actor=actor, reason=reason)
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
                   source, source_document_id, status, actor_id, actor_id, r.expiry_date, r.serial_number)
            entry_rows.append(row)
            changes.append(_import_changes(r, customer_label, rep_text.get(rep_id), status, source))
            if len(entry_rows) % PROGRESS_STEP == 0:
                progress.advance(PROGRESS_STEP)
            yield row
        progress.advance(len(rows) - len(entry_rows) // PROGRESS_STEP * PROGRESS_STEP)

    entry_ids = bulk_insert_rows(DistributionLogEntry, _IMPORT_FIELDS, build_rows(), count=len(to_create))
    if not all(entry_ids):  # SQLite < 3.35 would not return ids; we need them for the audit
        raise RuntimeError("the database did not return the new rows' ids")
    events = (
        PendingEvent(action="distribution_entry.imported", target_type=_IMPORT_ENTRY_LABEL, target_id=str(pk),
                     # str(entry), as the detail page and history show it
                     target_repr=f"{p.row.order_number} · {p.row.sku} · lot {p.row.lot_number or 'pending'} · "
                                 f"{p.row.quantity}"[:255],
                     reason=reason, changes=change, data={"line": p.row.line})
        for p, pk, change in _counted(zip(to_create, entry_ids, changes, strict=True), progress)
    )
    needs_review = sum(1 for p in to_create if not p.row.lot_number)
    corrections_skipped = sum(1 for p in plan.corrections if not p.import_correction)
    summary = {
        "file_name": file_name, "sha256": sha256, "source": source, "rows": len(rows), "created": len(entry_ids),
        "duplicates_skipped": len(plan.duplicates), "needs_review": needs_review,
        "customers_created": customers_created, "corrections_skipped": corrections_skipped,
        "decisions": decisions_record(plan), **(batch_data or {}),
    }
    batch_event = PendingEvent(action="distribution.imported", target_type="distribution.import",
                               target_id=sha256[:16], target_repr=file_name, reason=reason, data=summary)
    record_events(actor=actor, events=itertools.chain(events, [batch_event]), return_events=False)
    progress.advance(len(rows) - len(entry_ids) // PROGRESS_STEP * PROGRESS_STEP)
    # The rep named on a row is assigned to that customer (first rep = primary), so a sales rep sees
    # the customers and shipments an import gave them.
    ensure_rep_assignments(pairs={(row[2], row[14]) for row in entry_rows if row[14] is not None}, actor=actor,
                           reason=reason)
    add_new_entries(entry_ids)
    # Lots first seen in this file are created released (the plan's shipping check has passed).
    record_lots(actor=actor, lines=((p.row.sku, p.row.lot_number, p.row.expiry_date) for p in to_create),
                reason=reason)
    return ImportResult(created=len(entry_ids), duplicates=len(plan.duplicates), needs_review=needs_review,
                        customers_created=customers_created, batch_id=current_batch_id(), entry_ids=entry_ids,
                        corrections_skipped=corrections_skipped, fields_filled=fields_filled)


def _counted(items, progress: Progress):
    """`items` unchanged, advancing `progress` by PROGRESS_STEP every PROGRESS_STEP items."""
    for count, item in enumerate(items, start=1):
        if count % PROGRESS_STEP == 0:
            progress.advance(PROGRESS_STEP)
        yield item


def _customers_of(plan: ImportPlan, *, actor: User | None, reason: str) -> tuple[dict[str, Customer], int]:
    """{customer key: customer} for every line to write: found by key, linked by the person's choice,
    or created (race-safe: a customer another writer creates meanwhile is linked, not duplicated).
    Returns it with how many customers this import created."""
    to_create = plan.to_create
    customers = {p.customer_key: p.customer for p in to_create if p.customer is not None}
    records = []
    for key in sorted({p.customer_key for p in to_create} - customers.keys()):
        new = plan.new_customers[key]
        if new.choice is not None:
            customers[key] = new.choice
        else:
            records.append({"facility_name": new.facility_name, **new.address})
    created: set[str] = set()
    if records:
        found, created = find_or_create_customers(records=records, actor=actor, reason=reason)
        customers.update(found)
    return customers, len(created)


def _fill_confirmed(plan: ImportPlan, *, actor: User | None, reason: str) -> int:
    """The blank customer fields the person confirmed, each change audited with the import's reason."""
    by_customer: dict[int, tuple[Customer, dict[str, str]]] = {}
    for fill in plan.fills:
        if fill.confirmed:
            by_customer.setdefault(fill.customer.pk, (fill.customer, {}))[1][fill.field] = fill.value
    return sum(len(fill_blank_customer_fields(customer=customer, incoming=values, actor=actor, reason=reason))
               for customer, values in by_customer.values())
