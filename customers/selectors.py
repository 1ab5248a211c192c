"""Reads of customers: visibility by role, annotated lists, totals and order history."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from customers.keys import canonical_customer_key
from customers.matching import similar_customers_of
from customers.models import Customer, CustomerAlias, CustomerNote, MergedCustomer, RepAssignment
from silqeqms.audit import history_for
from silqeqms.models import AuditEvent, User


def is_rep_scoped(user: User) -> bool:
    """A user without `customers.view_all` sees only the customers assigned to them (decided by the
    permission, never by group names: a rep who is also in another role keeps what that role grants)."""
    return not user.has_perm("customers.view_all")


def get_customer_by_id(customer_id: int) -> Customer | None:
    """The customer with this id, or None (the migration plan's name for the plain lookup)."""
    return Customer.objects.filter(pk=customer_id).first()


def customer_for_key(key: str) -> Customer | None:
    """The customer a canonical key resolves to: its own key, or an alias left by a merge."""
    return customers_for_keys([key]).get(key)


def customers_for_keys(keys: Iterable[str]) -> dict[str, Customer]:
    """Resolve many keys (own keys, then merge aliases) in two queries: {key: customer}."""
    keys = set(keys)
    found = {c.company_key: c for c in Customer.objects.filter(company_key__in=keys)}
    rest = keys - found.keys()
    if rest:
        for alias in CustomerAlias.objects.select_related("customer").filter(key__in=rest):
            found[alias.key] = alias.customer
    return found


def customers_visible_to(user: User) -> QuerySet[Customer]:
    queryset = Customer.objects.all()
    if is_rep_scoped(user):
        queryset = queryset.filter(rep_assignments__rep=user)
    return queryset


def customer_list(user: User) -> QuerySet[Customer]:
    """Customers with primary rep, orders, units and last order date. The figures come from the
    per-customer summary the distribution services keep exact (one join), not from adding up every
    entry of each customer on the page (~0.5 s a page at a million entries)."""
    return (
        customers_visible_to(user)
        .annotate(
            order_count=Coalesce(F("order_stats__order_count"), Value(0)),
            unit_count=Coalesce(F("order_stats__units"), Value(0)),
            last_order_date=F("order_stats__last_order_date"),
            primary_rep_name=Subquery(
                RepAssignment.objects.filter(customer=OuterRef("pk"), is_primary=True).values("rep__username")[:1]
            ),
        )
    )


def customer_totals(customer: Customer) -> dict:
    """Orders, units, lines, first and last order of the customer's live entries, from its order summaries."""
    totals = customer.order_summaries.aggregate(
        first_order=Min("first_ship_date"), last_order=Max("last_ship_date"), orders=Count("id"),
        units=Coalesce(Sum("units"), 0), lines=Coalesce(Sum("lines"), 0),
    )
    return totals


def customer_order_lines(customer: Customer):
    """Every line shipped to the customer, newest order first (the template groups them by order)."""
    return (
        # Distribution data is read through the reverse relations only: customers never imports distribution.
        customer.distribution_entries
        .order_by("-ship_date", "order_number", "id")
        .only("id", "customer", "ship_date", "order_number", "sku", "lot_number", "quantity", "status")
    )


def customer_orders(customer: Customer):
    """One row per order: number, date (earliest ship date), lines, units (voided lines left out)."""
    return (
        customer.order_summaries
        .values("order_number", "lines", "units", order_date=F("first_ship_date"))
        .order_by("-order_date", "-order_number")
    )


def customer_lots(customer: Customer):
    return (
        customer.distribution_entries.exclude(status="voided").exclude(lot_number="").values("lot_number", "sku")
        .annotate(units=Sum("quantity"), first=Min("ship_date"), last=Max("ship_date"))
        .order_by("-last", "lot_number")
    )


def similar_customers(name: str, *, exclude_pk: int | None = None, limit: int = 5,
                      among: QuerySet[Customer] | None = None) -> list[tuple[Customer, float]]:
    """Existing customers close to this name — possible duplicates, closest first, with their score
    (the one finder: customers.matching)."""
    return [(m.customer, m.score) for m in similar_customers_of(name, exclude_pk=exclude_pk, limit=limit,
                                                                 among=among)]


@dataclass(frozen=True)
class PossibleDuplicate:
    """Two customers a key-rule change gave the same key (customers/migrations/0004): one holds the key,
    the other was set apart ("<key>~<id>", or an alias so marked) until a person merges or renames."""

    key: str
    holder: Customer
    other: Customer


def possible_duplicates() -> list[PossibleDuplicate]:
    """Every pair still waiting for a person, oldest set-apart customer first (one query when none)."""
    set_apart = list(
        Customer.objects.filter(company_key__contains="~").order_by().values_list("pk", "company_key")
        .union(CustomerAlias.objects.filter(key__contains="~").order_by().values_list("customer_id", "key"),
               all=True))
    if not set_apart:
        return []
    set_apart = sorted((key.split("~", 1)[0], pk) for pk, key in set_apart)
    holders = customers_for_keys({key for key, _ in set_apart})
    others = Customer.objects.in_bulk({pk for _, pk in set_apart})
    pairs, seen = [], set()
    for key, pk in set_apart:
        holder, other = holders.get(key), others.get(pk)
        if holder is None or other is None or holder.pk == other.pk or (holder.pk, other.pk) in seen:
            continue
        seen.add((holder.pk, other.pk))
        pairs.append(PossibleDuplicate(key=key, holder=holder, other=other))
    return pairs


def merged_into(former_id: int) -> Customer | None:
    """The customer a merged customer's id now leads to (its old URL redirects there), or None."""
    merged = MergedCustomer.objects.select_related("survivor").filter(former_id=former_id).first()
    return merged.survivor if merged else None


def primary_rep_id(customer: Customer) -> int | None:
    return (RepAssignment.objects.filter(customer=customer, is_primary=True).values_list("rep_id", flat=True)
            .first())


def customer_search(user: User, term: str, limit: int = 10) -> QuerySet[Customer]:
    """Search-as-you-type: name or key contains the term, or city starts with it. Each result carries
    `primary_rep_id` (the entry form defaults the rep to it)."""
    term = (term or "").strip()
    queryset = customers_visible_to(user).filter(is_active=True).annotate(primary_rep_id=Subquery(
        RepAssignment.objects.filter(customer=OuterRef("pk"), is_primary=True).values("rep_id")[:1]))
    if term:
        query = Q(facility_name__icontains=term) | Q(city__istartswith=term)
        with contextlib.suppress(ValidationError):  # a punctuation-only term matches by name only
            key = canonical_customer_key(term)
            # an old spelling kept as an alias by a merge still finds the survivor
            query |= Q(company_key__contains=key) | Exists(
                CustomerAlias.objects.filter(customer=OuterRef("pk"), key__contains=key))
        queryset = queryset.filter(query)
    return queryset.order_by("facility_name")[:limit]


def reps() -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__name="sales_rep").order_by("username").distinct()


def customer_history(customer: Customer) -> QuerySet[AuditEvent]:
    """The customer's own events, its notes' events (found through data.customer_id, so deleted notes
    stay), and those of duplicates merged into it; newest first."""
    merged = [pk for pk in history_for(customer).filter(action="customer.merged")
              .values_list("data__duplicate_id", flat=True) if pk is not None]
    customer_ids = [customer.pk, *merged]
    return AuditEvent.objects.filter(
        Q(target_type=customer._meta.label_lower, target_id__in=[str(pk) for pk in customer_ids])
        | Q(target_type=CustomerNote._meta.label_lower, data__customer_id__in=customer_ids)
    ).order_by("-seq")
