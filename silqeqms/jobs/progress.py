"""Progress of a running job, and the thread that writes it (with the heartbeat) apart from the work.

The handler only touches memory (`progress.advance(k)`); a reporter thread with its own database
connection writes done/total and the heartbeat in short transactions of their own, at most every
JOBS_PROGRESS_INTERVAL_SECONDS and at least every JOBS_HEARTBEAT_SECONDS. So:

- PostgreSQL: progress is visible while the work's own transaction is still open, and a worker that
  dies stops the heartbeat (the sweep then fails the job).
- SQLite has one writer at a time. While the work holds the write lock the reporter waits (its BEGIN
  IMMEDIATE holds nothing the work needs, so this never deadlocks; a "database is locked" after the
  busy timeout is dropped and retried on the next tick). Progress made inside a write transaction
  shows once it commits; work that reads and plans before it writes shows progress live. The missing
  heartbeat is not taken for death: on SQLite the sweep also asks the job's file lock (liveness.py).
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

_UNSET = object()


def _interval(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


class Progress:
    """Handed to every job handler. Thread-safe; every method only updates memory."""

    def __init__(self, *, job_id: int, done: int = 0, total: int | None = None):
        self.job_id = job_id
        self._lock = threading.Lock()
        self._done = done
        self._total = total
        self._version = 0

    @property
    def done(self) -> int:
        return self._done

    @property
    def total(self) -> int | None:
        return self._total

    def set_total(self, total: int | None) -> None:
        """How many units of work there are (rows, pages, phases); None while unknown."""
        if total is not None and (not isinstance(total, int) or total < 0):
            raise ValueError(f"A job's total must be a whole number ≥ 0 or None, not {total!r}.")
        with self._lock:
            self._total = total
            self._version += 1

    def add_to_total(self, more: int) -> None:
        """More work found (the rows of the next file): the total grows by `more`."""
        if not isinstance(more, int) or more < 0:
            raise ValueError(f"A job's total grows by a whole number ≥ 0, not {more!r}.")
        with self._lock:
            self._total = (self._total or 0) + more
            self._version += 1

    def advance(self, step: int = 1) -> None:
        if not isinstance(step, int) or step < 0:
            raise ValueError(f"A job advances by a whole number ≥ 0, not {step!r}.")
        with self._lock:
            self._done += step
            self._version += 1

    def update(self, done: int, total: int | None | object = _UNSET) -> None:
        """Set the absolute count (and, optionally, the total)."""
        if not isinstance(done, int) or done < 0:
            raise ValueError(f"A job's done count must be a whole number ≥ 0, not {done!r}.")
        if total is not _UNSET:
            self.set_total(total)  # type: ignore[arg-type]
        with self._lock:
            self._done = done
            self._version += 1

    def snapshot(self) -> tuple[int, int | None, int]:
        with self._lock:
            return self._done, self._total, self._version


class NullProgress(Progress):
    """For work run outside a job (a management command, a page): counts, and nobody reads it."""

    def __init__(self):
        super().__init__(job_id=0)


class Reporter:
    """The thread that writes a job's progress and heartbeat on a connection of its own."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.interval = _interval("JOBS_PROGRESS_INTERVAL_SECONDS", 0.5)
        self.heartbeat = _interval("JOBS_HEARTBEAT_SECONDS", 5.0)
        self.writes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{progress.job_id}-reporter", daemon=True)

    def __enter__(self) -> Reporter:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        # A write waiting for SQLite's lock ends once the work's transaction has ended (it has by now).
        self._thread.join(timeout=60)

    def _run(self) -> None:
        written_version = 0
        written_at = time.monotonic()
        try:
            while not self._stop.wait(self.interval):
                done, total, version = self.progress.snapshot()
                due = version != written_version or time.monotonic() - written_at >= self.heartbeat
                if due and self._write(done, total):
                    written_version, written_at = version, time.monotonic()
        finally:
            connections.close_all()  # this thread's connections only

    def _write(self, done: int, total: int | None) -> bool:
        from silqeqms.jobs.models import Job

        try:
            with transaction.atomic():
                Job.objects.filter(pk=self.progress.job_id, status=Job.Status.RUNNING).update(
                    done=done, total=total, heartbeat_at=timezone.now())
        except DatabaseError as error:
            # SQLite busy behind the work's write lock, or a dropped connection: try again next tick.
            logger.debug("Job %s: progress not written this time (%s)", self.progress.job_id, error)
            connections.close_all()
            return False
        self.writes += 1
        return True
