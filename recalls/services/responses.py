"""The responses CSV against the recall: a plan (what each row would change, every reason it cannot) for the
preview, then every row written or none, refused if a consignee changed since the preview."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from recalls.models import ConsigneeStatus, Recall, RecallConsignee, RecallStatus, consignee_reference
from recalls.responses_csv import ResponseRow
from recalls.services.consignees import RESPONSE_FIELDS, UNIT_FIELDS, check_response
from silqeqms.audit import (
    PendingEvent,
    audit_batch,
    current_batch_id,
    diff_fields,
    model_values,
    record_events,
)
from silqeqms.edits import require_reason
from silqeqms.models import User


@dataclass
class PlannedResponse:
    row: ResponseRow
    consignee: RecallConsignee
    responded_at: datetime.datetime
    changes: dict


@dataclass
class ResponsePlan:
    lines: list[PlannedResponse] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """What the confirmation must still find: each row's consignee at the version the preview read."""
        state = "|".join(f"{p.row.line}:{p.consignee.pk}:{p.consignee.version}" for p in self.lines)
        return hashlib.sha256(state.encode()).hexdigest()

    @property
    def closing(self) -> int:
        return sum(1 for p in self.lines if p.row.close)


def _responded_at(row: ResponseRow, consignee: RecallConsignee) -> datetime.datetime:
    """The time given; a date alone is taken as noon local time (a day's answer, not its first minute),
    kept after a notification on that same day and never later than now."""
    if row.responded_time is not None:
        return timezone.make_aware(datetime.datetime.combine(row.responded_on, row.responded_time))
    moment = timezone.make_aware(datetime.datetime.combine(row.responded_on, datetime.time(12, 0)))
    notified = consignee.notified_at
    if notified is not None and timezone.localdate(notified) == row.responded_on:
        moment = max(moment, notified)
    return min(moment, timezone.now()) if row.responded_on == timezone.localdate() else moment


def plan_responses(recall: Recall, rows: list[ResponseRow], *, lock: bool = False) -> ResponsePlan:
    """Writes nothing. One query (the recall's consignees; locked when `lock`)."""
    plan = ResponsePlan()
    if recall.status != RecallStatus.OPEN:
        plan.errors.append(f"{recall.number} is {recall.get_status_display().lower()}: responses are recorded "
                           "while it is open.")
        return plan
    consignees = RecallConsignee.objects.filter(recall=recall).select_related("recall")
    if lock:
        consignees = consignees.select_for_update(of=("self",))
    by_reference = {consignee_reference(recall.number, c.number): c for c in consignees}
    for row in rows:
        where = f"Line {row.line}, reference '{row.reference}'"
        consignee = by_reference.get(row.reference)
        if consignee is None:
            plan.errors.append(f"{where}: no consignee of {recall.number} has this reference.")
            continue
        responded_at = _responded_at(row, consignee)
        try:
            check_response(consignee, responded_at=responded_at, units=row.units)
        except ValidationError as error:
            plan.errors += [f"{where}: {message}" for message in error.messages]
            continue
        if row.close and consignee.renotify:
            plan.errors.append(f"{where}: cannot be closed before it is told of the shipments added since its "
                               "notification.")
            continue
        new = {"status": ConsigneeStatus.CLOSED if row.close else ConsigneeStatus.RESPONDED,
               "responded_at": responded_at, "responder": row.responder, **row.units}
        plan.lines.append(PlannedResponse(row, consignee, responded_at,
                                          diff_fields(model_values(consignee, RESPONSE_FIELDS), new)))
    return plan


@dataclass
class ResponsesResult:
    recorded: int
    closed: int
    batch_id: str


@transaction.atomic
def import_responses(*, actor: User, recall: Recall, rows: list[ResponseRow], reason: str, file_name: str = "",
                     sha256: str = "", expected_fingerprint: str | None = None) -> ResponsesResult:
    """Every row or none: each consignee's response (and closure when the row asks), one audit event each."""
    reason = require_reason(reason)
    if not rows:
        raise ValidationError("The file has no rows.")
    recall = Recall.objects.select_for_update(of=("self",)).get(pk=recall.pk)
    plan = plan_responses(recall, rows, lock=True)
    if plan.errors:
        raise ValidationError(plan.errors)
    if expected_fingerprint is not None and plan.fingerprint != expected_fingerprint:
        raise ValidationError("A consignee of these rows changed since the preview. Nothing was recorded: upload "
                              "the file again to see the current preview.", code="stale_preview")
    now = timezone.now()
    events = []
    for planned in plan.lines:
        consignee, row = planned.consignee, planned.row
        consignee.status = ConsigneeStatus.CLOSED if row.close else ConsigneeStatus.RESPONDED
        consignee.responded_at, consignee.responder = planned.responded_at, row.responder
        for name in UNIT_FIELDS:
            setattr(consignee, name, row.units.get(name))
        if row.close:
            consignee.closed_at = now
        if row.note:
            consignee.note = row.note
        consignee.version += 1
        consignee.updated_by, consignee.updated_at = actor, now
        events.append(PendingEvent(action="recall_consignee.responded", target=consignee, reason=reason,
                                   changes=planned.changes,
                                   data={"recall": recall.number, "file_name": file_name, "line": row.line,
                                         "note": row.note}))
    RecallConsignee.objects.bulk_update(
        [p.consignee for p in plan.lines],
        [*RESPONSE_FIELDS, "closed_at", "note", "version", "updated_by", "updated_at"], batch_size=500)
    with contextlib.nullcontext() if current_batch_id() else audit_batch():
        record_events(actor=actor, events=events)
        record_events(actor=actor, events=[PendingEvent(
            action="recall.responses_imported", target=recall, reason=reason,
            data={"file_name": file_name, "sha256": sha256, "rows": len(rows), "closed": plan.closing})])
        batch_id = current_batch_id()
    return ResponsesResult(recorded=len(plan.lines), closed=plan.closing, batch_id=batch_id)
