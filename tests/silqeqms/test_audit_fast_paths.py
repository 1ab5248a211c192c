"""The bulk audit path builds hashed JSON from pre-encoded parts and imports write plain rows: prove both
give byte for byte what the plain model path gives (same canonical JSON, same event content)."""

from __future__ import annotations

import datetime
import decimal
import uuid

import pytest

from distribution.fields import AUDITED_FIELDS
from distribution.imports.lines import ImportLine
from distribution.imports.writer import import_entries
from distribution.models import DistributionLogEntry
from distribution.summaries import verify_summaries
from silqeqms.audit import (
    PendingEvent,
    _canonical_event,
    _event_json,
    _hash_payload,
    _json_value,
    _jsonable,
    audit_batch,
    canonical_json,
    compute_hash,
    creation_changes,
    record_events,
    verify_chain,
)
from silqeqms.models import AuditEvent
from tests.factories import UserFactory
from tests.products.gtins import gtin14

pytestmark = pytest.mark.django_db

TRICKY = ['plain', 'quote " and \\ backslash', "tab\tnew\nline\r", "ctrl \x01\x1f", "accents Hôpital Ñ",
          "line sep \u2028\u2029", "emoji 🧪", "", "</script>", "\ud7ff\ue000"]
# PostgreSQL text cannot hold NUL (before and after this change), so it is only hashed, not stored.
HASH_ONLY = [*TRICKY, "nul \x00"]


@pytest.mark.parametrize("text", HASH_ONLY)
def test_canonical_event_is_canonical_json_of_the_payload(text):
    event = AuditEvent(seq=123456789, at=datetime.datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=datetime.UTC),
                       actor_id=None if text else 7, actor_label=text or "system", action=f"a.{text}",
                       target_type=text, target_id=text, target_repr=text, reason=text,
                       changes={text: [None, text], "n": [1, 2.5], "nested": [{"z": text, "a": None}, True]},
                       data={"line": 5, text: [text]}, request_ip="10.0.0.1" if text else None,
                       batch_id=str(uuid.uuid4()), prev_hash="ab" * 32 if text else "")
    payload = _hash_payload(event)
    built = _canonical_event(
        seq=event.seq, at=_json_value(payload["at"]), actor_id=_json_value(event.actor_id),
        actor_label=_json_value(event.actor_label), action=_json_value(event.action),
        target_type=_json_value(event.target_type), target_id=_json_value(event.target_id),
        target_repr=_json_value(event.target_repr), reason=_json_value(event.reason),
        changes=canonical_json(event.changes), data=canonical_json(event.data),
        request_ip=_json_value(event.request_ip), batch_id=_json_value(event.batch_id),
        prev_hash=_json_value(event.prev_hash))
    assert built == canonical_json(payload)


def test_jsonable_turns_every_value_into_plain_json_types():
    class Mapping(dict):
        pass

    value = {"a": [None, datetime.date(2026, 1, 2)], 3: (decimal.Decimal("1.50"), {4: {5}}), None: True,
             "m": Mapping(x=uuid.UUID(int=1)), "t": ("x", 1.5, False, datetime.datetime(2026, 1, 2, 3, 4))}
    assert _jsonable(value) == {
        "a": [None, "2026-01-02"], "3": ["1.50", {"4": [5]}], "None": True,
        "m": {"x": "00000000-0000-0000-0000-000000000001"}, "t": ["x", 1.5, False, "2026-01-02T03:04:00"],
    }


@pytest.mark.parametrize("value", [
    {"ship_date": [None, datetime.date(2026, 1, 2)], "quantity": [3, 4], "notes": ["", 'say "hi"']},
    {"amount": [decimal.Decimal("1.50"), None], "ref": [uuid.UUID(int=1), {"nested": (1, "x", {2})}]},
    {"when": [datetime.datetime(2026, 1, 2, 3, 4, 5), "Hôpital"], "ok": [False, True]},
    {3: ["int key"], "s": ["str key"]},  # keys of mixed types: the general rules
    {},
])
def test_event_json_is_the_canonical_json_of_the_general_rules(value):
    """Events are encoded in one pass (dates and the like converted at the leaves); the text must be the
    canonical JSON of what _jsonable() makes of the value."""
    assert _event_json(value) == canonical_json(_jsonable(value))


@pytest.mark.parametrize("return_events", [True, False])
def test_bulk_events_verify_and_store_what_was_hashed(return_events):
    actor = UserFactory(username="ünïcode")
    events = [PendingEvent(action="test.bulk", target_type="x.y", target_id=str(n), target_repr=text,
                           reason=f"  {text}  ", changes={"f": [None, text], "d": [None, datetime.date(2026, 1, n + 1)]},
                           data={"line": n})
              for n, text in enumerate(TRICKY)]
    with audit_batch(request_ip="192.0.2.1"):
        returned = record_events(actor=actor, events=events, return_events=return_events)
    assert len(returned) == (len(events) if return_events else 0)
    stored = list(AuditEvent.objects.filter(action="test.bulk").order_by("seq"))
    assert len(stored) == len(events)
    for event, text in zip(stored, TRICKY, strict=True):
        assert compute_hash(event) == event.hash
        assert event.reason == text.strip()
        assert event.target_repr == text
        assert event.changes["f"] == [None, text]
        assert event.actor_id == actor.pk and event.actor_label == "ünïcode" and event.request_ip == "192.0.2.1"
    if return_events:
        assert [e.hash for e in returned] == [e.hash for e in stored]
        assert all(e.pk for e in returned)
    assert verify_chain().ok


def test_an_imported_row_is_audited_exactly_as_its_model_instance_would_be():
    actor = UserFactory(username="importer")
    rep = UserFactory(username="riley", first_name="Riley", last_name="Ö")
    rows = [
        ImportLine(line=2, ship_date=datetime.date(2026, 3, 1), order_number="SO-1",
                            facility_name="Hôpital Sainte-Anne", sku="211810SPT", quantity=3, lot_number="L1",
                            address1="1 Rue", city="Paris", country="FR", rep="riley", notes='say "hi"'),
        ImportLine(line=3, ship_date=datetime.date(2026, 3, 2), order_number="SO-2",
                            facility_name="Clinic B", sku="X", quantity=1, udi_di=gtin14(123), postal_code="02134",
                            expiry_date=datetime.date(2027, 6, 30), serial_number="SN-0001"),
    ]
    with audit_batch() as batch:
        result = import_entries(actor=actor, rows=rows, source="csv", reason=" monthly ",
                                         file_name="m.csv", sha256="c" * 64)
    assert result.created == 2 and result.needs_review == 1
    for pk, row in zip(result.entry_ids, rows, strict=True):
        entry = DistributionLogEntry.objects.get(pk=pk)
        event = AuditEvent.objects.get(action="distribution_entry.imported", target_id=str(pk))
        assert event.target_type == "distribution.distributionlogentry"
        assert event.target_repr == str(entry)
        assert event.changes == creation_changes(entry, AUDITED_FIELDS)
        assert event.data == {"line": row.line}
        assert event.reason == "monthly"
        assert event.batch_id == batch.batch_id
        assert event.actor_id == actor.pk
        assert entry.version == 1 and entry.created_by == actor and entry.updated_by == actor
        assert entry.created_at is not None and entry.external_ref is None and entry.void_reason == ""
    assert DistributionLogEntry.objects.get(pk=result.entry_ids[0]).rep == rep
    assert verify_chain().ok
    assert verify_summaries() == []
