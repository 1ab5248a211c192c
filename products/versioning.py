"""Reasons and optimistic locking for products' edits.

LOCAL COPIES of customers.services' `StaleVersionError`, `require_reason` and `stale_version_error`
(products may not import customers: they are siblings in the layer rule). Delete this module when those
three move to silqeqms, and import them from there instead.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format


class StaleVersionError(ValidationError):
    """Someone saved the record after this form was opened; nothing was overwritten."""


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason for this change."}, code="reason_required")
    return reason


def stale_version_error(record, label: str) -> StaleVersionError:
    who = record.updated_by if getattr(record, "updated_by", None) else None
    when = date_format(timezone.localtime(record.updated_at), "DATETIME_FORMAT")
    by = f" by {who.get_username()}" if who else ""
    return StaleVersionError(
        f"This {label} was changed{by} at {when} after you opened it. Nothing was saved: reload to see "
        "their change, then make yours again.",
        code="stale_version",
    )
