"""The only writer of AuditEvent rows: `record_event()` and, for bulk paths, `record_events()`.

Writers serialise on one lock per database, taken inside the writing transaction (PostgreSQL: a
transaction-scoped advisory lock; SQLite: the database write lock, held from BEGIN because settings
use IMMEDIATE transactions), then read the chain's head and the database clock, so the chain never
forks and chain order equals time order. Rows are built with the fast encodings (encoding.py) and
go in by one bulk insert, or on PostgreSQL, when the caller needs no objects back, by COPY.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import itertools
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction

from silqeqms.audit.batch import current_context
from silqeqms.audit.encoding import _canonical_event, _event_json, _json_value
from silqeqms.audit.rule import _hash_time
from silqeqms.bulk import bulk_insert, copy_rows
from silqeqms.models import AuditEvent, User

# Arbitrary constant key for pg_advisory_xact_lock: "SQMS" in ASCII.
_CHAIN_LOCK_KEY = 0x53514D53


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
    ctx = current_context()
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
    (event,) = record_events(actor=actor, events=[PendingEvent(
        action=action, target=target, reason=reason, changes=changes, data=data, target_type=target_type,
        target_id=target_id, target_repr=target_repr,
    )])
    return event
