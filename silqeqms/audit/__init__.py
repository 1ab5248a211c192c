"""The audit trail: append-only, hash-chained events, written only by `record_event()` / `record_events()`.

Import everything from here. The package keeps apart what is recorded from how it is written fast:

- rule.py       what an event is and what is hashed: canonical JSON, compute_hash(), verify_chain()
- writer.py     the one writer: chain lock, database clock and sequence, rows, bulk insert or COPY
- encoding.py   fast encodings of the rule's canonical JSON (tests prove they equal the rule)
- batch.py      audit_batch(): one batch id (and request IP) for the events of a request, import or sync
- changes.py    diff_fields(), creation_changes(), model_values(): the {field: [old, new]} of a write
- history.py    history_for(): the events about one object
- triggers.py   the database triggers that refuse UPDATE, DELETE and TRUNCATE on the table
"""

from silqeqms.audit.batch import AuditContext, audit_batch, current_batch_id, current_context
from silqeqms.audit.changes import creation_changes, diff_fields, model_values
from silqeqms.audit.encoding import _canonical_event, _event_json, _json_value
from silqeqms.audit.history import history_for
from silqeqms.audit.rule import (
    ChainReport,
    _hash_payload,
    _jsonable,
    canonical_json,
    compute_hash,
    verify_chain,
)
from silqeqms.audit.writer import PendingEvent, record_event, record_events

__all__ = [
    "AuditContext", "ChainReport", "PendingEvent", "audit_batch", "canonical_json", "compute_hash",
    "creation_changes", "current_batch_id", "current_context", "diff_fields", "history_for", "model_values", "record_event",
    "record_events", "verify_chain",
    # Private, for the tests that hold the fast encodings to the rule.
    "_canonical_event", "_event_json", "_hash_payload", "_json_value", "_jsonable",
]
