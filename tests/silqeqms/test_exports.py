"""Exports record their own audit event (CsvExporter); the audit trail's export is one of them."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from silqeqms.audit import record_event, verify_chain
from silqeqms.exports import CsvExporter, recordable
from silqeqms.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("audit_export")
HEADER = ["seq", "at", "actor", "action", "target_type", "target_id", "target", "reason", "changes", "data",
          "request_ip", "batch_id", "hash"]


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="audit.exported"))


def test_the_audit_export_records_one_event_with_the_actor_and_the_filters(client, quality_user):
    record_event(actor=None, action="customer.updated", target_type="customers.customer", target_id="7")
    record_event(actor=None, action="distribution_entry.voided")
    client.force_login(quality_user)
    response = client.get(URL, {"action": "customer.", "target_id": "", "date_from": "2020-01-01"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="audit-trail.csv"'
    (event,) = _exports()
    assert event.actor == quality_user
    assert event.target_type == "" and event.target_repr == ""
    assert event.data == {"filters": {"action": "customer.", "date_from": "2020-01-01"}}
    rows = _rows(response)
    assert rows[0] == HEADER
    assert [(r[3], r[4], r[5]) for r in rows[1:]] == [("customer.updated", "customers.customer", "7")]
    assert verify_chain().ok


def test_the_audit_export_lists_every_event_oldest_first_with_its_export_event_last(client, quality_user):
    for i in range(3):
        record_event(actor=quality_user, action=f"x.{i}", reason=f"r{i}", data={"line": i})
    client.force_login(quality_user)
    rows = _rows(client.get(URL))
    assert [r[3] for r in rows[1:]][-4:] == ["x.0", "x.1", "x.2", "audit.exported"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1, len(rows)))
    first = AuditEvent.objects.get(action="x.0")
    assert rows[-4] == [str(first.seq), first.at.isoformat(), quality_user.username, "x.0", "", "", "", "r0", "{}",
                       "{'line': 0}", "", first.batch_id, first.hash]


def test_a_user_without_the_audit_permission_gets_403_and_nothing_is_recorded(client, ops_user):
    client.force_login(ops_user)
    before = AuditEvent.objects.count()
    response = client.get(URL, {"action": "customer."})
    assert response.status_code == 403
    assert "silqeqms.view_audit" in response.content.decode()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("params", [{"action": "\x00"}, {"target_id": "a\x00b\x1f"}, {"\x00": "x"}])
def test_control_characters_in_the_filters_are_a_400_and_nothing_is_recorded(client, quality_user, params):
    client.force_login(quality_user)
    response = client.get(URL, params)
    assert response.status_code == 400  # the site-wide rule (ControlCharacterMiddleware) answers first
    assert not _exports()


@pytest.mark.parametrize("params", [{"action": "\x00"}, {"target_id": "a\x00b\x1f\x85"}, {"\x00": "x"}])
def test_an_exporter_never_records_control_characters_even_when_handed_them(quality_user, params):
    from silqeqms.exports import AuditTrailExporter

    AuditTrailExporter(actor=quality_user, events=AuditEvent.objects.none(), filters=params).record()
    (event,) = _exports()
    recorded = event.data["filters"]
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for text in [*recorded, *recorded.values()] for ch in text)
    assert verify_chain().ok


class _Numbers(CsvExporter):
    action = "test.exported"
    header = ["n", "=formula"]
    filename = "numbers.csv"
    target_type = "test.numbers"

    def rows(self):
        for n in range(3):
            yield [n, f"={n}"]


def test_an_exporter_records_its_event_before_the_first_byte_is_streamed():
    actor = UserFactory()
    response = _Numbers(actor=actor, filters={"q": "x", "empty": ""}).response()
    event = AuditEvent.objects.get(action="test.exported")  # recorded before anything is read
    assert (event.actor, event.target_type, event.data) == (actor, "test.numbers", {"filters": {"q": "x"}})
    assert response["Content-Disposition"] == 'attachment; filename="numbers.csv"'
    assert _rows(response) == [["n", "'=formula"], ["0", "'=0"], ["1", "'=1"], ["2", "'=2"]]
    assert AuditEvent.objects.filter(action="test.exported").count() == 1


def test_what_an_exporter_records_has_no_control_characters_even_when_nested():
    assert recordable({"a\x00": ["b\x00c", ("\x7f\x9fd\te\n", 3)], "n": None, "ok": "Hôpital ✓"}) == {
        "a": ["bc", ["de", 3]], "n": None, "ok": "Hôpital ✓"}
