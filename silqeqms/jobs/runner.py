"""Runs one job inside a worker: claim the row, call the kind's handler with a Progress, store the outcome.

Each write here is a short transaction of its own. The claim is a conditional UPDATE (queued → running),
so a job runs at most once however often its task is delivered.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from silqeqms.audit import audit_batch
from silqeqms.jobs import liveness
from silqeqms.jobs.files import MissingJobInput, delete_job_inputs
from silqeqms.jobs.models import Job
from silqeqms.jobs.progress import Progress, Reporter
from silqeqms.jobs.registry import JobFailed, UnknownJobKind, get_kind, label_for

logger = logging.getLogger("silqeqms.jobs")

MAX_ERROR_LENGTH = 2000


def worker_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def error_text(job: Job, error: BaseException) -> str:
    """What the user reads: the handler's own message when it meant one, else a plain sentence."""
    if isinstance(error, JobFailed | MissingJobInput | UnknownJobKind | PermissionDenied):
        text = str(error)
    elif isinstance(error, ValidationError):
        text = " ".join(error.messages)
    else:
        detail = str(error).strip()
        text = (f"{label_for(job.kind)} stopped on an unexpected error ({type(error).__name__}"
                f"{': ' + detail if detail else ''}). Nothing from its unfinished transaction was saved. "
                f"The details are in the worker's log (job {job.pk}).")
    return text[:MAX_ERROR_LENGTH]


def jsonable_result(value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        value = {"value": value}
    try:
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    except (TypeError, ValueError):
        logger.error("A job handler returned a result that is not JSON: %r", value)
        return {"summary": [str(value)[:MAX_ERROR_LENGTH]]}


def _finish(job_id: int, progress: Progress, **fields) -> None:
    done, total, _ = progress.snapshot()
    for attempt in (1, 2):
        try:
            now = timezone.now()
            with transaction.atomic():
                previous = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
                if previous != Job.Status.RUNNING:
                    # The sweep gave up on this attempt while it still worked (a frozen process): what
                    # really happened is recorded all the same.
                    logger.warning("Job %s finished after being marked %s; recording its real outcome",
                                   job_id, previous)
                Job.objects.filter(pk=job_id).update(done=done, total=total, finished_at=now, heartbeat_at=now,
                                                     **fields)
            return
        except DatabaseError:
            # The handler may have left this connection broken; a fresh one gets the outcome written.
            if attempt == 2 or connection.in_atomic_block:
                raise
            logger.warning("Job %s: writing the outcome failed once; reconnecting", job_id, exc_info=True)
            connection.close()


def execute_job(job_id: int) -> None:
    with liveness.hold(job_id):
        now = timezone.now()
        claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, worker=worker_label())
        if not claimed:
            logger.warning("Job %s was not queued any more; not running it again", job_id)
            return
        job = Job.objects.select_related("started_by").get(pk=job_id)
        progress = Progress(job_id=job.pk, total=job.total)
        logger.info("Job %s (%s) started by %s", job.pk, job.kind, job.started_by or "the system")
        # Inside a transaction (only a test runs a job that way) nobody else could read the reporter's
        # writes, so progress is written once, at the end.
        reporter = Reporter(progress) if not connection.in_atomic_block else contextlib.nullcontext()
        try:
            with reporter, audit_batch(request_ip=job.request_ip, batch_id=job.audit_batch_id or None):
                kind = get_kind(job.kind)
                result = kind.handler(actor=job.started_by, params=job.params, progress=progress)
        except Exception as error:
            if isinstance(error, JobFailed | MissingJobInput | ValidationError):
                logger.warning("Job %s (%s) failed: %s", job.pk, job.kind, error)
            else:
                logger.exception("Job %s (%s) failed", job.pk, job.kind)
            _finish(job.pk, progress, status=Job.Status.FAILED, error=error_text(job, error))
            return
        except BaseException:
            # The worker is being stopped (second Ctrl-C, SystemExit): the work's transaction has rolled back.
            with contextlib.suppress(Exception):
                _finish(job.pk, progress, status=Job.Status.FAILED,
                        error="The worker was stopped while it ran this job; nothing from its unfinished "
                              "transaction was saved. Try again runs it once more.")
            raise
        _finish(job.pk, progress, status=Job.Status.SUCCEEDED, result=jsonable_result(result), error="")
        logger.info("Job %s (%s) succeeded", job.pk, job.kind)
    if job.input_files:
        delete_job_inputs(job.input_files)
