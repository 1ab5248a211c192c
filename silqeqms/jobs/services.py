"""Writes on Job rows: start, try again, and the sweeps a worker runs (stale heartbeats, old input files)."""

from __future__ import annotations

import datetime
import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from silqeqms.audit import record_event
from silqeqms.jobs import liveness
from silqeqms.jobs.files import delete_job_inputs, purge_orphan_inputs
from silqeqms.jobs.models import Job
from silqeqms.jobs.registry import get_kind
from silqeqms.jobs.tasks import run_job
from silqeqms.models import User
from silqeqms.permissions import permission_denied_message

logger = logging.getLogger("silqeqms.jobs")


class JobNotRetryable(ValueError):
    pass


def _json_params(params: dict | None) -> dict:
    try:
        value = json.loads(json.dumps(params or {}, cls=DjangoJSONEncoder))
    except (TypeError, ValueError) as error:
        raise ValueError(f"A job's params must be JSON: {error}") from None
    if not isinstance(value, dict):
        raise ValueError("A job's params must be a dict.")
    return value


def _enqueue(job_id: int) -> None:
    """After commit: hand the job to django-tasks (a worker, or at once with the immediate backend)."""
    try:
        task_result = run_job.enqueue(job_id)
    except Exception as error:
        logger.exception("Job %s could not be enqueued", job_id)
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.FAILED, finished_at=timezone.now(),
            error=f"The job could not be handed to the task queue ({type(error).__name__}: {error}). "
                  f"Nothing ran; try again.")
        return
    Job.objects.filter(pk=job_id).update(task_id=str(task_result.id)[:64])


@transaction.atomic
def start_job(*, actor: User | None, kind: str, params: dict | None = None, total: int | None = None,
              input_files: Sequence[str] = (), request_ip: str | None = None, retry_of: Job | None = None,
              claim_key: str | None = None) -> Job:
    """Create the Job row and, once this transaction commits, enqueue the one task that runs it.

    `actor` None is the system (cron, a management command); a user must hold the kind's permission.
    `input_files`: storage names from silqeqms.jobs.files.save_job_input() (removed after success).
    `request_ip` (silqeqms.middleware.client_ip(request)) goes on every audit event the job records.
    `claim_key`: what this job takes for itself (an import's staged upload). Claimed once only: a second
    start with the same key (the same confirm sent twice at once) returns the first job, and starts nothing.
    """
    spec = get_kind(kind)
    if actor is not None and not actor.has_perm(spec.permission):
        raise PermissionDenied(permission_denied_message(spec.permission))
    if total is not None and (not isinstance(total, int) or total < 0):
        raise ValueError(f"A job's total must be a whole number ≥ 0 or None, not {total!r}.")
    fields = {"kind": kind, "params": _json_params(params), "input_files": list(input_files),
              "started_by": actor, "total": total, "retry_of": retry_of,
              "attempt": retry_of.attempt + 1 if retry_of else 1, "audit_batch_id": str(uuid.uuid4()),
              "request_ip": request_ip, "claim_key": claim_key or None}
    if claim_key:
        # The unique index decides between two confirms racing; the loser waits for the winner's commit.
        job, created = Job.objects.get_or_create(claim_key=claim_key, defaults=fields)
        if not created:
            return job
    else:
        job = Job.objects.create(**fields)
    record_event(actor=actor, action="job.retried" if retry_of else "job.started", target=job,
                 data={"kind": kind, "params": job.params, "retry_of": retry_of.pk if retry_of else None})
    _enqueue_after_commit(job.pk)
    return job


def _enqueue_after_commit(job_id: int) -> None:
    """The task is handed over only once the Job row is committed (a worker must find it)."""
    transaction.on_commit(partial(_enqueue, job_id))


