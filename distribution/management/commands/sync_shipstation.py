"""`manage.py sync_shipstation [--since D] [--until D] [--dry-run] [--background]`: the ShipStation sync.

Cron (every 15 minutes; docs/deploy.md):
    */15 * * * * cd /srv/silqeqms && .venv/bin/python manage.py sync_shipstation --background
With --background the command only queues the sync as a job (a worker runs it; its progress and outcome
are on /admin/jobs/ and the ShipStation page) and returns at once. Without it, the sync runs here and
the command exits non-zero when the run fails or ShipStation is not configured, so cron reports it; a
run skipped because another is still in progress is not an error.
"""

from __future__ import annotations

import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError

from distribution.models import SyncRun
from distribution.shipstation import sync


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"“{value}” is not a date like 2026-03-01") from exc


class Command(BaseCommand):
    help = ("Import ShipStation shipments into the Distribution Log. Default window: from the end of the last "
            "successful run minus SHIPSTATION_OVERLAP_DAYS (the first run ever: the last 30 days) to today "
            "(US/Pacific).")

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_date, help="first ship date (YYYY-MM-DD), inclusive")
        parser.add_argument("--until", type=_date, help="last ship date (YYYY-MM-DD), inclusive; default today")
        parser.add_argument("--dry-run", action="store_true", help="fetch and count, write no entries")
        parser.add_argument("--background", action="store_true",
                            help="queue the sync as a background job for a worker (manage.py db_worker) and return")

    def handle(self, *args, since=None, until=None, dry_run=False, background=False, **options):
        if background:
            return self.queue(since=since, until=until, dry_run=dry_run)
        try:
            run = sync.sync_shipments(actor=None, since=since, until=until, dry_run=dry_run)
        except (sync.ShipStationNotConfigured, ValueError) as error:
            raise CommandError(str(error)) from error
        except sync.SyncAlreadyRunning as error:
            self.stdout.write(self.style.WARNING(f"Skipped: {error}"))
            return
        summary = (f"Sync run {run.pk} ({run.window_start} to {run.window_end}, {run.pages} pages): "
                   f"{run.created} created, {run.updated} updated, {run.voided} voided, {run.unchanged} unchanged, "
                   f"{len(run.errors)} errors.")
        if run.status == SyncRun.RunStatus.FAILED:
            raise CommandError(f"{summary} FAILED: {run.errors[-1]}")
        for error in run.errors:
            self.stderr.write(f"  {error}")
        prefix = "Dry run, nothing written. " if dry_run else ""
        self.stdout.write(self.style.SUCCESS(prefix + summary))

    def queue(self, *, since, until, dry_run) -> None:
        from distribution.jobs import SYNC_SHIPSTATION, active_sync_job
        from silqeqms.jobs import start_job

        if not sync.is_configured():
            raise CommandError("ShipStation is not configured: set SHIPSTATION_API_KEY and SHIPSTATION_API_SECRET.")
        if job := active_sync_job():
            self.stdout.write(self.style.WARNING(f"Skipped: sync job {job.pk} is already {job.status}."))
            return
        job = start_job(actor=None, kind=SYNC_SHIPSTATION, params={
            "since": since.isoformat() if since else "", "until": until.isoformat() if until else "",
            "dry_run": dry_run})
        self.stdout.write(self.style.SUCCESS(f"Queued as job {job.pk}: {job.get_absolute_url()}"))
