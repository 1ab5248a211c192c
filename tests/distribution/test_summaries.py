"""The summaries are defined once (distribution/summaries/definitions.py) and every path derived from
that definition keeps them exact: refresh of touched keys, growth by imported rows, rebuild, verify.
The write-by-write checks of each service are in tests/sales_dashboard/test_summaries.py."""

from __future__ import annotations

import dataclasses
import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.models import Customer
from distribution.imports.decisions import ImportDecisions
from distribution.merge import merge_customers
from distribution.models import (
    CustomerOrderStats,
    DailySkuSummary,
    DistributionLogEntry,
    LotSummary,
    OrderSummary,
    Status,
)
from distribution.services import confirm_entry, create_entry, link_customers, update_entry, void_entry
from distribution.summaries import (
    Touched,
    add_new_entries,
    rebuild_summaries,
    refresh_summaries,
    verify_summaries,
)
from distribution.summaries.definitions import LIVE_ENTRIES, SUMMARIES, Count, Max, Min, Sum
from tests.factories import DistributionLogEntryFactory, entry_data, import_rows

pytestmark = pytest.mark.django_db

D = datetime.date


def test_touched_holds_one_set_of_keys_per_summary_definition():
    assert [f.name for f in dataclasses.fields(Touched)] == [s.name for s in SUMMARIES]


def test_every_definition_names_real_columns_and_a_unique_key():
    for summary in SUMMARIES:
        # The live entries, or a summary defined before it (refreshed first; its keys include this one's).
        parent = summary.source.summary
        assert summary.source is LIVE_ENTRIES or (parent in SUMMARIES[:SUMMARIES.index(summary)]
                                                  and set(summary.keys) <= set(parent.keys)), summary.name
        model, source = summary.model, summary.source.model
        for name in (*summary.keys, *summary.columns):
            model._meta.get_field(name)
        for aggregate in summary.columns.values():
            assert isinstance(aggregate, (Sum, Count, Min, Max))
            if aggregate.column != "*":
                source._meta.get_field(aggregate.column)
        unique = [tuple(model._meta.get_field(f).column for f in c.fields) for c in model._meta.constraints]
        unique += [(f.column,) for f in model._meta.fields if f.unique]
        assert summary.keys in unique, summary.name  # the upsert's ON CONFLICT target


def test_an_import_into_existing_orders_lots_and_days_moves_their_dates_both_ways(ops_user):
    create_entry(actor=ops_user, data=entry_data(order_number="SO-1", facility_name="Hospital A", lot_number="L-1",
                                              sku="S-1", ship_date=D(2026, 2, 10), quantity=4))
    import_rows(ops_user, [
        {"lot_number": "L-1", "ship_date": D(2026, 2, 1), "quantity": 2},  # earlier than the order's first line
        {"lot_number": "L-1", "ship_date": D(2026, 3, 5), "quantity": 3},  # later than its last
        {"lot_number": "L-1", "ship_date": D(2026, 2, 10), "quantity": 1},  # the same day × SKU again
    ], decisions=ImportDecisions(import_corrections=True))  # each differs from SO-1's line: a person said "add"
    assert verify_summaries() == []
    order = OrderSummary.objects.get()
    assert (order.first_ship_date, order.last_ship_date, order.units, order.lines) == (
        D(2026, 2, 1), D(2026, 3, 5), 10, 4)
    lot = LotSummary.objects.get(lot_number="L-1")
    assert (lot.first_ship_date, lot.last_ship_date, lot.units, lot.entries) == (D(2026, 2, 1), D(2026, 3, 5), 10, 4)
    assert DailySkuSummary.objects.get(ship_date=D(2026, 2, 10), sku="S-1").entries == 2
    stats = CustomerOrderStats.objects.get()
    assert (stats.order_count, stats.first_order_date, stats.units, stats.last_order_date) == (
        1, D(2026, 2, 1), 10, D(2026, 3, 5))


def test_adding_new_entries_skips_voided_ones_and_counts_unlinked_ones_only_by_lot_and_day():
    linked = DistributionLogEntryFactory(order_number="SO-1", lot_number="L-1", sku="S-1", quantity=2)
    unlinked = DistributionLogEntryFactory(customer=None, order_number="SO-2", lot_number="L-1", sku="S-1",
                                           ship_date=linked.ship_date, quantity=3)
    voided = DistributionLogEntryFactory(order_number="SO-3", lot_number="L-9", status=Status.VOIDED)
    add_new_entries([linked.pk, unlinked.pk, voided.pk])
    assert verify_summaries() == []
    assert list(OrderSummary.objects.values_list("order_number", flat=True)) == ["SO-1"]
    assert LotSummary.objects.get(lot_number="L-1").units == 5
    assert not LotSummary.objects.filter(lot_number="L-9").exists()
    assert DailySkuSummary.objects.get(ship_date=linked.ship_date, sku="S-1").entries == 2


def test_a_refresh_of_an_unlinked_entry_touches_its_lot_and_day_but_no_order():
    entry = DistributionLogEntryFactory(customer=None, lot_number="", order_number="SO-7")
    touched = Touched()
    touched.add_entry(entry)
    assert (touched.orders, touched.customers, touched.lots) == (set(), set(), {""})
    refresh_summaries(touched)
    assert verify_summaries() == []
    assert LotSummary.objects.get(lot_number="").entries == 1  # lot "" collects the pending lots
    assert not OrderSummary.objects.exists()


def test_touching_an_order_refreshes_its_customer_too():
    entry = DistributionLogEntryFactory(order_number="SO-1")
    refresh_summaries(Touched(orders={(entry.customer_id, "SO-1")}))
    assert CustomerOrderStats.objects.get(customer=entry.customer).order_count == 1


