"""Creating entries from shipments, and re-syncs that update, void or leave them unchanged."""

from __future__ import annotations

import datetime

import pytest

from customers.models import Customer
from distribution import services
from distribution.models import DistributionLogEntry, Source, Status
from silqeqms.audit import history_for
from silqeqms.models import AuditEvent
from tests.distribution.shipstation.support import counts, entry, shipment
from tests.distribution.shipstation_fake import make_item, make_shipment
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]


# -- creating entries ----------------------------------------------------------------------------------


def test_it_creates_one_entry_per_item_with_the_consignee_as_shipped(run_sync, fake, actor):
    fake.shipments = [
        make_shipment(
            5001,
            "SO-1001",
            "2026-03-05",
            items=[
                make_item(11, "SLQ-100", 10, lot="SLQ-24001", line_item_key="abc"),
                make_item(12, "SLQ-200", 2, lot="B-7781", option_name="Batch", line_item_key="def"),
            ],
            ship_to={
                "name": "Dock 4",
                "company": "Hospital A",
                "street1": "1 Main St",
                "street2": "Bldg 2",
                "street3": "Suite 5",
                "city": "Springfield",
                "state": "IL",
                "postalCode": "62701",
                "country": "US",
            },
        )
    ]

    run = run_sync()

    assert counts(run) == ("succeeded", 1, 2, 0, 0, 0)
    assert run.errors == []
    first = entry("shipstation:5001:abc")
    assert (first.ship_date, first.order_number, first.facility_name) == (
        datetime.date(2026, 3, 5),
        "SO-1001",
        "Hospital A",
    )
    assert (first.address1, first.address2, first.city, first.state, first.postal_code, first.country) == (
        "1 Main St",
        "Bldg 2, Suite 5",
        "Springfield",
        "IL",
        "62701",
        "US",
    )
    assert (first.sku, first.quantity, first.lot_number, first.status) == (
        "SLQ-100",
        10,
        "SLQ-24001",
        "active",
    )
    assert (first.source, first.rep, first.created_by) == (Source.SHIPSTATION, None, actor)
    assert first.customer.company_key == "HOSPITALA"
    second = entry("shipstation:5001:def")
    assert (second.sku, second.quantity, second.lot_number) == ("SLQ-200", 2, "B-7781")
    assert second.customer == first.customer


def test_the_facility_is_the_ship_to_name_when_there_is_no_company(run_sync, fake):
    fake.shipments = [shipment(1, ship_to={"company": None, "name": "Dr. Jane Roe Clinic"})]

    run_sync()

    assert DistributionLogEntry.objects.get().facility_name == "Dr. Jane Roe Clinic"


def test_entries_link_to_customers_by_canonical_key(run_sync, fake):
    existing = CustomerFactory(facility_name="Hôpital Sainte-Anne")
    fake.shipments = [
        shipment(1, ship_to={"company": "HOPITAL SAINTE ANNE"}),
        shipment(2, ship_to={"company": "Hôpital Sainte-Anne"}),
        shipment(3, ship_to={"company": "Mercy Clinic"}),
    ]

    run_sync()

    assert {e.customer for e in DistributionLogEntry.objects.filter(order_number__in=["SO-1", "SO-2"])} == {
        existing
    }
    assert DistributionLogEntry.objects.get(order_number="SO-3").customer.company_key == "MERCYCLINIC"
    assert Customer.objects.count() == 2


def test_a_consignee_close_to_a_customer_waits_in_the_review_queue_instead_of_making_a_customer(run_sync, fake):
    """Finding 2, ShipStation: no customer is created silently beside "St. Mary's Hospital"."""
    st_marys = CustomerFactory(facility_name="St. Mary's Hospital")
    fake.shipments = [shipment(1, ship_to={"company": "Saint Marys Hospital"})]

    run = run_sync()

    waiting = DistributionLogEntry.objects.get()
    assert (waiting.customer, waiting.status, waiting.lot_number, run.created) == (
        None, Status.NEEDS_REVIEW, "SLQ-24001", 1)
    assert list(Customer.objects.all()) == [st_marys]
    event = history_for(waiting).get(action="distribution_entry.created")
    assert event.data["similar_customers"] == [{"id": st_marys.pk, "name": "St. Mary's Hospital", "score": 100}]


