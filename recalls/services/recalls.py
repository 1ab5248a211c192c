"""Writes of the recall record: create a draft, edit it, open it (freezing the consignee list and, unless it
is a mock recall, setting its lots to recalled), close it (e-signed)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from products.identifiers import clean_lot_number, clean_sku, match_key
from products.models import LotStatus
from products.services import change_lot_status, ensure_lots
from recalls.models import LEVEL_B_RANGE, ConsigneeStatus, Kind, Level, Recall, RecallConsignee, RecallStatus
from recalls.scope import recall_scope_entries, unique_values
from recalls.selectors import catalogue_lots, later_shipments
from recalls.services.freezing import freeze_entries
from silqeqms.audit import (
    PendingEvent,
    creation_changes,
    diff_fields,
    model_values,
    record_event,
    record_events,
)
from silqeqms.edits import check_version, require_reason
from silqeqms.locks import hold_lock
from silqeqms.models import User
from silqeqms.signatures import record_signature, verify_signature

CLOSE_MEANING = "I approve the closure of this recall"
DETAIL_FIELDS = ("title", "reason", "health_hazard", "instructions", "classification", "depth", "level",
                 "level_b_percent")
SCOPE_FIELDS = ("kind", "lots", "skus", "ship_date_from", "ship_date_to")
RECALL_FIELDS = (*DETAIL_FIELDS, *SCOPE_FIELDS)
TEXT_LIMITS = {"title": 200, "reason": 5000, "health_hazard": 5000, "instructions": 5000}
MAX_SCOPE_VALUES = 200
NUMBERING_LOCK = "recalls.numbering"


def _clean_list(values: Any, name: str, clean) -> list[str]:
    if isinstance(values, str):
        values = values.splitlines()
    cleaned = []
    for value in unique_values(values or []):
        try:
            cleaned.append(clean(value, strict=False))
        except ValidationError as error:
            raise ValidationError({name: error.messages}) from None
    if len(cleaned) > MAX_SCOPE_VALUES:
        raise ValidationError({name: f"At most {MAX_SCOPE_VALUES} per recall ({len(cleaned)} given)."})
    return cleaned


def _validated(data: Mapping[str, Any], current: Recall | None = None) -> dict[str, Any]:
    """The recall's fields from `data` (missing ones from `current`), checked together."""
    values = {name: data[name] if name in data else getattr(current, name, None) for name in RECALL_FIELDS}
    for name, limit in TEXT_LIMITS.items():
        values[name] = (values[name] or "").strip()
        if len(values[name]) > limit:
            raise ValidationError({name: f"Keep it under {limit:,} characters (it has {len(values[name]):,})."})
    for name in ("title", "reason"):
        if not values[name]:
            raise ValidationError({name: "This field is required."})
    values["kind"] = values["kind"] or Kind.RECALL
    if values["kind"] not in Kind.values:
        raise ValidationError({"kind": f"“{values['kind']}” is not a kind: use {', '.join(Kind.values)}."})
    values["level"] = values["level"] or Level.A
    if values["level"] not in Level.values:
        raise ValidationError({"level": f"“{values['level']}” is not a level: use A, B, C, D or E."})
    low, high = LEVEL_B_RANGE
    if values["level"] == Level.B:
        share = values["level_b_percent"]
        if share is None or not low < share < high:
            raise ValidationError({"level_b_percent": f"Level B checks a share of consignees greater than {low} % "
                                                      f"and less than {high} % (21 CFR 7.42(b)(3)(ii)): set it."})
    else:
        values["level_b_percent"] = None
    values["lots"] = _clean_list(values["lots"], "lots", clean_lot_number)
    values["skus"] = _clean_list(values["skus"], "skus", clean_sku)
    if not values["lots"] and not values["skus"]:
        raise ValidationError({"lots": "Name at least one lot, or SKUs with a ship-date range."})
    if values["skus"] and values["ship_date_from"] is None:
        raise ValidationError({"ship_date_from": "SKUs are recalled from a first ship date: give it."})
    if values["ship_date_from"] and values["ship_date_to"] and values["ship_date_from"] > values["ship_date_to"]:
        raise ValidationError({"ship_date_to": "The end date is before the start date."})
    values["classification"] = values["classification"] or "pending"
    values["depth"] = values["depth"] or "user"
    return values


