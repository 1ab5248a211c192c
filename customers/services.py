"""Every write to customers, their notes and rep assignments; each one audited through record_event()."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from customers.keys import canonical_customer_key
from customers.matching import match_columns
from customers.models import ADDRESS_FIELDS, EDITABLE_FIELDS, Customer, CustomerNote, RepAssignment
from customers.selectors import customer_for_key, customers_for_keys, get_customer_by_id
from silqeqms.audit import (
    PendingEvent,
    creation_changes,
    diff_fields,
    model_values,
    record_event,
    record_events,
)
from silqeqms.bulk import bulk_insert
from silqeqms.edits import StaleVersionError, check_version, require_reason
from silqeqms.models import User

# The migration plan's names, importable from here: get_customer_by_id is a read (selectors).
__all__ = [
    "canonical_customer_key", "create_customer", "update_customer", "find_or_create_customer",
    "find_or_create_customers", "fill_blank_customer_fields", "ensure_rep_assignment", "ensure_rep_assignments", "get_customer_by_id",
    "remove_rep_assignment", "add_note", "update_note", "delete_note", "StaleVersionError",
]

def _clean_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields given, stripped; None and "" are the same blank to every customer service."""
    values = {}
    for name, value in data.items():
        if name not in EDITABLE_FIELDS:
            continue
        if name == "is_active":
            values[name] = bool(value) if value is not None else True
        else:
            values[name] = value.strip() if isinstance(value, str) else ("" if value is None else str(value))
    return values


def _duplicate_name_error(existing: Customer) -> ValidationError:
    return ValidationError({"facility_name": ValidationError(
        "A customer with this name already exists: %(name)s.", code="duplicate_customer",
        params={"name": existing.facility_name, "pk": existing.pk},
    )})


@transaction.atomic
def create_customer(*, actor: User | None, data: Mapping[str, Any], reason: str = "") -> Customer:
    values = _clean_values(data)
    key = canonical_customer_key(values.get("facility_name", ""))
    existing = customer_for_key(key)
    if existing is not None:
        raise _duplicate_name_error(existing)
    customer = Customer(company_key=key, **match_columns(values["facility_name"]), created_by=actor,
                        updated_by=actor, **values)
    customer.full_clean(validate_unique=False)
    if not _insert_new_customers([customer]):
        # Another writer created this key since we looked (committed while our insert waited).
        raise _duplicate_name_error(customer_for_key(key))
    record_event(
        actor=actor, action="customer.created", target=customer, reason=reason,
        changes=creation_changes(customer, ("company_key", *EDITABLE_FIELDS)),
    )
    return customer


def _insert_new_customers(customers: Sequence[Customer]) -> list[Customer]:
    """INSERT … ON CONFLICT (company_key) DO NOTHING RETURNING id, on PostgreSQL and SQLite alike: the
    customers this call inserted, with their ids. A key another writer holds — committed, or committing
    while this insert waits for it — is skipped instead of failing the transaction, so concurrent
    writers that need the same new customer both succeed and read the one record. Keys are inserted in
    order, so two writers with several keys in common cannot deadlock."""
    opts = Customer._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    now = timezone.now()
    by_key = {}
    for customer in customers:
        customer.created_at = customer.updated_at = now
        by_key[customer.company_key] = customer
    inserted = []
    ordered = [by_key[key] for key in sorted(by_key)]
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), _INSERT_BATCH):
            chunk = ordered[start:start + _INSERT_BATCH]
            cursor.execute(
                f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                f"VALUES {', '.join([row] * len(chunk))} ON CONFLICT ({quote('company_key')}) DO NOTHING "
                f"RETURNING {quote(opts.pk.column)}, {quote('company_key')}",
                [f.get_db_prep_save(getattr(c, f.attname), connection) for c in chunk for f in fields],
            )
            for pk, key in cursor.fetchall():
                customer = by_key[key]
                customer.pk = pk
                customer._state.adding, customer._state.db = False, connection.alias
                inserted.append(customer)
    return inserted


_INSERT_BATCH = 200


@transaction.atomic
def update_customer(
    *, actor: User, customer: Customer, data: Mapping[str, Any], reason: str, version: int
) -> Customer:
    reason = require_reason(reason)
    locked = Customer.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=customer.pk)
    check_version(locked, version, "customer")
    values = _clean_values(data)
    old = model_values(locked, EDITABLE_FIELDS)
    for name, value in values.items():
        setattr(locked, name, value)
    renamed = locked.facility_name != old["facility_name"]
    new_key = canonical_customer_key(locked.facility_name)
    if new_key != locked.company_key:
        other = customer_for_key(new_key)
        if other is not None and other.pk != locked.pk:
            if renamed:
                raise ValidationError({"facility_name": f"Another customer already has this name: {other}."})
        elif renamed or is_set_apart(locked.company_key):
            # Renamed, or a key set apart by a key-rule change whose plain form is free again: take it.
            locked.company_key = new_key
    for name, value in match_columns(locked.facility_name).items():
        setattr(locked, name, value)
    changes = diff_fields(old, model_values(locked, EDITABLE_FIELDS))
    if not changes:
        return locked
    locked.full_clean(validate_unique=False)
    locked.version = F("version") + 1
    locked.updated_by = actor
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:  # another writer took the new key since we looked
        raise ValidationError({"facility_name": "Another customer already has this name."}) from None
    locked.refresh_from_db()
    record_event(actor=actor, action="customer.updated", target=locked, reason=reason, changes=changes)
    return locked


