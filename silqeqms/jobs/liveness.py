"""Is the process running a job still alive? Needed on SQLite only.

On PostgreSQL the heartbeat alone decides: the reporter writes it on its own connection whatever the
work is doing. On SQLite a long write transaction keeps the reporter from writing, so a quiet heartbeat
may mean "busy", not "dead". SQLite also means every worker is on this one machine, so the runner holds
an exclusive file lock for the job while it runs, and the sweep fails a quiet job only when it can take
that lock itself: the kernel drops a dead process's locks, SIGKILL included.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection


def _lock_path(job_id: int) -> Path | None:
    if connection.vendor != "sqlite":
        return None
    base = Path(getattr(settings, "JOBS_LOCK_DIR", None) or Path(tempfile.gettempdir()) / "silqeqms-job-locks")
    database = hashlib.sha256(str(connection.settings_dict["NAME"]).encode()).hexdigest()[:16]
    folder = base / database
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"job-{job_id}.lock"


@contextlib.contextmanager
def hold(job_id: int) -> Iterator[None]:
    """Held by the runner from before it claims the job until after it has written the outcome."""
    path = _lock_path(job_id)
    if path is None:
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            path.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)


def is_held(job_id: int) -> bool:
    """True when a live process on this machine is running the job (SQLite); False when nothing says so."""
    path = _lock_path(job_id)
    if path is None or not path.exists():
        return False
    try:
        with open(path, "a+b") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
    except FileNotFoundError:
        return False
    return False