def _next_number(year: int) -> tuple[int, str]:
    hold_lock(NUMBERING_LOCK)
    sequence = (Recall.objects.filter(year=year).aggregate(n=Max("sequence"))["n"] or 0) + 1
    return sequence, f"RCL-{year}-{sequence:03d}"


@transaction.atomic
def create_recall(*, actor: User, data: Mapping[str, Any]) -> Recall:
    """A draft: numbered RCL-<year>-<n> (sequential per year); nothing is frozen or recalled yet."""
    values = _validated(data)
    year = timezone.localdate().year
    sequence, number = _next_number(year)
    recall = Recall(year=year, sequence=sequence, number=number, created_by=actor, updated_by=actor, **values)
    recall.full_clean(validate_constraints=False)
    recall.save()
    record_event(actor=actor, action="recall.created", target=recall,
                 changes=creation_changes(recall, ("number", *RECALL_FIELDS)))
    return recall


def _locked(recall: Recall, version: int | None) -> Recall:
    locked = Recall.objects.select_for_update(of=("self",)).select_related("updated_by").get(pk=recall.pk)
    check_version(locked, version, "recall")
    return locked


@transaction.atomic
def update_recall(*, actor: User, recall: Recall, data: Mapping[str, Any], reason: str, version: int) -> Recall:
    """Edit with a reason. The scope and kind change only while the recall is a draft; a closed recall
    does not change."""
    reason = require_reason(reason)
    locked = _locked(recall, version)
    if locked.status == RecallStatus.CLOSED:
        raise ValidationError(f"{locked.number} is closed: it no longer changes.")
    if locked.status != RecallStatus.DRAFT:
        frozen = [name for name in SCOPE_FIELDS if name in data and _differs(data[name], getattr(locked, name))]
        if frozen:
            raise ValidationError({frozen[0]: "The scope and kind are frozen once the recall is open; add later "
                                              "shipments from the recall page instead."})
    values = _validated(data, locked)
    old = model_values(locked, RECALL_FIELDS)
    for name, value in values.items():
        setattr(locked, name, value)
    changes = diff_fields(old, model_values(locked, RECALL_FIELDS))
    if not changes:
        return locked
    locked.version += 1
    locked.updated_by = actor
    locked.full_clean(validate_constraints=False)
    locked.save()
    record_event(actor=actor, action="recall.updated", target=locked, reason=reason, changes=changes)
    return locked


def _differs(given: Any, current: Any) -> bool:
    if isinstance(current, list):
        given = given.splitlines() if isinstance(given, str) else given
        return [match_key(v) for v in unique_values(given or [])] != [match_key(v) for v in current]
    return given != current


@transaction.atomic
def open_recall(*, actor: User, recall: Recall, reason: str, version: int | None = None) -> Recall:
    """Freeze the consignee list from the live entries in scope and open the recall. A recall that is not
    a mock sets its lots (every product's lot with that number) to recalled from today, which stops new
    shipments of them; a mock recall never touches lot status."""
    reason = require_reason(reason)
    locked = _locked(recall, version)
    if locked.status != RecallStatus.DRAFT:
        raise ValidationError(f"{locked.number} is already {locked.get_status_display().lower()}.")
    entries = list(recall_scope_entries(locked).select_related("rep").order_by("ship_date", "id"))
    if not entries:
        raise ValidationError("No live distribution entry is in this recall's scope, so there is nobody to notify. "
                              "Check its lots, SKUs and dates.")
    frozen = freeze_entries(recall=locked, entries=entries, actor=actor, late=False)
    now = timezone.now()
    old = {"status": locked.status}
    locked.status, locked.opened_at, locked.opened_by, locked.list_completed_at = RecallStatus.OPEN, now, actor, now
    locked.version += 1
    locked.updated_by = actor
    locked.save()
    recalled = [] if locked.is_mock else _recall_lots(actor=actor, recall=locked, entries=entries, reason=reason)
    record_event(actor=actor, action="recall.opened", target=locked, reason=reason,
                 changes={"status": [old["status"], RecallStatus.OPEN]},
                 data={"consignees": len(frozen.new_consignees), "lines": len(frozen.new_lines),
                       "units": sum(line.quantity for line in frozen.new_lines), "lots_recalled": recalled,
                       "mock": locked.is_mock})
    record_events(actor=actor, return_events=False, events=[
        PendingEvent(action="recall_consignee.added", target=c, reason=reason,
                     data={"recall": locked.number, "customer_id": c.customer_id, "units": c.units, "lots": c.lots})
        for c in frozen.new_consignees])
    return locked