def test_verify_names_the_wrong_customer_row_even_when_the_orders_are_right(ship_two_orders):
    customer = ship_two_orders
    CustomerOrderStats.objects.filter(customer=customer).update(order_count=5)
    LotSummary.objects.create(lot_number="GHOST", units=1, entries=1, first_ship_date=D(2026, 1, 1),
                              last_ship_date=D(2026, 1, 1))
    problems = verify_summaries()
    assert problems == [
        f"customers {customer.pk}: expected (2, {D(2026, 3, 2)!r}, 10, {D(2026, 3, 2)!r}), "
        f"stored (5, {D(2026, 3, 2)!r}, 10, {D(2026, 3, 2)!r})",
        "lots GHOST: expected None, stored (1, 1, datetime.date(2026, 1, 1), datetime.date(2026, 1, 1))",
    ]
    rebuild_summaries()
    assert verify_summaries() == []


def test_verify_does_not_trust_the_stored_orders_when_it_checks_the_customers(ship_two_orders):
    OrderSummary.objects.filter(order_number="SO-2").delete()
    CustomerOrderStats.objects.update(order_count=1, units=5)  # consistent with the damaged orders
    problems = verify_summaries()
    assert [p.split(":")[0].split(" ")[0] for p in problems] == ["orders", "customers"]


def test_the_verify_command_fails_on_a_difference_and_rebuild_repairs_it():
    DistributionLogEntryFactory(order_number="SO-RAW", lot_number="L-RAW")  # written around the services
    with pytest.raises(CommandError, match="4 summary rows differ"):
        call_command("verify_summaries", stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("verify_summaries", "--rebuild", stdout=out)
    assert "Summaries rebuilt from the entries." in out.getvalue()
    assert "match the entries exactly" in out.getvalue()
    assert LotSummary.objects.get(lot_number="L-RAW").entries == 1


@pytest.fixture
def ship_two_orders(ops_user) -> Customer:
    create_entry(actor=ops_user, data=entry_data(order_number="SO-1"))
    return create_entry(actor=ops_user, data=entry_data(order_number="SO-2")).customer


# Random write sequences ----------------------------------------------------------------------

NAMES = ["Hospital A", "Clinic B", "Care C"]
_VALUES = st.fixed_dictionaries({
    "order_number": st.sampled_from(["SO-1", "SO-2", "SO-3"]),
    "facility_name": st.sampled_from(NAMES),
    "ship_date": st.dates(D(2026, 1, 1), D(2026, 1, 20)),
    "sku": st.sampled_from(["S-1", "S-2"]),
    "lot_number": st.sampled_from(["", "L-1", "L-2"]),
    "quantity": st.integers(1, 9),
})
FIELDS = ("order_number", "facility_name", "ship_date", "sku", "lot_number", "quantity")
_PICK = st.integers(0, 99)  # which entry or customer: taken modulo how many there are
_WRITE = st.one_of(
    st.tuples(st.just("create"), _VALUES),
    st.tuples(st.just("update"), _PICK, _VALUES, st.sets(st.sampled_from(FIELDS), min_size=1, max_size=3)),
    st.tuples(st.just("void"), _PICK),
    st.tuples(st.just("confirm"), _PICK, st.sampled_from(["L-1", "L-3"])),
    st.tuples(st.just("import"), st.lists(_VALUES, min_size=1, max_size=3)),
    st.tuples(st.just("unlinked"), _VALUES),  # a row written without a customer, as before link_customers
    st.tuples(st.just("link")),
    st.tuples(st.just("merge"), _PICK, _PICK),
)


def _write(actor, step: int, kind: str, *args) -> None:
    live = list(DistributionLogEntry.objects.exclude(status=Status.VOIDED).order_by("pk"))
    customers = list(Customer.objects.order_by("pk"))
    if kind == "create":
        create_entry(actor=actor, data=entry_data(**args[0]))
    elif kind == "update" and live:
        pick, values, fields = args
        entry = live[pick % len(live)]
        update_entry(actor=actor, entry=entry, data={f: values[f] for f in fields}, reason="edit",
                     version=entry.version)
    elif kind == "void" and live:
        void_entry(actor=actor, entry=live[args[0] % len(live)], reason="void")
    elif kind == "confirm":
        waiting = [e for e in live if e.status == Status.NEEDS_REVIEW]
        if waiting:
            entry = waiting[args[0] % len(waiting)]
            # An entry written without a customer needs one chosen when it is confirmed: a new one here.
            confirm_entry(actor=actor, entry=entry, lot_number=args[1], new_customer=entry.customer_id is None)
    elif kind == "import":
        import_rows(actor, args[0], tag=f"{step:x}")
    elif kind == "unlinked":
        values = args[0]
        entry = DistributionLogEntryFactory(customer=None, **values,
                                            status=Status.ACTIVE if values["lot_number"] else Status.NEEDS_REVIEW)
        touched = Touched()
        touched.add_entry(entry)
        refresh_summaries(touched)
    elif kind == "link":
        link_customers(actor=None)
    elif kind == "merge" and len(customers) >= 2:
        survivor, duplicate = customers[args[0] % len(customers)], customers[args[1] % len(customers)]
        if survivor != duplicate:
            merge_customers(actor=actor, survivor=survivor, duplicate=duplicate, reason="duplicate customer")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(writes=st.lists(_WRITE, min_size=1, max_size=10))
def test_summaries_stay_exact_through_any_sequence_of_writes(ops_user, writes):
    with transaction.atomic():  # each example starts from an empty log
        for step, write in enumerate(writes):
            _write(ops_user, step, *write)
            assert verify_summaries() == [], (step, write)
        transaction.set_rollback(True)
