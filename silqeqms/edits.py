"""The rules every change to a record follows, whatever the app: a reason is required, and an edit
made from a stale copy is refused (optimistic locking by `version`), naming who changed it and when."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

# The longest reason a person may give; forms (ReasonField) and services refuse longer ones alike.
REASON_MAX_LENGTH = 1000


class StaleVersionError(ValidationError):
    """Someone saved the record after this form was opened; nothing was overwritten."""


def require_reason(reason: str | None) -> str:
    """The reason, stripped; blank or whitespace-only is refused before anything is written."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason for this change."}, code="reason_required")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX_LENGTH:,} characters "
                                         f"(it has {len(reason):,})."}, code="reason_too_long")
    return reason


def stale_version_error(record: models.Model, label: str) -> StaleVersionError:
    """The refusal for an edit of `record` (freshly read, locked) made from an older version."""
    who = getattr(record, "updated_by", None)
    when = date_format(timezone.localtime(record.updated_at), "DATETIME_FORMAT")
    by = f" by {who.get_username()}" if who else ""
    return StaleVersionError(
        f"This {label} was changed{by} at {when} after you opened it. Nothing was saved: reload to see "
        "their change, then make yours again.",
        code="stale_version",
    )


def check_version(record: models.Model, version: int | None, label: str) -> None:
    """Refuse the edit when the form was read at another version (None: the caller holds no version)."""
    if version is not None and record.version != version:
        raise stale_version_error(record, label)
