"""Freezing distribution entries into a recall's consignee list: grouping by customer, the lines as
shipped, the contact from the customer profile, and each consignee's summaries. Opening freezes the whole
scope; adding later shipments freezes more (and refreshes the lines of corrected entries)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Max
from django.utils import timezone

from customers.models import Customer
from distribution.models import DistributionLogEntry
from products.identifiers import match_key
from recalls.models import ConsigneeStatus, Recall, RecallConsignee, RecallLine
from silqeqms.audit import diff_fields, model_values
from silqeqms.bulk import bulk_insert
from silqeqms.models import User

LINE_FIELDS = ("entry_version", "ship_date", "order_number", "sku", "udi_di", "lot_number", "quantity",
               "shipped_to", "rep")


def _group_key(entry: DistributionLogEntry) -> tuple:
    """One consignee per customer; an entry not linked to a customer groups by its facility name."""
    return ("customer", entry.customer_id) if entry.customer_id else ("facility", match_key(entry.facility_name))


def _line_values(entry: DistributionLogEntry) -> dict:
    address = entry.consignee_address
    return {"entry_version": entry.version, "ship_date": entry.ship_date, "order_number": entry.order_number,
            "sku": entry.sku, "udi_di": entry.udi_di, "lot_number": entry.lot_number, "quantity": entry.quantity,
            "shipped_to": f"{entry.facility_name}, {address}" if address else entry.facility_name,
            "rep": entry.rep.get_username() if entry.rep_id else ""}


def summarise(consignee: RecallConsignee, lines: Iterable[RecallLine]) -> None:
    """Set the consignee's units, lots, orders, dates, addresses and reps from its lines."""
    lines = sorted(lines, key=lambda line: (line.ship_date, line.order_number, line.pk or 0))
    consignee.units = sum(line.quantity for line in lines)
    consignee.lots = sorted({line.lot_number for line in lines if line.lot_number})
    consignee.order_numbers = list(dict.fromkeys(line.order_number for line in lines))
    consignee.first_ship_date = lines[0].ship_date if lines else None
    consignee.last_ship_date = lines[-1].ship_date if lines else None
    consignee.addresses = list(dict.fromkeys(line.shipped_to for line in reversed(lines)))  # most recent first
    consignee.reps = ", ".join(sorted({line.rep for line in lines if line.rep}))[:255]


@dataclass
class Frozen:
    new_consignees: list[RecallConsignee] = field(default_factory=list)
    touched_consignees: list[RecallConsignee] = field(default_factory=list)  # existing ones given lines
    new_lines: list[RecallLine] = field(default_factory=list)
    refreshed_lines: list[RecallLine] = field(default_factory=list)
    # Existing consignees whose lines changed, with {field: [old, new]} of their summaries.
    changed_consignees: list[tuple[RecallConsignee, dict]] = field(default_factory=list)


def freeze_entries(*, recall: Recall, entries: list[DistributionLogEntry], actor: User | None, late: bool) -> Frozen:
    """Put these entries on the recall's list: a line each (an existing line is refreshed from its entry),
    grouped into consignees (existing ones are reused). A fixed number of queries."""
    frozen = Frozen()
    if not entries:
        return frozen
    all_consignees = {c.pk: c for c in RecallConsignee.objects.filter(recall=recall)}
    existing = {(("customer", c.customer_id) if c.customer_id else ("facility", match_key(c.facility_name))): c
                for c in all_consignees.values()}
    moved_from: set[int] = set()
    lines_by_entry = {line.entry_id: line for line in
                      RecallLine.objects.filter(recall=recall, entry_id__in=[e.pk for e in entries])}
    customers = Customer.objects.in_bulk({e.customer_id for e in entries if e.customer_id})
    next_number = (RecallConsignee.objects.filter(recall=recall).aggregate(n=Max("number"))["n"] or 0) + 1
    groups: dict[tuple, list[DistributionLogEntry]] = {}
    for entry in entries:
        groups.setdefault(_group_key(entry), []).append(entry)
    # New consignees are numbered in name order, so the list reads alphabetically after opening.
    for key in sorted(groups, key=lambda k: (match_key(groups[k][0].facility_name), str(k[1]))):
        consignee = existing.get(key)
        if consignee is None:
            customer = customers.get(key[1]) if key[0] == "customer" else None
            consignee = RecallConsignee(
                recall=recall, number=next_number, customer=customer, updated_by=actor, added_after_opening=late,
                facility_name=customer.facility_name if customer else groups[key][0].facility_name,
                contact_name=customer.contact_name if customer else "", phone=customer.phone if customer else "",
                email=customer.email if customer else "")
            next_number += 1
            frozen.new_consignees.append(consignee)
        else:
            consignee.updated_by = actor
            frozen.touched_consignees.append(consignee)
        for entry in groups[key]:
            line = lines_by_entry.get(entry.pk)
            if line is None:
                frozen.new_lines.append(RecallLine(recall=recall, consignee=consignee, entry=entry,
                                                   added_after_opening=late, **_line_values(entry)))
            else:
                if line.consignee_id != getattr(consignee, "pk", None):
                    moved_from.add(line.consignee_id)
                for name, value in _line_values(entry).items():
                    setattr(line, name, value)
                line.consignee = consignee
                frozen.refreshed_lines.append(line)
    _write(frozen, all_consignees, moved_from)
    return frozen


SUMMARY_FIELDS = ("units", "lots", "order_numbers", "first_ship_date", "last_ship_date", "addresses", "reps")


def _write(frozen: Frozen, consignees: dict[int, RecallConsignee], moved_from: set[int]) -> None:
    """Insert the new consignees (their summaries from their lines, in memory) and lines, update the
    refreshed lines, then recompute the summaries of the existing consignees that gained or lost a line
    (from the database: one query)."""
    now = timezone.now()
    fresh: dict[int, list[RecallLine]] = {id(c): [] for c in frozen.new_consignees}
    for line in frozen.new_lines + frozen.refreshed_lines:
        if line.consignee.pk is None:
            fresh[id(line.consignee)].append(line)
    for consignee in frozen.new_consignees:
        summarise(consignee, fresh[id(consignee)])
    bulk_insert(RecallConsignee, frozen.new_consignees)
    for line in frozen.new_lines + frozen.refreshed_lines:
        line.consignee_id = line.consignee.pk
    for line in frozen.new_lines:
        line.added_at = now
    bulk_insert(RecallLine, frozen.new_lines)
    if frozen.refreshed_lines:
        RecallLine.objects.bulk_update(frozen.refreshed_lines, [*LINE_FIELDS, "consignee"], batch_size=500)
    affected = {c.pk for c in frozen.touched_consignees} | moved_from
    if not affected:
        return
    lines_of: dict[int, list[RecallLine]] = {pk: [] for pk in affected}
    for line in RecallLine.objects.filter(consignee_id__in=affected):
        lines_of[line.consignee_id].append(line)
    changed = []
    for pk in sorted(affected):
        consignee = consignees[pk]
        old = model_values(consignee, (*SUMMARY_FIELDS, "renotify"))
        summarise(consignee, lines_of[pk])
        if consignee.status != ConsigneeStatus.PENDING:
            consignee.renotify = True  # it must be told of the lines added since it was notified
        consignee.version += 1
        consignee.updated_at = now
        frozen.changed_consignees.append(
            (consignee, diff_fields(old, model_values(consignee, (*SUMMARY_FIELDS, "renotify")))))
        changed.append(consignee)
    RecallConsignee.objects.bulk_update(changed, [*SUMMARY_FIELDS, "renotify", "version", "updated_at", "updated_by"],
                                        batch_size=500)