@transaction.atomic
def find_or_create_customer(
    *, facility_name: str, actor: User | None, reason: str = "", **address: str
) -> tuple[Customer, bool]:
    """Find a customer by canonical key (or alias); create it when missing. (customer, created).

    An existing customer is never changed: the consignee address as shipped stays on the distribution
    entry. Safe under concurrent writers: two that need the same new customer link to one record.
    Near-duplicates are the caller's question (customers.matching): this links by exact key only.
    """
    found, created = find_or_create_customers(
        records=[{"facility_name": facility_name, **address}], actor=actor, reason=reason)
    key = canonical_customer_key(facility_name)
    return found[key], key in created


@transaction.atomic
def find_or_create_customers(*, records: Iterable[Mapping[str, str]], actor: User | None, reason: str = ""
                             ) -> tuple[dict[str, Customer], set[str]]:
    """Bulk find-or-create for imports: ({canonical key: customer}, keys created by this call), in a
    fixed number of queries. Each record has facility_name and the address fields; the first record of
    a key supplies a new customer's address. Existing customers are never changed (see
    fill_blank_customer_fields for the fills a person confirmed)."""
    by_key: dict[str, Mapping[str, str]] = {}
    for record in records:
        by_key.setdefault(canonical_customer_key(record["facility_name"]), record)
    found = customers_for_keys(by_key)
    new = []
    for key, record in by_key.items():
        if key in found:
            continue
        name = record["facility_name"].strip()
        customer = Customer(company_key=key, facility_name=name, **match_columns(name),
                            created_by=actor, updated_by=actor,
                            **{k: (record.get(k) or "").strip() for k in ADDRESS_FIELDS})
        new.append(customer)
    created = {c.company_key: c for c in _insert_new_customers(new)}
    found.update(created)
    if len(created) < len(new):  # created by a concurrent writer meanwhile: read them now
        found.update(customers_for_keys({c.company_key for c in new} - created.keys()))
    if created:
        record_events(actor=actor, return_events=False, events=[
            PendingEvent(action="customer.created", target=c, reason=reason,
                         changes=creation_changes(c, ("company_key", "facility_name", *ADDRESS_FIELDS)))
            for c in created.values()
        ])
    return found, set(created)


@transaction.atomic
def fill_blank_customer_fields(*, customer: Customer, incoming: Mapping[str, str], actor: User | None,
                               reason: str) -> dict[str, list[Any]]:
    """Fill only the fields still blank with the values given (what a person confirmed: an import never
    changes a customer record silently); never overwrites. Audited; returns the changes made."""
    locked = Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
    fills = {k: v.strip() for k, v in incoming.items()
             if k in ADDRESS_FIELDS and v and v.strip() and not getattr(locked, k)}
    if not fills:
        return {}
    old = model_values(locked, fills)
    Customer.objects.filter(pk=locked.pk).update(**fills, version=F("version") + 1, updated_by=actor,
                                                 updated_at=timezone.now())
    customer.refresh_from_db()
    changes = diff_fields(old, fills)
    record_event(actor=actor, action="customer.updated", target=customer,
                 reason=reason or "blank fields filled from a new distribution record", changes=changes)
    return changes


def is_set_apart(key: str) -> bool:
    """A key kept apart when a key-rule change made it equal to another customer's ("<key>~<id>")."""
    return "~" in key


# Notes ---------------------------------------------------------------------------------------


@transaction.atomic
def add_note(*, actor: User, customer: Customer, body: str) -> CustomerNote:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something in the note."})
    note = CustomerNote.objects.create(customer=customer, body=body, author=actor)
    record_event(actor=actor, action="customer_note.created", target=note, changes={"body": [None, body]},
                 data={"customer_id": customer.pk})
    return note


@transaction.atomic
def update_note(*, actor: User, note: CustomerNote, body: str, reason: str, version: int) -> CustomerNote:
    reason = require_reason(reason)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something in the note."})
    locked = CustomerNote.objects.select_for_update().get(pk=note.pk)
    check_version(locked, version, "note")
    if locked.body == body:
        return locked
    old = locked.body
    locked.body = body
    locked.version += 1
    locked.save()
    record_event(actor=actor, action="customer_note.updated", target=locked, reason=reason,
                 changes={"body": [old, body]}, data={"customer_id": locked.customer_id})
    return locked


@transaction.atomic
def delete_note(*, actor: User, note: CustomerNote, reason: str) -> None:
    """The note row goes; its text stays in the audit trail."""
    reason = require_reason(reason)
    record_event(actor=actor, action="customer_note.deleted", target=note, reason=reason,
                 changes={"body": [note.body, None]},
                 data={"customer_id": note.customer_id, "author": note.author.get_username()})
    note.delete()


