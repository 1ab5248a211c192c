"""Sync runs: the window, interruption, dry runs, concurrency, configuration and the audit batch."""

from __future__ import annotations

import datetime

import pytest

from customers.models import Customer
from distribution import services
from distribution.models import DistributionLogEntry, SyncRun
from distribution.shipstation.sync import (
    FIRST_RUN_DAYS,
    ShipStationNotConfigured,
    SyncAlreadyRunning,
    default_window,
    pacific_today,
    sync_shipments,
)
from silqeqms.audit import history_for
from silqeqms.models import AuditEvent
from tests.distribution.shipstation.support import END, START, counts, entry, shipment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]


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
