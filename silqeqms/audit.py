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
import dataclasses
import datetime
import decimal
import hashlib
import itertools
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from silqeqms.bulk import bulk_insert, copy_rows
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
    kind = type(value)
    if kind in _PLAIN:
        return value
    # Fast paths for the shapes events are made of ({field: [old, new]}, {"line": n}): plain leaves
    # are kept as they are without a call per leaf; anything else goes through the general rules below.
    if kind is dict:
        return {k if type(k) is str else str(k): v if type(v) in _PLAIN else _jsonable(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else _jsonable(v) for v in value]
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


# The same encoder json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds per call.
_canonical_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_json(payload: Mapping[str, Any]) -> str:
    return _canonical_encode(payload)


# The same, with _jsonable() for what JSON has no type for (dates, decimals, models…), met only at the
# leaves that need it: an event's changes are encoded in one C pass instead of being copied first.
_lenient_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                                   default=_jsonable).encode


def _event_json(value: Mapping[str, Any] | None) -> str:
    """canonical_json(_jsonable(value)): what an event's changes or data are hashed and stored as."""
    if not value:
        return "{}"
    if type(value) is dict:
        try:
            return _lenient_encode(value)  # keys as JSON writes them (3 -> "3")
        except TypeError:  # keys of mixed types, which cannot be sorted: the general rules below
            pass
    return _canonical_encode(_jsonable(value))


def _json_value(value: Any) -> str:
    """canonical_json() of one value; strings (most values) go straight to the C string encoder."""
    return encode_basestring(value) if type(value) is str else _canonical_encode(value)


def _hash_time(at: datetime.datetime) -> str:
    at = at.astimezone(datetime.UTC) if timezone.is_aware(at) else at
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _hash_payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": _hash_time(event.at),
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


def _canonical_event(*, seq: int, at: str, actor_id: str, actor_label: str, action: str, target_type: str,
                     target_id: str, target_repr: str, reason: str, changes: str, data: str, request_ip: str,
                     batch_id: str, prev_hash: str) -> str:
    """canonical_json(_hash_payload(event)) assembled from values already encoded as JSON (each argument
    is the JSON text of that field, seq excepted), keys in sorted order: byte for byte the same string,
    without building the payload dict and encoding it again (tests compare the two)."""
    return (f'{{"action":{action},"actor_id":{actor_id},"actor_label":{actor_label},"at":{at},'
            f'"batch_id":{batch_id},"changes":{changes},"data":{data},"prev_hash":{prev_hash},"reason":{reason},'
            f'"request_ip":{request_ip},"seq":{seq:d},"target_id":{target_id},"target_repr":{target_repr},'
            f'"target_type":{target_type}}}')


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


# AuditEvent columns in the order _chain_rows() builds them (the id comes from the table's identity).
_ROW_FIELDS = ("seq", "at", "actor_id", "actor_label", "action", "target_type", "target_id", "target_repr",
               "reason", "changes", "data", "request_ip", "batch_id", "prev_hash", "hash")


def _chain_rows(actor: User | None, events: Iterable[PendingEvent]) -> Iterator[tuple]:
    """Take the chain lock and read the head and the clock now; return an iterator that builds each event's
    row (values in the order of _ROW_FIELDS, changes and data as their JSON text) with its hash, one after
    the other.

    Each event's changes and data are encoded once: the same text is part of the hashed canonical JSON
    and is what PostgreSQL stores. The iterator may be consumed while a COPY streams (it runs no query)."""
    ctx = _context.get()
    seq, prev_hash, now = _lock_chain_and_read_clock()
    actor_id = actor.pk if actor else None
    actor_label = actor.get_username() if actor else "system"
    request_ip = ctx.request_ip if ctx else None
    # Fields shared by every event of the batch are encoded once.
    at_j = _json_value(_hash_time(now))
    actor_id_j = _json_value(actor_id)
    actor_label_j = _json_value(actor_label)
    request_ip_j = _json_value(request_ip)
    batch_j = _json_value(ctx.batch_id) if ctx else None

    def rows() -> Iterator[tuple]:
        nonlocal seq, prev_hash
        sha256 = hashlib.sha256
        reasons: dict[str, tuple[str, str]] = {}
        actions: dict[str, str] = {}
        for pending in events:
            target_type, target_id, target_repr = _target_fields(pending)
            seq += 1
            changes_j = _event_json(pending.changes)
            data_j = _event_json(pending.data)
            if pending.reason not in reasons:
                stripped = pending.reason.strip()
                reasons[pending.reason] = (stripped, _json_value(stripped))
            reason, reason_j = reasons[pending.reason]
            action = pending.action
            if action not in actions:
                actions[action] = _json_value(action)
            batch_id = ctx.batch_id if ctx else str(uuid.uuid4())
            payload = _canonical_event(
                seq=seq, at=at_j, actor_id=actor_id_j, actor_label=actor_label_j, action=actions[action],
                target_type=_json_value(target_type), target_id=_json_value(target_id),
                target_repr=_json_value(target_repr), reason=reason_j, changes=changes_j, data=data_j,
                request_ip=request_ip_j, batch_id=batch_j or _json_value(batch_id), prev_hash=_json_value(prev_hash),
            )
            event_hash = sha256((prev_hash + payload).encode()).hexdigest()
            yield (seq, now, actor_id, actor_label, action, target_type, target_id, target_repr, reason, changes_j,
                   data_j, request_ip, batch_id, prev_hash, event_hash)
            prev_hash = event_hash

    return rows()


@transaction.atomic
def record_events(*, actor: User | None, events: Iterable[PendingEvent], return_events: bool = True
                  ) -> list[AuditEvent]:
    """Write several events in one pass: one lock, one clock reading, one bulk insert.

    Bulk writers that do not need the AuditEvent objects back pass return_events=False: on PostgreSQL
    the rows then stream straight into COPY as tuples (no model instances; `events` may be a generator,
    consumed while the server writes, so it must not run queries) and an empty list is returned."""
    if not return_events and connection.vendor == "postgresql":
        if isinstance(events, list | tuple):
            # No query may run while COPY streams: resolve each target's text (str() of a model may
            # follow a relation) before it starts. A generator of events must not query when iterated.
            events = [dataclasses.replace(e, target=None, target_type=t, target_id=i, target_repr=r)
                      if e.target is not None else e for e in events for t, i, r in [_target_fields(e)]]
        events = iter(events)
        first = next(events, None)
        if first is None:
            return []
        chained = _chain_rows(actor, itertools.chain([first], events))
        copy_rows(AuditEvent, _ROW_FIELDS, chained)
        return []
    events = list(events)
    if not events:
        return []
    instances = []
    for row in _chain_rows(actor, events):
        values = dict(zip(_ROW_FIELDS, row, strict=True))
        # Stored as exactly the JSON that was hashed.
        values["changes"], values["data"] = json.loads(values["changes"]), json.loads(values["data"])
        event = AuditEvent(**values)
        if actor is not None:
            event.actor = actor
        instances.append(event)
    bulk_insert(AuditEvent, instances)
    return instances if return_events else []


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
