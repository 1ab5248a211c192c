"""`manage.py db_worker`: django-tasks-db's worker, plus the job sweeps (this app is listed before
django_tasks_db in INSTALLED_APPS, so this command is the one Django runs).

At start and then every JOBS_SWEEP_INTERVAL_SECONDS (60) the worker fails the jobs whose worker died
(a stale heartbeat: SIGKILL, a lost machine) and removes the input files of long-failed jobs. Every
worker sweeps; the writes are conditional, so several workers sweeping at once is harmless.
"""

from __future__ import annotations

import logging
import os
import threading

from django.conf import settings
from django.db import connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from silqeqms.jobs.services import purge_old_job_inputs, sweep_stale_jobs

logger = logging.getLogger("silqeqms.jobs")


def sweep_once() -> None:
    try:
        failed = sweep_stale_jobs()
        if failed:
            logger.warning("Marked failed (their worker stopped): jobs %s", ", ".join(map(str, failed)))
        purge_old_job_inputs()
    except Exception:  # a sweep must never stop the worker
        logger.exception("The job sweep failed; it runs again later")
    finally:
        connections.close_all()


def _sweep_forever(stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        sweep_once()


class Command(DatabaseWorkerCommand):
    help = "Run a background worker: takes queued tasks from the database and runs them (plus the job sweeps)."

    def handle(self, *args, **options):
        # With --reload the parent process only watches files; the child runs tasks and sweeps.
        if not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            sweep_once()
            interval = float(getattr(settings, "JOBS_SWEEP_INTERVAL_SECONDS", 60))
            threading.Thread(target=_sweep_forever, args=(threading.Event(), interval), name="job-sweeper",
                             daemon=True).start()
        return super().handle(*args, **options)
