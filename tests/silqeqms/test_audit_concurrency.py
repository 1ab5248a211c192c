"""Two writers at once must not fork the hash chain (PostgreSQL: advisory lock per chain)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from silqeqms.audit import record_event, verify_chain
from silqeqms.models import AuditEvent


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_two_threads_writing_events_at_once_keep_one_unbroken_chain():
    per_thread = 40
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    record_event(actor=None, action=f"test.{name}", data={"i": i})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEvent.objects.count() == 2 * per_thread
    report = verify_chain()
    assert report.ok, report.problem
    times = list(AuditEvent.objects.order_by("seq").values_list("at", flat=True))
    assert times == sorted(times), "chain order and time order agree"