def _recall_lots(*, actor: User, recall: Recall, entries: list, reason: str) -> list[str]:
    """Set the recall's lots to recalled: the catalogue's lots with those numbers, and a lot record for each
    (SKU, lot) shipped whose SKU is a known product. Returns "SKU lot" of each lot it changed."""
    keys = {match_key(lot) for lot in recall.lots}
    ensure_lots(actor=actor, reason=f"{recall.number} opened",
                lots={(e.sku, e.lot_number) for e in entries if match_key(e.lot_number) in keys})
    changed = []
    for lot in catalogue_lots(recall.lots):
        if lot.status == LotStatus.RECALLED:
            continue
        change_lot_status(actor=actor, lot=lot, status=LotStatus.RECALLED, version=None,
                          reason=f"{recall.number} opened: {reason}")
        changed.append(f"{lot.product.sku} {lot.lot_number}")
    return changed


def closing_problems(recall: Recall) -> list[str]:
    """Why the recall cannot be closed yet (empty when it can). A few counting queries."""
    if recall.status != RecallStatus.OPEN:
        return [f"{recall.number} is {recall.get_status_display().lower()}: only an open recall is closed."]
    problems = []
    consignees = RecallConsignee.objects.filter(recall=recall)
    waiting = consignees.exclude(status__in=[ConsigneeStatus.CLOSED, ConsigneeStatus.UNREACHABLE]).count()
    if waiting:
        problems.append(f"{waiting} consignee{'s are' if waiting != 1 else ' is'} not closed or marked unreachable.")
    renotify = consignees.filter(renotify=True).count()
    if renotify:
        problems.append(f"{renotify} consignee{'s' if renotify != 1 else ''} must still be told of shipments added "
                        "after their notification.")
    later = later_shipments(recall)
    if later.to_add:
        problems.append(f"{later.to_add} shipment{'s' if later.to_add != 1 else ''} in scope "
                        f"{'are' if later.to_add != 1 else 'is'} not on the consignee list: add "
                        f"{'them' if later.to_add != 1 else 'it'} first.")
    return problems


def close_recall(*, actor: User, recall: Recall, password: str, reason: str, version: int,
                 request: HttpRequest | None = None) -> Recall:
    """Close with the person's electronic signature ("I approve the closure of this recall", 21 CFR 11.50):
    the password is verified first (a refusal is recorded and kept), then the recall is closed and the
    signature recorded in one transaction. Closing never releases the recalled lots."""
    reason = require_reason(reason)
    problems = closing_problems(recall)
    if problems:
        raise ValidationError(problems)
    verify_signature(user=actor, password=password, meaning=CLOSE_MEANING, target=recall, request=request)
    return _close(actor=actor, recall=recall, reason=reason, version=version)


@transaction.atomic
def _close(*, actor: User, recall: Recall, reason: str, version: int) -> Recall:
    locked = _locked(recall, version)
    problems = closing_problems(locked)
    if problems:
        raise ValidationError(problems)
    signature = record_signature(user=actor, meaning=CLOSE_MEANING, target=locked, reason=reason)
    locked.status, locked.closed_at, locked.closed_by = RecallStatus.CLOSED, signature.at, actor
    locked.closure_summary = reason
    locked.version += 1
    locked.updated_by = actor
    locked.save()
    record_event(actor=actor, action="recall.closed", target=locked, reason=reason,
                 changes={"status": [RecallStatus.OPEN, RecallStatus.CLOSED]},
                 data={"signature_seq": signature.seq, "meaning": CLOSE_MEANING})
    return locked
