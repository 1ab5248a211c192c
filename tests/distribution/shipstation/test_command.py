"""manage.py sync_shipstation: a given window, dry runs, failures and queuing in the background."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from distribution.models import DistributionLogEntry, SyncRun
from silqeqms.jobs import services as job_services
from silqeqms.jobs.models import Job
from silqeqms.models import AuditEvent
from tests.distribution.shipstation.support import START, shipment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]


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
