"""The summaries the dashboard reads stay exact after every kind of write (verify_summaries() == [])."""

from __future__ import annotations

import datetime
import random

import pytest

from customers.models import Customer
from distribution.merge import merge_customers
from distribution.models import CustomerOrderStats, DistributionLogEntry, LotSummary, OrderSummary
from distribution.services import confirm_entry, link_customers, update_entry, void_entry
from distribution.summaries import rebuild_summaries, verify_summaries
from tests.factories import DistributionLogEntryFactory, UserFactory, import_rows

pytestmark = pytest.mark.django_db

D = datetime.date


def test_summaries_are_exact_after_a_create(ship):
    ship()
    ship(order_number="SO-1001", sku="OTHER", lot_number="", ship_date=D(2026, 3, 9))
    assert verify_summaries() == []
    assert OrderSummary.objects.get().units == 10


@pytest.mark.parametrize("change", [
    {"ship_date": D(2025, 11, 30)},
    {"sku": "NEW-SKU"},
    {"lot_number": "LOT-NEW"},
    {"lot_number": ""},
    {"quantity": 11},
    {"order_number": "SO-MOVED"},
    {"facility_name": "Another Clinic"},  # relinked to another customer
], ids=lambda c: next(iter(c)))
def test_summaries_are_exact_after_an_update(ship, clerk, change):
    entry = ship(order_number="SO-1", quantity=4)
    ship(order_number="SO-1", quantity=2, ship_date=D(2026, 3, 3))
    update_entry(actor=clerk, entry=entry, data=change, reason="correction", version=entry.version)
    assert verify_summaries() == []


def test_summaries_are_exact_after_an_update_that_chooses_another_customer(ship, clerk):
    entry = ship(order_number="SO-1", facility_name="Hospital A")
    other = ship(order_number="SO-2", facility_name="Clinic B").customer
    update_entry(actor=clerk, entry=entry, data={"customer": other}, reason="wrong customer", version=entry.version)
    assert verify_summaries() == []
    assert not CustomerOrderStats.objects.filter(customer=entry.customer).exists()
    assert CustomerOrderStats.objects.get(customer=other).order_count == 2


def test_summaries_are_exact_after_a_void(ship, clerk):
    keep = ship(order_number="SO-1", quantity=4)
    gone = ship(order_number="SO-1", quantity=2, lot_number="L-ONLY", ship_date=D(2026, 1, 2))
    void_entry(actor=clerk, entry=gone, reason="duplicate")
    assert verify_summaries() == []
    assert not LotSummary.objects.filter(lot_number="L-ONLY").exists()
    void_entry(actor=clerk, entry=keep, reason="never shipped")
    assert verify_summaries() == []
    assert not OrderSummary.objects.exists()
    assert not CustomerOrderStats.objects.exists()


def test_summaries_are_exact_after_a_confirm(ship, clerk):
    waiting = ship(order_number="SO-1", lot_number="")
    ship(order_number="SO-2", lot_number="")
    confirm_entry(actor=clerk, entry=waiting, lot_number="L-9")
    assert verify_summaries() == []
    assert LotSummary.objects.get(lot_number="").entries == 1


def test_summaries_are_exact_after_an_import(ship, clerk):
    ship(order_number="SO-1", facility_name="Hospital A", quantity=3)
    import_rows(clerk, [
        {"order_number": "SO-1", "facility_name": "HOSPITAL A", "quantity": 2},  # same customer, same order
        {"order_number": "SO-1", "facility_name": "Clinic B"},  # same number, another customer
        {"order_number": "SO-2", "facility_name": "Clinic B", "lot_number": ""},  # lot pending
        {"order_number": "SO-3", "facility_name": "Clinic C", "lot_number": "L-1", "ship_date": D(2025, 1, 1)},
    ])
    assert verify_summaries() == []
    assert OrderSummary.objects.count() == 4


