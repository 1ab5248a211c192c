"""The audit trail: `record_event()` is the only writer of AuditEvent rows.

Every event is chained to the one before it (`hash` = SHA-256 of the previous hash and the event's
canonical JSON). Writers serialise on one lock per database (PostgreSQL: a transaction-scoped
advisory lock; SQLite: the database write lock, taken at BEGIN because settings use IMMEDIATE
transactions), so the chain never forks and chain order equals time order. The event time comes
from the database clock.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from silqeqms.bulk import bulk_insert
from silqeqms.models import AuditEvent, User

# Arbitrary constant key for pg_advisory_xact_lock: "SQMS" in ASCII.
_CHAIN_LOCK_KEY = 0x53514D53


@dataclass
class AuditContext:
    batch_id: str
    request_ip: str | None = None


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("audit_context", default=None)


@contextlib.contextmanager
def audit_batch(*, request_ip: str | None = None, batch_id: str | None = None) -> Iterator[AuditContext]:
    """All events recorded inside share one batch id (one request, one import, one sync run)."""
    ctx = AuditContext(batch_id=batch_id or str(uuid.uuid4()), request_ip=request_ip)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


def current_batch_id() -> str:
    ctx = _context.get()
    return ctx.batch_id if ctx else ""


_PLAIN = {str, int, bool, float, type(None)}


def _jsonable(value: Any) -> Any:
    """Turn a value into plain JSON types, so that what is hashed is exactly what is stored."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


def diff_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every key whose value differs (None and "" count as the same: blank)."""
    changes = {}
    for key in new:
        before, after = _jsonable(old.get(key)), _jsonable(new.get(key))
        if before != after and not (before in (None, "") and after in (None, "")):
            changes[key] = [before, after]
    return changes


def creation_changes(instance: models.Model, fields: Iterable[str]) -> dict[str, list[Any]]:
    """{field: [None, value]} for the fields a new record was created with (blank ones left out)."""
    return {k: [None, _jsonable(v)] for k, v in model_values(instance, fields).items() if v not in (None, "")}


def model_values(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Snapshot of the given fields; foreign keys are recorded by their text, not their id."""
    values: dict[str, Any] = {}
    for name in fields:
        f = instance._meta.get_field(name)
        if f.is_relation:
            values[name] = str(getattr(instance, name) or "") or None
        else:
            values[name] = getattr(instance, name)
    return values


def canonical_json(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _hash_payload(event: AuditEvent) -> dict[str, Any]:
    at = event.at.astimezone(datetime.UTC) if timezone.is_aware(event.at) else event.at
    return {
        "seq": event.seq,
        "at": at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_repr": event.target_repr,
        "reason": event.reason,
        "changes": event.changes,
        "data": event.data,
        "request_ip": event.request_ip,
        "batch_id": event.batch_id,
        "prev_hash": event.prev_hash,
    }


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256((event.prev_hash + canonical_json(_hash_payload(event))).encode()).hexdigest()


def _lock_chain_and_read_clock() -> tuple[int, str, datetime.datetime]:
    """Inside the current transaction: take the chain lock, then read the head and the DB clock."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
            cursor.execute("SELECT clock_timestamp()")
            now = cursor.fetchone()[0]
        else:
            # SQLite: the IMMEDIATE transaction already holds the database write lock.
            cursor.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
            now = datetime.datetime.fromisoformat(cursor.fetchone()[0]).replace(tzinfo=datetime.UTC)
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = head if head else (0, "")
    # Microsecond precision survives every backend we use; truncate to what SQLite keeps too.
    now = now.replace(microsecond=(now.microsecond // 1000) * 1000)
    return seq, prev_hash, now


@dataclass
class PendingEvent:
    """An event to be written by `record_events()` (bulk paths: imports, syncs)."""

    action: str
    target: models.Model | None = None
    reason: str = ""
    changes: Mapping[str, Any] | None = None
    data: Mapping[str, Any] | None = None
    target_type: str = ""
    target_id: str = ""
    target_repr: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _target_fields(event: PendingEvent) -> tuple[str, str, str]:
    if event.target is not None:
        target = event.target
        return target._meta.label_lower, str(target.pk), str(target)[:255]
    return event.target_type, event.target_id, event.target_repr[:255]


@transaction.atomic
def record_events(*, actor: User | None, events: list[PendingEvent]) -> list[AuditEvent]:
    """Write several events in one pass: one lock, one clock reading, one bulk insert."""
    if not events:
        return []
    ctx = _context.get()
    seq, prev_hash, now = _lock_chain_and_read_clock()
    rows = []
    for pending in events:
        target_type, target_id, target_repr = _target_fields(pending)
        seq += 1
        row = AuditEvent(
            seq=seq,
            at=now,
            actor=actor,
            actor_label=actor.get_username() if actor else "system",
            action=pending.action,
            target_type=target_type,
            target_id=target_id,
            target_repr=target_repr,
            reason=pending.reason.strip(),
            changes=_jsonable(dict(pending.changes or {})),
            data=_jsonable(dict(pending.data or {})),
            request_ip=ctx.request_ip if ctx else None,
            batch_id=ctx.batch_id if ctx else str(uuid.uuid4()),
            prev_hash=prev_hash,
        )
        row.hash = compute_hash(row)
        prev_hash = row.hash
        rows.append(row)
    bulk_insert(AuditEvent, rows)
    return rows


def record_event(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    reason: str = "",
    changes: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    target_type: str = "",
    target_id: str = "",
    target_repr: str = "",
) -> AuditEvent:
    """Record one event in the caller's transaction (so the data write and its event commit together)."""
    (event,) = record_events(
        actor=actor,
        events=[
            PendingEvent(
                action=action,
                target=target,
                reason=reason,
                changes=changes,
                data=data,
                target_type=target_type,
                target_id=target_id,
                target_repr=target_repr,
            )
        ],
    )
    return event


@dataclass
class ChainReport:
    verified: int
    broken_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify_chain(chunk_size: int = 5000) -> ChainReport:
    """Walk the chain in order; report the first event whose hash or link does not match."""
    prev_hash = ""
    expected_seq = 1
    count = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            return ChainReport(count, event.seq, f"event #{expected_seq} is missing (next found is #{event.seq})")
        if event.prev_hash != prev_hash:
            return ChainReport(count, event.seq, f"event #{event.seq} does not link to the event before it")
        if compute_hash(event) != event.hash:
            return ChainReport(count, event.seq, f"event #{event.seq} was altered after it was recorded")
        prev_hash = event.hash
        expected_seq += 1
        count += 1
    return ChainReport(count)


def history_for(instance: models.Model):
    """The audit events about one object, newest first."""
    return AuditEvent.objects.filter(target_type=instance._meta.label_lower, target_id=str(instance.pk)).order_by(
        "-seq"
    )
