"""The ShipStation sync against the fake ShipStation server over real HTTP: entries, runs, waits, audit.

No test sleeps: the client gets a recording `sleep`. After every test the dashboard summaries and the
audit chain are checked (autouse fixture `stays_consistent`).
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from customers.models import Customer
from distribution import services
from distribution.models import DistributionLogEntry, Source, Status, SyncRun
from distribution.shipstation import client as client_module
from distribution.shipstation.client import ShipStationClient
from distribution.shipstation.sync import (
    FIRST_RUN_DAYS,
    ShipStationNotConfigured,
    SyncAlreadyRunning,
    default_window,
    pacific_today,
    sync_shipments,
)
from distribution.summaries import verify_summaries
from silqeqms.audit import history_for, verify_chain
from silqeqms.jobs import services as job_services
from silqeqms.jobs.models import Job
from silqeqms.models import AuditEvent
from tests.distribution.shipstation_fake import FakeShipStation, make_item, make_shipment
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]

KEY = "ss-key-4711"
SECRET = "ss-secret-never-shown-9f2c"
START = datetime.date(2026, 3, 1)
END = datetime.date(2026, 3, 31)


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(autouse=True)
def stays_consistent(db):
    yield
    assert verify_summaries() == []
    assert verify_chain().ok


@pytest.fixture
def fake():
    with FakeShipStation(api_key=KEY, api_secret=SECRET) as server:
        yield server


@pytest.fixture
def sleep():
    return RecordingSleep()


@pytest.fixture
def actor():
    return UserFactory(username="oscar")


@pytest.fixture
def small_pages(monkeypatch):
    """Two shipments a page, so several pages need only a few shipments."""
    monkeypatch.setattr(client_module, "PAGE_SIZE", 2)


@pytest.fixture
def run_sync(fake, sleep, actor):
    def _run(*, secret: str = SECRET, **kwargs) -> SyncRun:
        client = ShipStationClient(
            base_url=fake.base_url, api_key=KEY, api_secret=secret, timeout=5, sleep=sleep
        )
        kwargs.setdefault("actor", actor)
        if "since" not in kwargs and "until" not in kwargs:
            kwargs.update(since=START, until=END)
        try:
            return sync_shipments(client=client, **kwargs)
        finally:
            client.close()

    return _run


@pytest.fixture
def configured(settings, fake):
    settings.SHIPSTATION_BASE_URL = fake.base_url
    settings.SHIPSTATION_API_KEY = KEY
    settings.SHIPSTATION_API_SECRET = SECRET
    settings.SHIPSTATION_STORE_REPS = {}
    return settings


def shipment(
    n: int, ship_date="2026-03-05", *, lot: str | None = "SLQ-24001", qty: int = 5, **kwargs
) -> dict:
    kwargs.setdefault("items", [make_item(9000 + n, "SLQ-100", qty, lot=lot)])
    return make_shipment(n, f"SO-{n}", ship_date, **kwargs)


def entry(ref: str) -> DistributionLogEntry:
    return DistributionLogEntry.objects.get(external_ref=ref)


def counts(run: SyncRun) -> tuple:
    return run.status, run.pages, run.created, run.updated, run.voided, run.unchanged


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


def test_a_run_lists_at_most_max_errors_and_counts_the_rest(run_sync, fake, monkeypatch):
    monkeypatch.setattr("distribution.shipstation.sync.MAX_ERRORS", 2)
    fake.shipments = [shipment(n, items=[make_item(n, "SLQ-100", 0)]) for n in range(1, 5)]

    run = run_sync()

    assert len(run.errors) == 3
    assert run.errors[-1] == "… and 2 more errors not listed."


# -- paging, rate limits, retries ------------------------------------------------------------------------


def test_it_follows_several_pages(run_sync, fake, sleep, small_pages):
    fake.shipments = [shipment(n, f"2026-03-{n:02d}") for n in range(1, 6)]

    run = run_sync()

    assert counts(run) == ("succeeded", 3, 5, 0, 0, 0)
    assert [r.query["page"] for r in fake.requests] == ["1", "2", "3"]
    assert {r.query["pageSize"] for r in fake.requests} == {"2"}
    assert DistributionLogEntry.objects.count() == 5
    assert sleep.waits == []


def test_it_waits_the_reset_time_after_a_429_then_imports(run_sync, fake, sleep):
    fake.shipments = [shipment(1)]
    fake.enqueue(429, reset=7)

    run = run_sync()

    assert sleep.waits == [7]
    assert len(fake.requests) == 2
    assert counts(run) == ("succeeded", 1, 1, 0, 0, 0)


def test_it_waits_before_the_next_page_when_the_rate_limit_is_spent(run_sync, fake, sleep, small_pages):
    fake.shipments = [shipment(n) for n in range(1, 4)]
    fake.remaining = 1  # the first answer says X-Rate-Limit-Remaining: 0
    fake.reset_seconds = 12

    run = run_sync()

    assert len(sleep.waits) == 1
    assert 12 <= sleep.waits[0] <= 14
    assert run.created == 3


def test_it_retries_a_500_then_imports(run_sync, fake, sleep):
    fake.shipments = [shipment(1)]
    fake.enqueue(500)

    run = run_sync()

    assert sleep.waits == [1.0]
    assert counts(run) == ("succeeded", 1, 1, 0, 0, 0)


def test_rejected_credentials_fail_the_run_with_a_clear_message_and_write_nothing(run_sync, fake, sleep):
    fake.shipments = [shipment(1)]

    run = run_sync(secret="wrong-" + SECRET)

    assert counts(run) == ("failed", 0, 0, 0, 0, 0)
    assert run.errors == [
        "ShipStation rejected the API credentials (HTTP 401). "
        "Check SHIPSTATION_API_KEY and SHIPSTATION_API_SECRET."
    ]
    assert run.finished_at is not None
    assert DistributionLogEntry.objects.count() == 0
    assert Customer.objects.count() == 0
    assert sleep.waits == []
    [event] = AuditEvent.objects.all()
    assert (event.action, event.data["status"], event.data["errors"]) == (
        "distribution.synced",
        "failed",
        run.errors,
    )
    assert SECRET not in str(event.data)


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


# -- windows ----------------------------------------------------------------------------------------------


def test_the_first_run_looks_back_thirty_days_to_today_pacific(run_sync, fake):
    run = run_sync(since=None, until=None)

    today = pacific_today()
    assert (run.window_start, run.window_end) == (today - datetime.timedelta(days=FIRST_RUN_DAYS), today)
    assert fake.requests[0].query["shipDateStart"] == run.window_start.isoformat()
    assert fake.requests[0].query["shipDateEnd"] == today.isoformat()


def test_the_next_run_starts_three_days_before_the_last_successful_window_end(run_sync, fake, settings):
    settings.SHIPSTATION_OVERLAP_DAYS = 3
    today = pacific_today()
    run_sync(since=today - datetime.timedelta(days=20), until=today - datetime.timedelta(days=10))
    run_sync(
        since=today - datetime.timedelta(days=9), until=today - datetime.timedelta(days=8), secret="wrong"
    )  # a failed run does not move the window

    run = run_sync(since=None, until=None)

    assert (run.window_start, run.window_end) == (today - datetime.timedelta(days=13), today)
    assert fake.requests[-1].query["shipDateStart"] == (today - datetime.timedelta(days=13)).isoformat()


def test_a_hand_run_window_after_a_gap_does_not_move_the_incremental_start(run_sync):
    today = pacific_today()
    run_sync(since=today - datetime.timedelta(days=20), until=today - datetime.timedelta(days=10))
    run_sync(since=today - datetime.timedelta(days=2), until=today)  # leaves days -9..-3 uncovered

    assert default_window(today) == (today - datetime.timedelta(days=13), today)


def test_an_inverted_window_is_refused_before_anything_is_recorded(run_sync):
    with pytest.raises(ValueError, match="starts"):
        run_sync(since=END, until=START)
    assert SyncRun.objects.count() == 0


# -- interruption, dry run, concurrency, configuration ------------------------------------------------


def test_an_interrupted_run_keeps_its_committed_pages_and_a_rerun_completes(
    run_sync, fake, sleep, small_pages
):
    fake.shipments = [shipment(n, f"2026-03-{n:02d}") for n in range(1, 4)]
    fake.enqueue()  # page 1 answers normally
    fake.enqueue(500, times=6)  # page 2: 500 until the client gives up

    failed = run_sync()

    assert counts(failed) == ("failed", 1, 2, 0, 0, 0)
    assert "HTTP 500" in failed.errors[-1]
    assert sleep.waits == [1, 2, 4, 8, 16]
    assert sorted(DistributionLogEntry.objects.values_list("order_number", flat=True)) == ["SO-1", "SO-2"]
    synced = AuditEvent.objects.get(action="distribution.synced")
    assert (synced.data["status"], synced.data["counts"]["created"]) == ("failed", 2)

    rerun = run_sync()

    assert counts(rerun) == ("succeeded", 2, 1, 0, 0, 2)
    assert sorted(DistributionLogEntry.objects.values_list("order_number", flat=True)) == [
        "SO-1",
        "SO-2",
        "SO-3",
    ]


def test_a_crash_mid_page_rolls_that_page_back_marks_the_run_failed_and_propagates(
    run_sync, fake, small_pages, monkeypatch
):
    fake.shipments = [shipment(n, f"2026-03-{n:02d}") for n in range(1, 5)]
    real_create = services.create_entry
    calls = []

    def flaky_create(**kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        return real_create(**kwargs)

    monkeypatch.setattr(services, "create_entry", flaky_create)

    with pytest.raises(RuntimeError, match="disk full"):
        run_sync()

    run = SyncRun.objects.get()
    assert counts(run) == ("failed", 1, 2, 0, 0, 0)
    assert run.errors == ["RuntimeError: disk full"]
    assert DistributionLogEntry.objects.count() == 2  # page 2's first entry was rolled back with its page
    assert AuditEvent.objects.filter(action="distribution.synced", data__status="failed").count() == 1


def test_a_dry_run_counts_but_writes_nothing(run_sync, fake, small_pages):
    fake.shipments = [shipment(1), shipment(2, lot=None), shipment(3, items=None)]

    run = run_sync(dry_run=True)

    assert counts(run) == ("dry_run", 2, 2, 0, 0, 0)
    assert len(run.errors) == 1
    assert DistributionLogEntry.objects.count() == 0
    assert Customer.objects.count() == 0
    assert list(AuditEvent.objects.values_list("action", "reason")) == [
        ("distribution.synced", "dry run: nothing written")
    ]
    assert default_window()[0] == pacific_today() - datetime.timedelta(days=FIRST_RUN_DAYS)  # not advanced


def test_a_run_is_refused_while_another_is_running(run_sync):
    SyncRun.objects.create(window_start=START, window_end=END, status=SyncRun.RunStatus.RUNNING)

    with pytest.raises(SyncAlreadyRunning, match="still running"):
        run_sync()
    assert SyncRun.objects.count() == 1


def test_a_run_left_running_by_a_killed_process_is_marked_failed_and_no_longer_blocks(run_sync, fake):
    stale = SyncRun.objects.create(window_start=START, window_end=END, status=SyncRun.RunStatus.RUNNING)
    SyncRun.objects.filter(pk=stale.pk).update(started_at=stale.started_at - datetime.timedelta(hours=2))
    fake.shipments = [shipment(1)]

    run = run_sync()

    stale.refresh_from_db()
    assert stale.status == "failed"
    assert stale.errors[0].startswith("Interrupted")
    assert run.status == "succeeded"


def test_missing_credentials_raise_a_clear_error_and_record_no_run(settings):
    settings.SHIPSTATION_API_KEY = "key"
    settings.SHIPSTATION_API_SECRET = ""

    with pytest.raises(ShipStationNotConfigured) as raised:
        sync_shipments(actor=None)

    assert (
        str(raised.value)
        == "ShipStation is not configured: set SHIPSTATION_API_KEY and SHIPSTATION_API_SECRET."
    )
    assert SyncRun.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_the_run_is_one_audit_batch_ending_with_distribution_synced(run_sync, fake, actor):
    fake.shipments = [shipment(1), shipment(2, lot=None, ship_to={"company": "Mercy Clinic"})]

    run = run_sync()

    events = list(AuditEvent.objects.order_by("seq"))
    assert {e.batch_id for e in events} == {run.batch_id}
    assert run.batch_id
    assert [e.action for e in events].count("distribution_entry.created") == 2
    assert [e.action for e in events].count("customer.created") == 2
    synced = events[-1]
    assert (synced.action, synced.target_type, synced.target_id, synced.actor) == (
        "distribution.synced",
        "distribution.syncrun",
        str(run.pk),
        actor,
    )
    assert synced.data == {
        "window": {"start": "2026-03-01", "end": "2026-03-31"},
        "pages": 1,
        "counts": {"created": 2, "updated": 0, "voided": 0, "unchanged": 0},
        "errors": [],
        "status": "succeeded",
        "dry_run": False,
    }
    created = history_for(entry("shipstation:1:line-9001")).get()
    assert created.reason == f"imported from ShipStation (sync run {run.pk})"


# -- manage.py sync_shipstation ----------------------------------------------------------------------


def test_the_command_syncs_a_given_window(configured, fake, capsys):
    fake.shipments = [shipment(1, "2026-03-05"), shipment(2, "2026-04-05")]

    call_command("sync_shipstation", "--since", "2026-03-01", "--until", "2026-03-31")

    assert list(DistributionLogEntry.objects.values_list("order_number", flat=True)) == ["SO-1"]
    run = SyncRun.objects.get()
    assert (run.status, run.started_by, run.window_start) == ("succeeded", None, START)
    assert "1 created" in capsys.readouterr().out
    assert AuditEvent.objects.get(action="distribution.synced").actor_label == "system"


def test_the_command_dry_run_writes_no_entries(configured, fake, capsys):
    fake.shipments = [shipment(1)]

    call_command("sync_shipstation", "--since", "2026-03-01", "--until", "2026-03-31", "--dry-run")

    assert DistributionLogEntry.objects.count() == 0
    assert SyncRun.objects.get().status == "dry_run"
    assert capsys.readouterr().out.startswith("Dry run, nothing written.")


def test_the_command_fails_loudly_when_not_configured_or_the_run_fails(configured):
    configured.SHIPSTATION_API_SECRET = "wrong"
    with pytest.raises(CommandError, match="FAILED: ShipStation rejected the API credentials"):
        call_command("sync_shipstation")
    with pytest.raises(CommandError, match="after it ends"):
        call_command("sync_shipstation", "--since", "2026-03-02", "--until", "2026-03-01")
    configured.SHIPSTATION_API_KEY = ""
    with pytest.raises(CommandError, match="not configured"):
        call_command("sync_shipstation")


# -- the page ---------------------------------------------------------------------------------------------


@pytest.fixture
def sync_user():
    return UserFactory(username="syncer", perms=["distribution.sync", "customers.view_all"])


def test_the_page_shows_the_configuration_without_secrets(client, configured, sync_user, fake):
    configured.SHIPSTATION_STORE_REPS = {"12": "syncer", "13": "ghost"}
    configured.SHIPSTATION_WEBHOOK_TOKEN = "hook-token-secret-77"
    client.force_login(sync_user)

    response = client.get(reverse("distribution:shipstation"))

    html = response.content.decode()
    assert response.status_code == 200
    assert fake.base_url in html
    assert SECRET not in html
    assert KEY not in html
    assert "hook-token-secret-77" not in html
    assert "manage.py sync_shipstation" in html
    assert "no user “ghost”" in html
    assert "No sync has run yet." in html


def test_the_page_lists_recent_runs_and_links_the_review_queue(client, configured, sync_user, fake, run_sync):
    fake.shipments = [shipment(1, lot=None), shipment(2, items=None)]
    run_sync()
    client.force_login(sync_user)

    response = client.get(reverse("distribution:shipstation"))

    html = response.content.decode()
    assert list(response.context["runs"]) == list(SyncRun.objects.all())
    assert response.context["needs_review"] == 1
    assert reverse("distribution:review_queue") + "?source=shipstation" in html
    assert "1 ShipStation entry waits for a lot number" in html
    assert "ShipStation sent no items" in html


def test_sync_now_imports_the_default_window_and_reports_the_result(client, configured, sync_user, fake):
    today = pacific_today()
    fake.shipments = [shipment(1, today - datetime.timedelta(days=2)), shipment(2, today, lot=None)]
    client.force_login(sync_user)

    response = client.post(reverse("distribution:shipstation"))

    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()  # the page follows the job's progress
    run = SyncRun.objects.get()
    assert (run.status, run.created, run.started_by) == ("succeeded", 2, sync_user)
    assert DistributionLogEntry.objects.count() == 2
    assert (job.kind, job.status, job.started_by) == ("distribution.sync_shipstation", "succeeded", sync_user)
    assert job.result["summary"][0].startswith(f"Sync run {run.pk} succeeded")
    assert ["Created", 2] in job.result["counts"]
    page = client.get(job.get_absolute_url()).content.decode()
    assert f"Sync run {run.pk} succeeded" in page and "2 created" in page
    assert AuditEvent.objects.get(action="distribution.synced").request_ip == "127.0.0.1"


def test_sync_now_reports_a_failed_run(client, configured, sync_user, fake):
    configured.SHIPSTATION_API_SECRET = "wrong"
    client.force_login(sync_user)

    response = client.post(reverse("distribution:shipstation"), follow=True)

    job = Job.objects.get()
    assert job.status == "failed"
    assert "failed" in job.error and "rejected the API credentials" in job.error
    assert "wrong" not in job.error.replace("Check", "")
    assert "rejected the API credentials" in response.content.decode()  # on the job page, with Try again
    assert "Try again" in response.content.decode()
    assert SyncRun.objects.get().status == "failed"


def test_sync_now_politely_refuses_when_not_configured(client, settings, sync_user):
    settings.SHIPSTATION_API_KEY = ""
    settings.SHIPSTATION_API_SECRET = ""
    client.force_login(sync_user)

    page = client.get(reverse("distribution:shipstation")).content.decode()
    response = client.post(reverse("distribution:shipstation"), follow=True)

    assert "ShipStation is not configured" in page
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Nothing was synced. ShipStation is not configured")
    assert SyncRun.objects.count() == 0


def test_sync_now_does_not_start_a_second_run_while_one_is_running(client, configured, sync_user, fake):
    SyncRun.objects.create(window_start=START, window_end=END, status=SyncRun.RunStatus.RUNNING)
    client.force_login(sync_user)

    client.post(reverse("distribution:shipstation"))

    job = Job.objects.get()
    assert job.result["summary"][0].startswith("Nothing was synced: Sync run")
    assert SyncRun.objects.count() == 1
    assert fake.requests == []


def test_sync_now_while_a_sync_job_is_queued_leads_to_that_job_and_starts_no_other(client, configured, sync_user,
                                                                                    fake):
    waiting = Job.objects.create(kind="distribution.sync_shipstation", started_by=None)
    client.force_login(sync_user)

    response = client.post(reverse("distribution:shipstation"), follow=True)

    assert response.redirect_chain[-1][0] == waiting.get_absolute_url()
    [message] = [str(m) for m in response.context["messages"]]
    assert f"already queued or running (job {waiting.pk})" in message
    assert Job.objects.count() == 1 and SyncRun.objects.count() == 0
    page = client.get(reverse("distribution:shipstation")).content.decode()
    assert f"follow its progress (job {waiting.pk})" in page


def test_the_cron_command_in_the_background_only_queues_a_job(configured, fake, monkeypatch):
    monkeypatch.setattr(job_services, "_enqueue_after_commit", lambda job_id: None)  # no worker runs yet
    out = io.StringIO()
    call_command("sync_shipstation", "--background", "--since", "2026-03-01", stdout=out)

    job = Job.objects.get()
    assert f"Queued as job {job.pk}" in out.getvalue()
    assert (job.kind, job.started_by, job.params["since"]) == ("distribution.sync_shipstation", None, "2026-03-01")
    assert SyncRun.objects.count() == 0 and fake.requests == []  # the worker runs it
    call_command("sync_shipstation", "--background", stdout=out)
    assert "Skipped: sync job" in out.getvalue() and Job.objects.count() == 1


def test_without_distribution_sync_the_page_is_403_and_nothing_is_written(client, configured, fake):
    fake.shipments = [shipment(1, pacific_today())]
    client.force_login(UserFactory(perms=["distribution.view", "distribution.edit", "distribution.import"]))

    assert client.get(reverse("distribution:shipstation")).status_code == 403
    response = client.post(reverse("distribution:shipstation"))

    assert response.status_code == 403
    assert "distribution.sync" in response.content.decode()
    assert (SyncRun.objects.count(), DistributionLogEntry.objects.count(), AuditEvent.objects.count()) == (
        0,
        0,
        0,
    )
    assert fake.requests == []


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.post(reverse("distribution:shipstation"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sync_now_needs_the_csrf_token(configured, sync_user, fake):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(sync_user)

    response = csrf_client.post(reverse("distribution:shipstation"))

    assert response.status_code == 403
    assert SyncRun.objects.count() == 0
    assert fake.requests == []


# -- the SHIP_NOTIFY webhook ------------------------------------------------------------------------------


def test_the_webhook_with_the_right_token_runs_a_sync_as_the_system(configured, fake):
    configured.SHIPSTATION_WEBHOOK_TOKEN = "tok-abc-123"
    fake.shipments = [shipment(1, pacific_today())]
    anonymous = Client(enforce_csrf_checks=True)

    response = anonymous.post(
        reverse("distribution:shipstation_notify", args=["tok-abc-123"]),
        data={"resource_url": "https://evil.example/x", "resource_type": "SHIP_NOTIFY"},
        content_type="application/json",
    )

    run, job = SyncRun.objects.get(), Job.objects.get()
    assert response.status_code == 202
    assert response.json() == {"status": "queued", "job": job.pk}  # the sync runs as a job
    assert (job.status, job.started_by) == ("succeeded", None)
    assert (run.started_by, run.created, run.window_end) == (None, 1, pacific_today())
    assert run.window_start <= pacific_today() - datetime.timedelta(days=3)
    assert all(r.path == "/shipments" for r in fake.requests)  # the resource_url was never fetched


@pytest.mark.parametrize(("setting", "token"), [("tok-abc-123", "tok-abc-124"), ("", "anything")])
def test_the_webhook_with_a_wrong_token_or_none_configured_is_404_and_writes_nothing(
    configured, fake, setting, token
):
    configured.SHIPSTATION_WEBHOOK_TOKEN = setting
    fake.shipments = [shipment(1, pacific_today())]

    response = Client().post(reverse("distribution:shipstation_notify", args=[token]))
    get = Client().get(reverse("distribution:shipstation_notify", args=[token]))

    assert (response.status_code, get.status_code) == (404, 404)
    assert (SyncRun.objects.count(), AuditEvent.objects.count()) == (0, 0)
    assert fake.requests == []


def test_the_webhook_only_accepts_post(configured):
    configured.SHIPSTATION_WEBHOOK_TOKEN = "tok-abc-123"

    response = Client().get(reverse("distribution:shipstation_notify", args=["tok-abc-123"]))

    assert response.status_code == 405
    assert SyncRun.objects.count() == 0