# Rep assignments -----------------------------------------------------------------------------


@transaction.atomic
def ensure_rep_assignment(*, customer: Customer, rep: User, primary: bool = False, actor: User | None,
                          reason: str = "") -> RepAssignment:
    """Assign a rep (idempotent). primary=True demotes the previous primary in the same transaction.
    A customer's first rep becomes its primary rep. `reason` is recorded with the events; a person who
    changes an existing primary gives one (make_primary_rep)."""
    # Serialise per customer (NO KEY: entries being linked to it meanwhile need not wait for this).
    Customer.objects.select_for_update(no_key=True).filter(pk=customer.pk).first()
    has_primary = RepAssignment.objects.filter(customer=customer, is_primary=True).exists()
    primary = primary or not has_primary
    assignment, created = RepAssignment.objects.get_or_create(
        customer=customer, rep=rep, defaults={"assigned_by": actor, "is_primary": False}
    )
    if created:
        record_event(actor=actor, action="rep_assignment.created", target=customer, reason=reason,
                     changes={"rep": [None, rep.get_username()]})
    if primary and not assignment.is_primary:
        previous = RepAssignment.objects.filter(customer=customer, is_primary=True).select_related("rep").first()
        if previous:
            RepAssignment.objects.filter(pk=previous.pk).update(is_primary=False)
        RepAssignment.objects.filter(pk=assignment.pk).update(is_primary=True)
        assignment.is_primary = True
        record_event(actor=actor, action="rep_assignment.primary_changed", target=customer, reason=reason,
                     changes={"primary_rep": [previous.rep.get_username() if previous else None,
                                              rep.get_username()]})
    return assignment


@transaction.atomic
def make_primary_rep(*, customer: Customer, rep: User, actor: User, reason: str) -> RepAssignment:
    """A person makes an assigned rep the primary one: a change to the customer's record like any other,
    so it needs a reason (as removing a rep does)."""
    reason = require_reason(reason)
    if not RepAssignment.objects.filter(customer=customer, rep=rep).exists():
        raise ValidationError({"rep": f"{rep.get_username()} is not assigned to this customer."})
    return ensure_rep_assignment(customer=customer, rep=rep, primary=True, actor=actor, reason=reason)


@transaction.atomic
def ensure_rep_assignments(*, pairs: set[tuple[int, int]], actor: User | None, reason: str) -> int:
    """Bulk form for imports: make sure each (customer id, rep id) is assigned; a customer's first rep
    becomes primary. A fixed number of queries, whatever the number of pairs; returns how many were new."""
    if not pairs:
        return 0
    customer_ids = {c for c, _ in pairs}
    # Lock the customers first (in id order, NO KEY so entries linking to them are not held up): a
    # concurrent writer assigning reps to one of them waits, then reads what this one inserted, so two
    # imports naming the same rep both succeed and the customer keeps one primary rep.
    list(Customer.objects.select_for_update(no_key=True).filter(pk__in=customer_ids).order_by("pk")
         .values_list("pk", flat=True))
    existing = set(RepAssignment.objects.filter(customer_id__in=customer_ids).values_list("customer_id", "rep_id"))
    with_primary = set(RepAssignment.objects.filter(customer_id__in=customer_ids, is_primary=True)
                       .values_list("customer_id", flat=True))
    new = []
    for customer_id, rep_id in sorted(pairs - existing):
        new.append(RepAssignment(customer_id=customer_id, rep_id=rep_id, assigned_by=actor,
                                 is_primary=customer_id not in with_primary))
        with_primary.add(customer_id)
    bulk_insert(RepAssignment, new)
    usernames = dict(User.objects.filter(pk__in={a.rep_id for a in new}).values_list("pk", "username"))
    names = dict(Customer.objects.filter(pk__in={a.customer_id for a in new}).values_list("pk", "facility_name"))
    record_events(actor=actor, return_events=False, events=[
        PendingEvent(action="rep_assignment.created", target_type="customers.customer", target_id=str(a.customer_id),
                     target_repr=names[a.customer_id], reason=reason,
                     changes={"rep": [None, usernames[a.rep_id]], **({"primary_rep": [None, usernames[a.rep_id]]}
                                                                       if a.is_primary else {})})
        for a in new
    ])
    return len(new)


@transaction.atomic
def remove_rep_assignment(*, customer: Customer, rep: User, actor: User, reason: str) -> None:
    reason = require_reason(reason)
    assignment = RepAssignment.objects.filter(customer=customer, rep=rep).first()
    if assignment is None:
        return
    assignment.delete()
    record_event(actor=actor, action="rep_assignment.removed", target=customer, reason=reason,
                 changes={"rep": [rep.get_username(), None], "was_primary": [assignment.is_primary, None]})
    if assignment.is_primary:  # the longest-assigned remaining rep takes over
        successor = RepAssignment.objects.filter(customer=customer).order_by("assigned_at", "id").first()
        if successor:
            ensure_rep_assignment(customer=customer, rep=successor.rep, primary=True, actor=actor)
