"""Merging a duplicate customer into the one that survives: the whole use case, in one place.

It lives in distribution because a merge repoints distribution entries (and customers never imports
distribution). Everything moves in one transaction: entries, notes, rep assignments and aliases; the
duplicate's key becomes an alias of the survivor, so later imports of that spelling land on it, and
the duplicate's old address redirects to the survivor (a MergedCustomer row; customers.selectors.merged_into).
Merging one of a pair a key-rule change set apart gives the survivor back its plain key.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from customers.keys import canonical_customer_key
from customers.models import (
    EDITABLE_FIELDS,
    Customer,
    CustomerAlias,
    CustomerNote,
    MergedCustomer,
    RepAssignment,
)
from customers.selectors import customer_for_key
from customers.services import is_set_apart
from distribution.models import DistributionLogEntry
from distribution.summaries import Touched, refresh_summaries
from silqeqms.audit import PendingEvent, model_values, record_event, record_events
from silqeqms.edits import require_reason
from silqeqms.models import User


@dataclass
class MergePreview:
    entries: int
    notes: int
    reps: int


def check_merge(*, survivor: Customer, duplicate: Customer) -> None:
    """The one guard on a merge's two sides (the form and the service both ask it)."""
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": "Choose a different customer to merge into this one."})


def merge_preview(*, survivor: Customer, duplicate: Customer) -> MergePreview:
    """What a merge would move, for the confirmation page."""
    return MergePreview(entries=duplicate.distribution_entries.count(), notes=duplicate.notes.count(),
                        reps=duplicate.rep_assignments.exclude(rep__in=survivor.rep_assignments.values("rep")).count())


@transaction.atomic
def merge_customers(*, actor: User, survivor: Customer, duplicate: Customer, reason: str) -> dict[str, int]:
    """Merge `duplicate` into `survivor`; returns how many entries, notes and reps moved."""
    reason = require_reason(reason)
    check_merge(survivor=survivor, duplicate=duplicate)
    # Both customers locked, lower id first, so two merges of the same pair cannot interleave.
    list(Customer.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk]).order_by("pk"))
    touched = Touched()
    for row in duplicate.distribution_entries.values("customer_id", "order_number", "lot_number", "ship_date",
                                                     "sku"):
        touched.add_entry(row)
    entry_ids = list(duplicate.distribution_entries.values_list("id", flat=True))
    DistributionLogEntry.objects.filter(pk__in=entry_ids).update(customer=survivor, version=F("version") + 1)
    notes = CustomerNote.objects.filter(customer=duplicate).update(customer=survivor)
    reps_moved = _move_reps(survivor=survivor, duplicate=duplicate)
    CustomerAlias.objects.filter(customer=duplicate).update(customer=survivor)
    MergedCustomer.objects.filter(survivor=duplicate).update(survivor=survivor)
    MergedCustomer.objects.create(former_id=duplicate.pk, survivor=survivor, facility_name=duplicate.facility_name)
    duplicate_pk = duplicate.pk
    duplicate_values = model_values(duplicate, ("company_key", *EDITABLE_FIELDS))
    duplicate.delete()
    survivor_key = _settle_keys(survivor=survivor, duplicate_values=duplicate_values, actor=actor)
    record_event(actor=actor, action="customer.merged", target=survivor, reason=reason,
                 changes={"merged_customer": [f"{duplicate_values['facility_name']} (#{duplicate_pk})", None],
                          **survivor_key},
                 data={"duplicate_id": duplicate_pk, "duplicate": duplicate_values,
                       "entries_moved": len(entry_ids), "notes_moved": notes, "reps_moved": reps_moved})
    record_events(actor=actor, events=[
        PendingEvent(action="distribution_entry.relinked", target_type=DistributionLogEntry._meta.label_lower,
                     target_id=str(pk), target_repr=f"entry {pk}", reason=reason,
                     changes={"customer": [str(duplicate), str(survivor)]})
        for pk in entry_ids
    ])
    touched.orders |= {(survivor.pk, number) for _, number in touched.orders}
    touched.customers.add(survivor.pk)
    refresh_summaries(touched)
    return {"entries": len(entry_ids), "notes": notes, "reps": reps_moved, "duplicate_id": duplicate_pk}


def _settle_keys(*, survivor: Customer, duplicate_values: dict, actor: User) -> dict[str, list[str]]:
    """The duplicate's spelling becomes an alias of the survivor (so later imports of it land there),
    unless the survivor has that key itself; a survivor whose key was set apart by a key-rule change
    takes its plain key back once nobody else holds it. Returns the survivor's key change, if any."""
    changes = {}
    plain = canonical_customer_key(survivor.facility_name)
    if is_set_apart(survivor.company_key) and customer_for_key(plain) in (None, survivor):
        changes["company_key"] = [survivor.company_key, plain]
        CustomerAlias.objects.filter(key=plain, customer=survivor).delete()
        Customer.objects.filter(pk=survivor.pk).update(company_key=plain, version=F("version") + 1)
        survivor.refresh_from_db()
    for key in (duplicate_values["company_key"], canonical_customer_key(duplicate_values["facility_name"])):
        if key != survivor.company_key and not is_set_apart(key):
            CustomerAlias.objects.bulk_create([CustomerAlias(key=key, customer=survivor, created_by=actor,
                                                             facility_name=duplicate_values["facility_name"])],
                                              ignore_conflicts=True)
    return changes


def _move_reps(*, survivor: Customer, duplicate: Customer) -> int:
    """The duplicate's reps join the survivor (a rep both had is kept once); the survivor keeps its
    primary rep, or takes the duplicate's when it had none."""
    survivor_reps = set(RepAssignment.objects.filter(customer=survivor).values_list("rep_id", flat=True))
    has_primary = RepAssignment.objects.filter(customer=survivor, is_primary=True).exists()
    moved = 0
    for assignment in RepAssignment.objects.filter(customer=duplicate).order_by("-is_primary"):
        if assignment.rep_id in survivor_reps:
            assignment.delete()
            continue
        assignment.customer = survivor
        assignment.is_primary = assignment.is_primary and not has_primary
        has_primary = has_primary or assignment.is_primary
        assignment.save()
        moved += 1
    return moved
