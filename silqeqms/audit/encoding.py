"""Fast ways to write the rule's canonical JSON (rule.py), for writers that chain 100,000 events at once.

Each function gives byte for byte the string the rule gives (tests/silqeqms/test_audit_fast_paths.py
compares them and fails if they ever differ); they only avoid building and encoding the same values twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from json.encoder import encode_basestring
from typing import Any

from silqeqms.audit.rule import _canonical_encode, _jsonable

# The rule's encoder, with _jsonable() for what JSON has no type for (dates, decimals, models…), met only at
# the leaves that need it: an event's changes are encoded in one C pass instead of being copied first.
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