def test_a_resync_of_an_entry_waiting_for_its_customer_keeps_it_waiting_and_takes_a_new_lot(run_sync, fake):
    CustomerFactory(facility_name="St. Mary's Hospital")
    fake.shipments = [shipment(1, lot=None, ship_to={"company": "Saint Marys Hospital"})]
    run_sync()
    fake.shipments = [shipment(1, lot="SLQ-9", ship_to={"company": "Saint Marys Hospital"})]

    run_sync()

    waiting = DistributionLogEntry.objects.get()
    assert (waiting.customer, waiting.status, waiting.lot_number) == (None, Status.NEEDS_REVIEW, "SLQ-9")
    assert Customer.objects.count() == 1


def test_an_item_without_a_lot_option_waits_for_review(run_sync, fake):
    fake.shipments = [
        shipment(1, items=[make_item(7, "SLQ-100", 3, options=[{"name": "Color", "value": "Blue"}])])
    ]

    run = run_sync()

    created = entry("shipstation:1:line-7")
    assert (created.lot_number, created.status) == ("", Status.NEEDS_REVIEW)
    assert run.created == 1


def test_a_null_line_item_key_falls_back_to_the_order_item_id(run_sync, fake):
    fake.shipments = [shipment(1, items=[make_item(77, "SLQ-100", 3, lot="L1", line_item_key=None)])]

    run_sync()
    again = run_sync()

    assert DistributionLogEntry.objects.get().external_ref == "shipstation:1:77"
    assert counts(again) == ("succeeded", 1, 0, 0, 0, 1)


def test_a_shipment_with_null_items_creates_nothing_and_is_reported(run_sync, fake):
    fake.shipments = [shipment(1, items=None), shipment(2)]

    run = run_sync()

    assert list(DistributionLogEntry.objects.values_list("order_number", flat=True)) == ["SO-2"]
    assert run.status == "succeeded"
    assert len(run.errors) == 1
    assert run.errors[0].startswith("Shipment 1 (order SO-1): ShipStation sent no items")


def test_items_without_sku_or_quantity_are_reported_by_name_and_skipped(run_sync, fake):
    fake.shipments = [
        shipment(
            1,
            items=[
                make_item(1, "SLQ-100", 0, lot="L1"),
                make_item(2, "", 3, lot="L1"),
                make_item(3, "SLQ-300", 4, lot="L1"),
            ],
        )
    ]

    run = run_sync()

    assert list(DistributionLogEntry.objects.values_list("sku", flat=True)) == ["SLQ-300"]
    assert counts(run) == ("succeeded", 1, 1, 0, 0, 0)
    assert run.errors == [
        "Shipment 1 (order SO-1), item line-1 (SLQ-100): quantity is 0 — skipped.",
        "Shipment 1 (order SO-1), item line-2 (no SKU): no SKU — skipped.",
    ]


def test_an_item_the_model_refuses_is_reported_and_the_rest_still_imported(run_sync, fake):
    fake.shipments = [shipment(1, ship_to={"company": "!!!", "name": None}), shipment(2)]

    run = run_sync()

    assert list(DistributionLogEntry.objects.values_list("order_number", flat=True)) == ["SO-2"]
    [error] = run.errors
    assert error.startswith("Shipment 1 (order SO-1), item line-9001 (SLQ-100): ")
    assert "no letters or digits" in error


def test_a_run_lists_at_most_max_errors_and_counts_the_rest(run_sync, fake, monkeypatch):
    monkeypatch.setattr("distribution.shipstation.sync.MAX_ERRORS", 2)
    fake.shipments = [shipment(n, items=[make_item(n, "SLQ-100", 0)]) for n in range(1, 5)]

    run = run_sync()

    assert len(run.errors) == 3
    assert run.errors[-1] == "… and 2 more errors not listed."


# -- re-syncs: idempotent upserts, changes, voids ----------------------------------------------------------


def test_a_resync_changes_nothing(run_sync, fake):
    fake.shipments = [shipment(1), shipment(2, lot=None), shipment(3, voided=True)]
    run_sync()
    events_before = AuditEvent.objects.count()
    versions = dict(DistributionLogEntry.objects.values_list("pk", "version"))

    again = run_sync()

    assert counts(again) == ("succeeded", 1, 0, 0, 0, 2)
    assert dict(DistributionLogEntry.objects.values_list("pk", "version")) == versions
    assert AuditEvent.objects.count() == events_before + 1  # only the run's own distribution.synced


