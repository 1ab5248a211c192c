"""Real `manage.py db_worker` processes for tests that need them (PostgreSQL: the workers share the test
database; SQLite's test database lives in the test process's memory)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
NEEDS_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="worker processes need a database they can share with the test: SQLite's test database lives in "
           "this process's memory")


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> subprocess.Popen:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.worker_settings", "DATABASE_URL": _database_url(),
               "PYTHONUNBUFFERED": "1"}
        log = open(self.log_dir / f"worker-{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1",
             "--worker-id", f"test-{name}"],
            cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        process.log = log
        self.processes[name] = process
        return process

    def wait_until_polling(self, *names: str, timeout: float = 60) -> None:
        """Until each worker has started its loop (it logs "Starting worker")."""
        deadline = time.monotonic() + timeout
        for name in names:
            path = self.log_dir / f"worker-{name}.log"
            while b"Starting worker" not in path.read_bytes():
                if time.monotonic() > deadline or self.processes[name].poll() is not None:
                    pytest.fail(f"worker {name} did not start.\n{self.logs()}")
                time.sleep(0.1)

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text()[-3000:]}" for path in sorted(self.log_dir.glob("*.log")))

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.log.close()


def worker_pool(tmp_path: Path, settings):
    """For a `workers` fixture: `yield from worker_pool(tmp_path, settings)`; stops every worker after."""
    settings.TASKS = DATABASE_TASKS  # the test process enqueues into the database; the workers take from it
    pool = Workers(tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


def wait_for(condition, *, timeout: float, what: str, workers: Workers):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.\n{workers.logs()}")
