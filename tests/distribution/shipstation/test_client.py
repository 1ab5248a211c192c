"""The HTTP client in a sync: paging, rate limits, retries and rejected credentials."""

from __future__ import annotations

import pytest

from customers.models import Customer
from distribution.models import DistributionLogEntry
from silqeqms.models import AuditEvent
from tests.distribution.shipstation.support import SECRET, counts, shipment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]


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