def test_the_same_shipment_in_two_overlapping_windows_is_recorded_once(run_sync, fake):
    fake.shipments = [shipment(1, "2026-03-05")]

    first = run_sync(since=datetime.date(2026, 3, 1), until=datetime.date(2026, 3, 6))
    second = run_sync(since=datetime.date(2026, 3, 4), until=datetime.date(2026, 3, 10))

    assert (first.created, second.created, second.unchanged) == (1, 0, 1)
    assert DistributionLogEntry.objects.count() == 1


def test_a_quantity_changed_in_shipstation_is_updated_with_an_audited_reason(run_sync, fake, actor):
    fake.shipments = [shipment(1, qty=5)]
    run_sync()
    fake.shipments[0]["shipmentItems"][0]["quantity"] = 4

    second = run_sync()

    changed = entry("shipstation:1:line-9001")
    assert (changed.quantity, changed.version) == (4, 2)
    assert counts(second) == ("succeeded", 1, 0, 1, 0, 0)
    event = history_for(changed).get(action="distribution_entry.updated")
    assert event.reason == f"changed in ShipStation (sync run {second.pk})"
    assert event.changes == {"quantity": [5, 4]}
    assert (event.actor, event.batch_id) == (actor, second.batch_id)


def test_a_new_consignee_name_relinks_the_entry_to_its_customer(run_sync, fake):
    fake.shipments = [shipment(1, ship_to={"company": "Hospital A"})]
    run_sync()
    fake.shipments[0]["shipTo"]["company"] = "Mercy Clinic"

    run = run_sync()

    changed = DistributionLogEntry.objects.get()
    assert (changed.facility_name, changed.customer.company_key, run.updated) == (
        "Mercy Clinic",
        "MERCYCLINIC",
        1,
    )


def test_a_consignee_renamed_to_a_name_close_to_another_customer_waits_for_a_person(run_sync, fake):
    """Finding 3 with ShipStation: the entry leaves its old customer; the near-duplicate question goes
    to the review queue instead of making a customer."""
    st_marys = CustomerFactory(facility_name="St. Mary's Hospital")
    fake.shipments = [shipment(1, ship_to={"company": "Hospital A"})]
    run_sync()
    old_customer = DistributionLogEntry.objects.get().customer
    fake.shipments[0]["shipTo"]["company"] = "Saint Marys Hospital"

    run_sync()

    changed = DistributionLogEntry.objects.get()
    assert (changed.customer, changed.status) == (None, Status.NEEDS_REVIEW)
    assert old_customer.order_summaries.count() == 0
    event = history_for(changed).get(action="distribution_entry.updated")
    assert event.changes["customer"] == ["Hospital A", None]
    assert event.data["similar_customers"][0]["id"] == st_marys.pk


def test_a_voided_shipment_voids_its_entries(run_sync, fake, actor):
    fake.shipments = [shipment(1, items=[make_item(1, "SLQ-100", 2, lot="L1"), make_item(2, "SLQ-200", 1)])]
    run_sync()
    fake.shipments[0]["voided"] = True

    second = run_sync()

    assert counts(second) == ("succeeded", 1, 0, 0, 2, 0)
    for voided in DistributionLogEntry.objects.all():
        assert (voided.status, voided.void_reason) == (Status.VOIDED, "voided in ShipStation")
        event = history_for(voided).get(action="distribution_entry.voided")
        assert (event.reason, event.batch_id, event.actor) == (
            "voided in ShipStation",
            second.batch_id,
            actor,
        )


def test_a_voided_shipment_with_null_items_still_voids_its_entries(run_sync, fake):
    fake.shipments = [shipment(1)]
    run_sync()
    fake.shipments[0].update(voided=True, shipmentItems=None)

    run = run_sync()

    assert run.voided == 1
    assert DistributionLogEntry.objects.get().status == Status.VOIDED


def test_a_voided_shipment_never_seen_creates_nothing(run_sync, fake):
    fake.shipments = [shipment(1, voided=True)]

    run = run_sync()

    assert counts(run) == ("succeeded", 1, 0, 0, 0, 0)
    assert DistributionLogEntry.objects.count() == 0
    assert Customer.objects.count() == 0


def test_an_entry_a_person_voided_is_not_revived(run_sync, fake, actor):
    fake.shipments = [shipment(1)]
    run_sync()
    services.void_entry(actor=actor, entry=DistributionLogEntry.objects.get(), reason="duplicate of SO-0")

    run = run_sync()

    assert DistributionLogEntry.objects.get().status == Status.VOIDED
    assert (run.unchanged, run.updated) == (1, 0)