@transaction.atomic
def retry_job(*, actor: User | None, job: Job, request_ip: str | None = None) -> Job:
    """"Try again": the same kind, params and files as a new attempt. Only a failed job is retried, and
    only once at a time: while an earlier retry of it is queued, running or succeeded, that one is returned."""
    original = Job.objects.select_for_update().get(pk=job.pk)
    if original.status != Job.Status.FAILED:
        raise JobNotRetryable(f"Job {original.pk} is {original.get_status_display().lower()}; "
                              f"only a failed job can be tried again.")
    earlier = original.retries.exclude(status=Job.Status.FAILED).order_by("-id").first()
    if earlier is not None:
        return earlier
    return start_job(actor=actor, kind=original.kind, params=original.params, input_files=original.input_files,
                     request_ip=request_ip, retry_of=original)


def _stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS)


def _fail(job_id: int, condition: dict, error: str) -> bool:
    with transaction.atomic():
        return bool(Job.objects.filter(pk=job_id, **condition).update(
            status=Job.Status.FAILED, finished_at=timezone.now(), error=error))


def sweep_stale_jobs(*, stale_after: datetime.timedelta | None = None,
                     job_ids: Iterable[int] | None = None) -> list[int]:
    """Fail the jobs whose worker is gone; returns their ids. Safe to run anywhere, any number of times.

    - running, heartbeat older than `stale_after` (and, on SQLite, nobody holds the job's lock);
    - queued, but its task was taken by a worker that died before starting it (or the task is gone).
    """
    stale_after = stale_after or _stale_after()
    cutoff = timezone.now() - stale_after
    jobs = Job.objects.all() if job_ids is None else Job.objects.filter(pk__in=list(job_ids))
    failed = []
    for job in jobs.filter(status=Job.Status.RUNNING, heartbeat_at__lt=cutoff).only("pk", "heartbeat_at", "worker"):
        if liveness.is_held(job.pk):
            continue
        last = timezone.localtime(job.heartbeat_at)
        error = (f"The worker running this job ({job.worker or 'unknown'}) stopped: no heartbeat since "
                 f"{last:%Y-%m-%d %H:%M:%S %Z}. Nothing from its unfinished transaction was saved. "
                 f"Try again runs it once more.")
        if _fail(job.pk, {"status": Job.Status.RUNNING, "heartbeat_at__lt": cutoff}, error):
            failed.append(job.pk)
            logger.warning("Job %s marked failed: heartbeat stale since %s", job.pk, job.heartbeat_at)
    backend = run_job.get_backend()
    if backend.supports_get_result:
        for job in jobs.filter(status=Job.Status.QUEUED, created_at__lt=cutoff).exclude(task_id="").only(
                "pk", "task_id"):
            try:
                taken = backend.get_result(job.task_id).status != TaskResultStatus.READY
            except TaskResultDoesNotExist:
                taken = True
            if taken and _fail(job.pk, {"status": Job.Status.QUEUED},
                               "A worker took this job but stopped before starting it. Nothing ran; "
                               "Try again runs it."):
                failed.append(job.pk)
                logger.warning("Job %s marked failed: its task was taken but the job never started", job.pk)
    return failed


def purge_old_job_inputs(*, older_than: datetime.timedelta | None = None) -> int:
    """Remove the input files of failed jobs that finished long ago (Try again then asks for a new upload),
    and files stored for a preview nobody confirmed within a day."""
    days = getattr(settings, "JOBS_INPUT_RETENTION_DAYS", 7)
    cutoff = timezone.now() - (older_than or datetime.timedelta(days=days))
    in_use = {name for files in Job.objects.filter(status__in=Job.ACTIVE).values_list("input_files", flat=True)
              for name in files}
    purged = 0
    for job in Job.objects.filter(status=Job.Status.FAILED, finished_at__lt=cutoff).exclude(input_files=[]):
        delete_job_inputs(name for name in job.input_files if name not in in_use)
        Job.objects.filter(pk=job.pk).update(input_files=[])
        purged += 1
    referenced = {name for files in Job.objects.values_list("input_files", flat=True) for name in files}
    purge_orphan_inputs(referenced=referenced, older_than=datetime.timedelta(days=1))
    return purged
