"""Reading the trail back: the events about one object."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from silqeqms.models import AuditEvent


def history_for(instance: models.Model) -> QuerySet[AuditEvent]:
    """The audit events about one object, newest first."""
    return AuditEvent.objects.filter(target_type=instance._meta.label_lower, target_id=str(instance.pk)).order_by(
        "-seq"
    )
