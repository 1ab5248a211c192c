"""Running test code in several threads at once, each with its own database connection (PostgreSQL)."""

from __future__ import annotations

import threading

from django.db import connections


def run_at_once(*jobs):
    """Run each job in its own thread and connection, started together; the errors they raised."""
    barrier = threading.Barrier(len(jobs), timeout=30)
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors
