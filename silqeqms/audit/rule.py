"""The rule of the audit trail: what an event is, what is hashed, and how the chain is checked.

An event is one AuditEvent row. Its hash is SHA-256 of the previous event's hash followed by the
canonical JSON (keys sorted, no spaces, UTF-8 kept as is) of the 14 fields below, the time in UTC to
the microsecond; the first event's previous hash is "". `seq` counts 1, 2, 3… without gaps, so an
altered, removed or inserted row shows as the first event whose link or hash no longer matches.

How events are written (lock, database clock, the fast encodings, COPY) is in writer.py and
encoding.py; tests/silqeqms/test_audit_fast_paths.py proves that what they write obeys this rule.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from silqeqms.models import AuditEvent

_PLAIN = {str, int, bool, float, type(None)}


def _jsonable(value: Any) -> Any:
    """A value as plain JSON types, so that what is hashed is exactly what is stored: dates in ISO 8601,
    mappings with text keys, sequences and sets as lists, anything else (decimals, UUIDs, models) as text."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return str(value)


# The same encoder json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) builds per call.
_canonical_encode = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_json(payload: Mapping[str, Any]) -> str:
    return _canonical_encode(payload)


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
