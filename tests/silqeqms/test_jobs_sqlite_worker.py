"""SQLite has one writer at a time. A real worker holds a long write transaction on a file database: the
web side keeps reading, progress shows once the transaction commits, and the quiet heartbeat is not taken
for a dead worker (the job's file lock says it is alive), so nothing deadlocks and the job succeeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite",
                                reason="the SQLite behaviour; PostgreSQL has tests/silqeqms/test_jobs_workers.py")

SCENARIO = textwrap.dedent("""
    import json, os, sys, time
    import django
    django.setup()
    from silqeqms.jobs import start_job, sweep_stale_jobs
    from silqeqms.models import AuditEvent, Job

    hold = sys.argv[1]
    job = start_job(actor=None, kind="tests.write_then_hold", params={"rows": 3, "hold_file": hold, "tag": "sq"})
    seen, slowest_read = [], 0.0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        started = time.monotonic()
        row = Job.objects.values("status", "done", "heartbeat_at").get(pk=job.pk)
        slowest_read = max(slowest_read, time.monotonic() - started)
        seen.append([row["status"], row["done"]])
        if row["status"] == "running" and len(seen) > 40:  # 4 s: the heartbeat went quiet (stale after 3 s)
            break
        time.sleep(0.1)
    swept = sweep_stale_jobs()
    during = Job.objects.values("status", "done").get(pk=job.pk)
    os.unlink(hold)
    while Job.objects.filter(pk=job.pk, status="running").exists() and time.monotonic() < deadline + 30:
        time.sleep(0.1)
    final = Job.objects.values("status", "done", "total", "error").get(pk=job.pk)
    print(json.dumps({"seen": seen, "slowest_read": slowest_read, "swept": swept, "during": during,
                      "final": final, "rows": AuditEvent.objects.filter(action="test.held_row").count()}))
""")


def test_a_long_sqlite_write_transaction_neither_blocks_readers_nor_looks_like_a_dead_worker(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "MEDIA_ROOT": str(tmp_path / "media")}
    run = {"cwd": settings.BASE_DIR, "env": env}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, timeout=120, **run)
    hold = tmp_path / "hold"
    hold.touch()
    with open(tmp_path / "worker.log", "wb") as log:
        worker = subprocess.Popen([sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
                                   "--interval", "0.1"], stdout=log, stderr=subprocess.STDOUT, **run)
        try:
            scenario = subprocess.run([sys.executable, "-c", SCENARIO, str(hold)], capture_output=True,
                                      text=True, timeout=120, **run)
        finally:
            worker.terminate()
            worker.wait(timeout=15)
    assert scenario.returncode == 0, scenario.stderr + (tmp_path / "worker.log").read_text()
    report = json.loads(scenario.stdout.strip().splitlines()[-1])
    assert ["running", 0] in report["seen"]  # the rows written inside the transaction show at commit
    assert report["slowest_read"] < 1.0  # WAL: readers never wait for the writer
    assert report["swept"] == [] and report["during"] == {"status": "running", "done": 0}
    assert report["final"] == {"status": "succeeded", "done": 3, "total": 3, "error": ""}
    assert report["rows"] == 3
