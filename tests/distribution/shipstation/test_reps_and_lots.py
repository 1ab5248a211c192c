"""The rep from the store mapping, and lots that follow ShipStation only while ShipStation set them."""

from __future__ import annotations

import pytest

from distribution import services
from distribution.models import DistributionLogEntry, Status
from silqeqms.audit import history_for
from tests.distribution.shipstation.support import shipment
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]


def test_the_rep_comes_from_the_store_mapping(run_sync, fake, settings):
    rep = UserFactory(username="riley")
    settings.SHIPSTATION_STORE_REPS = {"12": "riley", "13": "nobody"}
    fake.shipments = [shipment(1, store_id=12), shipment(2, store_id=99), shipment(3)]

    run = run_sync()

    reps = dict(DistributionLogEntry.objects.values_list("order_number", "rep"))
    assert reps == {"SO-1": rep.pk, "SO-2": None, "SO-3": None}
    assert run.errors == [
        "SHIPSTATION_STORE_REPS names “nobody” for store 13, but no user has that username: "
        "the rep of its orders is left blank."
    ]


# -- lots: ShipStation's only while ShipStation set them -----------------------------------------------


def test_a_lot_a_person_confirmed_is_kept_when_shipstation_has_none(run_sync, fake, actor):
    fake.shipments = [shipment(1, lot=None)]
    run_sync()
    services.confirm_entry(actor=actor, entry=DistributionLogEntry.objects.get(), lot_number="LOT-P")

    run = run_sync()

    kept = DistributionLogEntry.objects.get()
    assert (kept.lot_number, kept.status) == ("LOT-P", Status.ACTIVE)
    assert (run.unchanged, run.updated, run.errors) == (1, 0, [])


def test_a_lot_a_person_confirmed_is_kept_and_reported_when_shipstation_sends_another(run_sync, fake, actor):
    fake.shipments = [shipment(1, lot=None)]
    run_sync()
    services.confirm_entry(actor=actor, entry=DistributionLogEntry.objects.get(), lot_number="LOT-P")
    fake.shipments[0]["shipmentItems"][0]["options"] = [{"name": "Lot", "value": "LOT-S"}]

    run = run_sync()

    assert DistributionLogEntry.objects.get().lot_number == "LOT-P"
    assert run.unchanged == 1
    [error] = run.errors
    assert "ShipStation now says lot LOT-S, but lot LOT-P was entered by a person; kept LOT-P" in error


def test_a_lot_shipstation_set_follows_shipstation(run_sync, fake):
    fake.shipments = [shipment(1, lot="LOT-1")]
    run_sync()
    fake.shipments[0]["shipmentItems"][0]["options"] = [{"name": "Lot", "value": "LOT-2"}]

    run = run_sync()

    assert DistributionLogEntry.objects.get().lot_number == "LOT-2"
    assert (run.updated, run.errors) == (1, [])


def test_a_lot_arriving_later_confirms_the_entry_waiting_for_review(run_sync, fake):
    fake.shipments = [shipment(1, lot=None)]
    run_sync()
    fake.shipments[0]["shipmentItems"][0]["options"] = [{"name": "Lot Number", "value": "LOT-9"}]

    run = run_sync()

    confirmed = DistributionLogEntry.objects.get()
    assert (confirmed.lot_number, confirmed.status, run.updated) == ("LOT-9", Status.ACTIVE, 1)
    event = history_for(confirmed).get(action="distribution_entry.confirmed")
    assert event.reason == f"lot supplied by ShipStation (sync run {run.pk})"
