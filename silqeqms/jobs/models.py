"""The Job row: what the task libraries do not keep — who started what, progress, heartbeat, outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class Job(models.Model):
    """One attempt at a piece of background work. "Try again" makes a new row (`retry_of`, `attempt`).

    Written only by silqeqms.jobs (services, runner, progress reporter); each write is its own short
    transaction, never part of the work's transaction.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField(max_length=100)
    params = models.JSONField(default=dict, blank=True)
    # Storage names (default_storage) of the files the job reads; removed once an attempt succeeds.
    input_files = models.JSONField(default=list, blank=True)
    # Null for system work (cron, management commands). Users are never deleted.
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", db_index=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    retry_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="retries")
    # Every audit event the job records carries this batch id and the starter's address (the worker has
    # no request of its own), so the audit trail shows what one job did.
    audit_batch_id = models.CharField(max_length=36, blank=True)
    request_ip = models.GenericIPAddressField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)  # the django-tasks result id, for the logs
    worker = models.CharField(max_length=200, blank=True)  # "host:pid" of the process that ran it
    # What this job claimed (an import's staged upload): a second start with the same key gets this job
    # instead of a second one, so a confirm sent twice (a double click, two tabs) runs once.
    claim_key = models.CharField(max_length=100, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-id"]
        default_permissions = ()
        permissions = [("view_all_jobs", "See everyone's background jobs")]
        indexes = [
            # "your jobs" lists and the navigation badge (started_by + status), newest first.
            models.Index(fields=["started_by", "status", "-id"], name="job_starter_idx"),
            # the stale-heartbeat sweep
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat_idx"),
        ]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.kind}, {self.status})"

    def get_absolute_url(self) -> str:
        return reverse("jobs:job_detail", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int | None:
        """Whole percent done, None while the total is unknown; a finished success is 100."""
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return None
        return max(0, min(100, self.done * 100 // self.total))
