"""Core models: the custom user and the append-only, hash-chained audit trail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.urls import reverse


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """`manage.py createsuperuser` goes through the audited user service like every other path."""
        from silqeqms.users.services import create_user

        names = {k: extra_fields.pop(k, "") for k in ("first_name", "last_name")}
        return create_user(actor=None, username=username, password=password, email=email or "",
                           reason="manage.py createsuperuser", is_staff=True, is_superuser=True, **names)


class User(AbstractUser):
    """A SilqeQMS user. Sales reps are users in the `sales_rep` group. Users are never deleted."""

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        permissions = [("manage_users", "Manage users and their roles")]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class AuditEvent(models.Model):
    """One recorded event. Rows are written only by `silqeqms.audit.record_event()`.

    `hash` = SHA-256(prev_hash + canonical JSON of the event), so any edit of a stored row, or a
    row removed from the middle, breaks the chain that `manage.py verify_audit` walks. Database
    triggers (installed by migration 0002) refuse UPDATE and DELETE on this table.
    """

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(db_index=True, editable=False)
    # Indexed by audit_actor_idx (actor, seq); a second, plain FK index would only slow every insert.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_ip = models.GenericIPAddressField(null=True, blank=True)
    batch_id = models.CharField(max_length=36, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    # Not indexed: nothing looks an event up by its hash (the chain is walked by seq), and an index of
    # random SHA-256 values cost ~1 s per 100,000 imported rows. seq is unique, so the chain cannot fork.
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        default_permissions = ()
        permissions = [("view_audit", "Can view the audit trail")]
        indexes = [
            models.Index(fields=["target_type", "target_id", "seq"], name="audit_target_idx"),
            models.Index(fields=["actor", "seq"], name="audit_actor_idx"),
            # Declared here rather than db_index=True, which on PostgreSQL adds a second, LIKE-only index.
            models.Index(fields=["action"], name="audit_action_idx"),
            models.Index(fields=["batch_id"], name="audit_batch_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_repr}".strip()

    def get_absolute_url(self) -> str:
        return reverse("audit_list") + f"?seq={self.seq}"


# Background jobs live in their own package; Django finds the model through this module.
from silqeqms.jobs.models import Job  # noqa: E402

__all__ = ["AuditEvent", "Job", "User"]
