"""Job kinds that exist only under the test settings (and in the test workers)."""

from __future__ import annotations

import time
from pathlib import Path

from django.db import transaction

from silqeqms.audit import record_event
from silqeqms.jobs import JobFailed, job_kind
from silqeqms.jobs.files import read_job_input

PERMISSION = "silqeqms.view_audit"


@job_kind("tests.count", label="Count (test)", permission=PERMISSION, startable=True,
          description="Counts to params['steps'] (8), pausing params['pause'] seconds (0.5) at each step.")
def count(*, actor, params, progress):
    steps, pause = int(params.get("steps", 8)), float(params.get("pause", 0.5))
    progress.set_total(steps)
    for _ in range(steps):
        time.sleep(pause)
        progress.advance()
    return {"summary": [f"Counted to {steps}."], "counts": [["Steps", steps], ["Pause (s)", pause]],
            "links": [{"label": "Audit trail", "url": "/admin/audit/"},
                      {"label": "Elsewhere", "url": "https://example.com/"}]}


@job_kind("tests.record_run", label="Record a run (test)", permission=PERMISSION)
def record_run(*, actor, params, progress):
    """Writes one audit event per run, so a test can count how often each job ran."""
    time.sleep(float(params.get("pause", 0)))
    with transaction.atomic():
        record_event(actor=actor, action="test.job_ran", data={"tag": params["tag"]})
    progress.advance()
    return {"tag": params["tag"]}


@job_kind("tests.write_then_hold", label="Write, then hold the transaction (test)", permission=PERMISSION)
def write_then_hold(*, actor, params, progress):
    """Writes `rows` audit events in one transaction, then keeps it open while `hold_file` exists."""
    rows, hold = int(params["rows"]), Path(params["hold_file"])
    progress.set_total(rows)
    with transaction.atomic():
        for n in range(rows):
            record_event(actor=actor, action="test.held_row", data={"n": n, "tag": params["tag"]})
            progress.advance()
        deadline = time.monotonic() + 60
        while hold.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    return {"summary": [f"{rows} rows written."]}


@job_kind("tests.fail", label="Fail (test)", permission=PERMISSION)
def fail(*, actor, params, progress):
    progress.set_total(4)
    progress.advance(3)
    if params.get("expected"):
        raise JobFailed("Row 3: the quantity “-2” is not a whole number above zero.")
    return {}["missing"]


@job_kind("tests.read_input", label="Read an input file (test)", permission=PERMISSION)
def read_input(*, actor, params, progress):
    data = read_job_input(params["file"])
    return {"summary": [f"{len(data)} bytes"], "lines": data.decode().splitlines()}
