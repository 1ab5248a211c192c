"""Writes of a recall's consignees: notified → responded → closed, or unreachable; later shipments added
to the list. Each change is one transaction with its audit event, refused on a stale version."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from recalls.models import ConsigneeStatus, NotifyMethod, Recall, RecallConsignee, RecallStatus
from recalls.scope import recall_scope_entries
from recalls.selectors import changed_shipments_in_scope, new_shipments_in_scope
from recalls.services.freezing import freeze_entries
from silqeqms.audit import PendingEvent, diff_fields, model_values, record_event, record_events
from silqeqms.edits import check_version, require_reason
from silqeqms.models import User

NOTICE_FIELDS = ("status", "notified_at", "notify_method", "confirmed_in_writing_on", "renotify")
RESPONSE_FIELDS = ("status", "responded_at", "responder", "units_on_hand", "units_returned", "units_destroyed",
                   "units_corrected")
UNIT_FIELDS = ("units_on_hand", "units_returned", "units_destroyed", "units_corrected")
# A time a person enters may run a little ahead of the server's clock, never more.
CLOCK_SKEW = datetime.timedelta(minutes=10)
NOTE_MAX_LENGTH = 2000


def _locked(consignee: RecallConsignee, version: int | None) -> RecallConsignee:
    locked = (RecallConsignee.objects.select_for_update(of=("self",)).select_related("recall", "updated_by")
              .get(pk=consignee.pk))
    if locked.recall.status != RecallStatus.OPEN:
        raise ValidationError(f"{locked.recall.number} is {locked.recall.get_status_display().lower()}: its "
                              "consignees change only while it is open.")
    check_version(locked, version, "consignee")
    return locked


def _check_time(value: datetime.datetime, field: str, *, not_before: datetime.datetime | None, what: str) -> None:
    if value > timezone.now() + CLOCK_SKEW:
        raise ValidationError({field: "This time is in the future."})
    if not_before is not None and value < not_before.replace(second=0, microsecond=0):
        raise ValidationError({field: f"This is before {what} "
                                      f"({timezone.localtime(not_before):%Y-%m-%d %H:%M})."})


def _save(actor: User, locked: RecallConsignee, old: dict, fields: tuple[str, ...], action: str, reason: str,
          ) -> RecallConsignee:
    changes = diff_fields(old, model_values(locked, fields))
    locked.version += 1
    locked.updated_by = actor
    locked.save()
    record_event(actor=actor, action=action, target=locked, reason=reason, changes=changes,
                 data={"recall": locked.recall.number})
    return locked


@transaction.atomic
def notify_consignee(*, actor: User, consignee: RecallConsignee, notified_at: datetime.datetime, method: str,
                     reason: str, version: int | None, confirmed_in_writing_on: datetime.date | None = None
                     ) -> RecallConsignee:
    """Record how and when the consignee was told (again, after lines were added). A phone call counts
    once it is confirmed in writing (21 CFR 7.49(c)): the date the confirmation went out is required."""
    reason = require_reason(reason)
    locked = _locked(consignee, version)
    if locked.status in (ConsigneeStatus.RESPONDED, ConsigneeStatus.CLOSED) and not locked.renotify:
        raise ValidationError(f"{locked.reference} has already {locked.get_status_display().lower()}.")
    if method not in NotifyMethod.values:
        raise ValidationError({"method": f"“{method}” is not a method: use letter, email, phone or visit."})
    _check_time(notified_at, "notified_at", not_before=locked.recall.opened_at, what="the recall was opened")
    if method == NotifyMethod.PHONE:
        if confirmed_in_writing_on is None:
            raise ValidationError({"confirmed_in_writing_on": "A phone call must be confirmed in writing (21 CFR "
                                                              "7.49(c)): give the day the letter or e-mail went out."})
        if confirmed_in_writing_on < timezone.localdate(notified_at):
            raise ValidationError({"confirmed_in_writing_on": "The written confirmation cannot precede the call."})
    else:
        confirmed_in_writing_on = None
    old = model_values(locked, NOTICE_FIELDS)
    if locked.status in (ConsigneeStatus.PENDING, ConsigneeStatus.UNREACHABLE):
        locked.status = ConsigneeStatus.NOTIFIED
    locked.notified_at, locked.notify_method = notified_at, method
    locked.confirmed_in_writing_on, locked.renotify = confirmed_in_writing_on, False
    return _save(actor, locked, old, NOTICE_FIELDS, "recall_consignee.notified", reason)


def check_response(consignee: RecallConsignee, *, responded_at: datetime.datetime, units: dict[str, int | None]
                   ) -> None:
    """The rules of a response, for the form and the responses CSV alike (ValidationError by field)."""
    if consignee.status not in (ConsigneeStatus.NOTIFIED, ConsigneeStatus.RESPONDED):
        raise ValidationError(f"{consignee.reference} is {consignee.get_status_display().lower()}: a response is "
                              "recorded after the notification (and before the consignee is closed).")
    _check_time(responded_at, "responded_at", not_before=consignee.notified_at, what="its notification")
    for name in UNIT_FIELDS:
        value = units.get(name)
        if value is not None and value < 0:
            raise ValidationError({name: "A count of units is 0 or more."})
    accounted = sum(units.get(name) or 0 for name in UNIT_FIELDS)
    if accounted > consignee.units:
        raise ValidationError({"units_returned": f"The response accounts for {accounted:,} units, but "
                                                 f"{consignee.units:,} were shipped to this consignee."})


@transaction.atomic
def record_response(*, actor: User, consignee: RecallConsignee, responded_at: datetime.datetime, responder: str,
                    units: dict[str, int | None], reason: str, version: int | None) -> RecallConsignee:
    """What the consignee answered: who, when, units on hand, returned, destroyed, corrected. Recording it
    again corrects the earlier answer (audited)."""
    reason = require_reason(reason)
    locked = _locked(consignee, version)
    check_response(locked, responded_at=responded_at, units=units)
    old = model_values(locked, RESPONSE_FIELDS)
    locked.status, locked.responded_at, locked.responder = ConsigneeStatus.RESPONDED, responded_at, responder.strip()[:150]
    for name in UNIT_FIELDS:
        setattr(locked, name, units.get(name))
    return _save(actor, locked, old, RESPONSE_FIELDS, "recall_consignee.responded", reason)


@transaction.atomic
def close_consignee(*, actor: User, consignee: RecallConsignee, reason: str, version: int | None) -> RecallConsignee:
    reason = require_reason(reason)
    locked = _locked(consignee, version)
    if locked.status != ConsigneeStatus.RESPONDED:
        raise ValidationError(f"{locked.reference} is {locked.get_status_display().lower()}: a consignee is closed "
                              "once its response is recorded.")
    if locked.renotify:
        raise ValidationError(f"{locked.reference} must first be told of the shipments added since its notification.")
    old = model_values(locked, ("status", "closed_at"))
    locked.status, locked.closed_at = ConsigneeStatus.CLOSED, timezone.now()
    return _save(actor, locked, old, ("status", "closed_at"), "recall_consignee.closed", reason)


@transaction.atomic
def mark_unreachable(*, actor: User, consignee: RecallConsignee, note: str, version: int | None) -> RecallConsignee:
    """Every reasonable attempt failed; the note (also the audit reason) says what was tried."""
    note = require_reason(note)
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"reason": f"Keep the note under {NOTE_MAX_LENGTH:,} characters."})
    locked = _locked(consignee, version)
    if locked.status not in (ConsigneeStatus.PENDING, ConsigneeStatus.NOTIFIED):
        raise ValidationError(f"{locked.reference} is {locked.get_status_display().lower()}: only a consignee "
                              "not yet answering can be marked unreachable.")
    old = model_values(locked, ("status", "note"))
    locked.status, locked.note = ConsigneeStatus.UNREACHABLE, note
    return _save(actor, locked, old, ("status", "note"), "recall_consignee.unreachable", note)


@transaction.atomic
def add_later_shipments(*, actor: User, recall: Recall, entry_ids: Iterable[int], reason: str) -> int:
    """Put shipments in scope that are not on the list (or changed since frozen) on it: new consignees
    are added, existing ones get the lines (and must be told of them if already notified). Entries that
    are not (or no longer) such shipments are refused, so the list never takes what the page did not show."""
    reason = require_reason(reason)
    locked = Recall.objects.select_for_update(of=("self",)).get(pk=recall.pk)
    if locked.status != RecallStatus.OPEN:
        raise ValidationError(f"{locked.number} is {locked.get_status_display().lower()}: shipments are added "
                              "while it is open.")
    wanted = set(entry_ids)
    if not wanted:
        raise ValidationError("Choose the shipments to add.")
    scope = recall_scope_entries(locked)
    candidates = {e.pk: e for qs in (new_shipments_in_scope(locked, scope), changed_shipments_in_scope(locked, scope))
                  for e in qs.filter(pk__in=wanted).select_related("rep")}
    missing = sorted(wanted - set(candidates))
    if missing:
        raise ValidationError(f"Entr{'ies' if len(missing) > 1 else 'y'} {', '.join(map(str, missing[:10]))} "
                              "is no longer a shipment to add (already added, voided or out of scope): reload the page.")
    entries = sorted(candidates.values(), key=lambda e: (e.ship_date, e.pk))
    frozen = freeze_entries(recall=locked, entries=entries, actor=actor, late=True)
    locked.list_completed_at = timezone.now()
    locked.version += 1
    locked.updated_by = actor
    locked.save(update_fields=["list_completed_at", "version", "updated_by", "updated_at"])
    record_event(actor=actor, action="recall.shipments_added", target=locked, reason=reason,
                 data={"entries": [e.pk for e in entries], "new_lines": len(frozen.new_lines),
                       "refreshed_lines": len(frozen.refreshed_lines),
                       "new_consignees": [c.pk for c in frozen.new_consignees]})
    record_events(actor=actor, return_events=False, events=[
        *(PendingEvent(action="recall_consignee.added", target=c, reason=reason,
                       data={"recall": locked.number, "customer_id": c.customer_id, "units": c.units, "lots": c.lots,
                             "after_opening": True})
          for c in frozen.new_consignees),
        *(PendingEvent(action="recall_consignee.lines_changed", target=c, reason=reason, changes=changes,
                       data={"recall": locked.number})
          for c, changes in frozen.changed_consignees)])
    return len(entries)