def test_summaries_are_exact_after_a_merge(ship, clerk):
    survivor = ship(order_number="SO-1", facility_name="Hospital A", ship_date=D(2026, 2, 1)).customer
    duplicate = ship(order_number="SO-1", facility_name="Hospital A North", ship_date=D(2026, 1, 15)).customer
    ship(order_number="SO-2", facility_name="Hospital A North")
    voided = ship(order_number="SO-3", facility_name="Hospital A North")
    void_entry(actor=clerk, entry=voided, reason="typo")
    merge_customers(actor=clerk, survivor=survivor, duplicate=duplicate, reason="same hospital")
    assert verify_summaries() == []
    merged = OrderSummary.objects.get(customer=survivor, order_number="SO-1")
    assert (merged.first_ship_date, merged.units, merged.lines) == (D(2026, 1, 15), 10, 2)
    assert CustomerOrderStats.objects.get(customer=survivor).order_count == 2
    assert not Customer.objects.filter(pk=duplicate.pk).exists()


def test_summaries_are_exact_after_link_customers(ship):
    ship(order_number="SO-1", facility_name="Hospital A")
    DistributionLogEntryFactory(customer=None, facility_name="hospital a", order_number="SO-1", ship_date=D(2026, 4, 1))
    DistributionLogEntryFactory(customer=None, facility_name="New Place", order_number="SO-9", lot_number="")
    DistributionLogEntryFactory(customer=None, facility_name="New Place", order_number="SO-8", status="voided")
    rebuild_summaries()  # the raw rows above were written without the services
    assert verify_summaries() == []
    result = link_customers(actor=None)
    assert result["linked"] == 3
    assert verify_summaries() == []
    assert OrderSummary.objects.count() == 2  # SO-1 of Hospital A (both parts) and SO-9 of New Place


def test_verify_summaries_reports_a_difference():
    DistributionLogEntryFactory(order_number="SO-RAW")  # written around the services: no summary
    problems = verify_summaries()
    assert any("orders" in p and "SO-RAW" in p for p in problems)
    rebuild_summaries()
    assert verify_summaries() == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summaries_stay_exact_through_a_random_mix_of_writes(clerk, seed):
    """Creates, edits, voids, confirms, imports and merges in a random order, checked after each write."""
    from distribution.services import create_entry
    from tests.factories import entry_data

    rng = random.Random(seed)
    names = ["Hospital A", "Clinic B", "Clinic C", "Care D"]
    rep = UserFactory(username=f"rep{seed}")

    def random_values() -> dict:
        return {"order_number": f"SO-{rng.randint(1, 6)}", "facility_name": rng.choice(names),
                "ship_date": D(2025, 12, 20) + datetime.timedelta(days=rng.randint(0, 40)),
                "sku": rng.choice(["S-1", "S-2"]), "lot_number": rng.choice(["", "L-1", "L-2", "L-3"]),
                "quantity": rng.randint(1, 9)}

    for step in range(40):
        live = list(DistributionLogEntry.objects.exclude(status="voided"))
        action = rng.choice(["create", "create", "update", "void", "confirm", "import", "merge"])
        if action == "create" or not live:
            create_entry(actor=clerk, data=entry_data(**random_values(), rep=rep))
        elif action == "update":
            entry = rng.choice(live)
            values = random_values()
            change = {k: values[k] for k in rng.sample(sorted(values), rng.randint(1, 3))}
            update_entry(actor=clerk, entry=entry, data=change, reason="edit", version=entry.version)
        elif action == "void":
            void_entry(actor=clerk, entry=rng.choice(live), reason="void")
        elif action == "confirm":
            waiting = [e for e in live if e.status == "needs_review"]
            if waiting:
                confirm_entry(actor=clerk, entry=rng.choice(waiting), lot_number=rng.choice(["L-1", "L-4"]))
        elif action == "import":
            import_rows(clerk, [random_values() for _ in range(rng.randint(1, 4))], tag=f"{step % 10}")
        elif action == "merge":
            customers = list(Customer.objects.order_by("pk"))
            if len(customers) >= 2:
                survivor, duplicate = rng.sample(customers, 2)
                merge_customers(actor=clerk, survivor=survivor, duplicate=duplicate, reason="duplicate customer")
        assert verify_summaries() == [], (seed, step, action)
