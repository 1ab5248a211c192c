"""The responses CSV: every cell problem named by line, column and value; checked against the recall; every
row recorded or none, and refused when a consignee changed since the preview."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from distribution.imports.csv_file import CsvImportError
from recalls import services
from recalls.models import ConsigneeStatus, RecallConsignee
from recalls.responses_csv import MAX_BYTES, parse_responses_csv
from silqeqms.models import AuditEvent

HEADER = "reference,responded_at,responder,units_on_hand,units_returned,units_destroyed,units_corrected,close,note\n"


def test_a_clean_file_gives_one_row_per_consignee():
    parsed = parse_responses_csv((HEADER + "rcl-2026-001-001,2026-03-05 14:30,Pat,0,4,1,,yes,fax\n"
                                  "RCL-2026-001-002,3/6/2026,,,,,,no,\n").encode())
    assert parsed.ok
    first, second = parsed.rows
    assert (first.reference, first.responded_on, first.responded_time) == (
        "RCL-2026-001-001", datetime.date(2026, 3, 5), datetime.time(14, 30))
    assert first.units == {"units_on_hand": 0, "units_returned": 4, "units_destroyed": 1, "units_corrected": None}
    assert first.close and not second.close and second.responded_time is None


def test_every_cell_problem_is_named_by_line_column_and_value():
    parsed = parse_responses_csv((HEADER + ",2026-02-30,,-1,x,,,maybe,\n"
                                  "RCL-2026-001-001,2026-03-05 25:00,,,,,,,\n"
                                  "RCL-2026-001-001,2026-03-05,,,,,,,\n").encode())
    shown = [str(e) for e in parsed.errors]
    assert "Line 2, reference: is required" in shown
    assert any(s.startswith("Line 2, responded_at '2026-02-30': is not a real date") for s in shown)
    assert "Line 2, units_on_hand '-1': must be a whole number, 0 or more (or blank)" in shown
    assert "Line 2, units_returned 'x': must be a whole number, 0 or more (or blank)" in shown
    assert "Line 2, close 'maybe': is not yes or no" in shown
    assert "Line 3, responded_at '2026-03-05 25:00': has no such time of day (use HH:MM, 00:00 to 23:59)" in shown
    assert not any(s.startswith("Line 4") for s in shown)  # the first of the repeated reference had an error


def test_a_repeated_reference_is_an_error_on_the_later_line():
    parsed = parse_responses_csv((HEADER + "RCL-2026-001-001,2026-03-05,,,,,,,\nrcl-2026-001-001,2026-03-06,,,,,,,\n"
                                  ).encode())
    assert [str(e) for e in parsed.errors] == ["Line 3, reference 'RCL-2026-001-001': repeats line 2"]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty."),
    (b"reference,responded_at\n", "The file has a header but no rows."),
    (b"reference,when\nX,2026-01-01\n", "unknown column 'when'"),
    (b"responded_at\n2026-01-01\n", "the required column 'reference' is missing"),
    (b"reference,responded_at\n\"X,2026-01-01\n", "a quoted cell is never closed"),
    (b"\xff\xfer\x00e\x00", "UTF-16"),
    (b"x" * (MAX_BYTES + 1), "the limit is 2 MB"),
])
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(data, message):
    with pytest.raises(CsvImportError, match=message):
        parse_responses_csv(data)


def test_the_mail_merge_columns_are_accepted_and_ignored():
    data = (b"recall_number,facility_name,units_shipped,lots,letter_url,reference,responded_at\n"
            b"RCL-2026-001,Mercy,5,L1,http://x,RCL-2026-001-001,2026-03-05\n")
    assert parse_responses_csv(data).ok


@pytest.fixture
def opened(draft, ship, quality):
    ship(facility_name="Mercy Hospital", quantity=5)
    ship(facility_name="Valley Clinic", quantity=3)
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    recall.opened_at = timezone.now() - datetime.timedelta(days=3)
    recall.save(update_fields=["opened_at"])
    for c in recall.consignees.all():
        services.notify_consignee(actor=quality, consignee=c, notified_at=timezone.now() - datetime.timedelta(days=2),
                                  method="letter", reason="sent", version=c.version)
    return recall


def yesterday() -> str:
    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def rows_for(recall, body: str):
    parsed = parse_responses_csv((HEADER + body.replace("{n}", recall.number)).encode())
    assert parsed.ok, parsed.errors
    return parsed.rows


@pytest.mark.django_db
def test_the_plan_names_rows_that_do_not_fit_the_recall(opened, quality):
    mercy = opened.consignees.get(facility_name="Mercy Hospital")
    rows = rows_for(opened, f"{{n}}-001,{yesterday()},,,,,,,\n{{n}}-009,2026-03-05,,,,,,,\n"
                            "{n}-002,2026-03-05,,,9,,,,\n")
    plan = services.plan_responses(opened, rows)
    assert len(plan.lines) == 1 and plan.lines[0].consignee == mercy
    assert f"Line 3, reference '{opened.number}-009': no consignee of {opened.number} has this reference." in plan.errors
    assert any(e.startswith(f"Line 4, reference '{opened.number}-002'") and "before its notification" in e
               for e in plan.errors)


@pytest.mark.django_db
def test_one_bad_row_records_nothing(opened, quality):
    rows = rows_for(opened, f"{{n}}-001,{yesterday()},Pat,0,5,,,yes,\n{{n}}-002,{yesterday()},,,4,,,,\n")
    with pytest.raises(ValidationError, match="accounts for 4 units, but 3 were shipped"):
        services.import_responses(actor=quality, recall=opened, rows=rows, reason="forms by fax")
    assert not RecallConsignee.objects.filter(responded_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action__startswith="recall_consignee.responded").exists()


@pytest.mark.django_db
def test_a_good_file_records_every_response_and_closes_those_it_says(opened, quality):
    rows = rows_for(opened, f"{{n}}-001,{yesterday()} 09:15,Pat,0,5,,,yes,all back\n{{n}}-002,{yesterday()},Lee,3,,,,no,\n")
    plan = services.plan_responses(opened, rows)
    result = services.import_responses(actor=quality, recall=opened, rows=rows, reason="forms by fax, week 12",
                                       file_name="week12.csv", expected_fingerprint=plan.fingerprint)
    assert (result.recorded, result.closed) == (2, 1)
    mercy, valley = opened.consignees.order_by("number")
    assert (mercy.status, mercy.units_returned, mercy.note) == (ConsigneeStatus.CLOSED, 5, "all back")
    assert timezone.localtime(mercy.responded_at).strftime("%H:%M") == "09:15"
    assert (valley.status, valley.units_on_hand, valley.responder) == (ConsigneeStatus.RESPONDED, 3, "Lee")
    events = AuditEvent.objects.filter(action="recall_consignee.responded").order_by("seq")
    assert [e.target_id for e in events] == [str(mercy.pk), str(valley.pk)]
    assert events[0].changes["status"] == ["notified", "closed"]
    assert events[0].reason == "forms by fax, week 12" and events[0].data["line"] == 2
    batch = AuditEvent.objects.filter(action__in=["recall_consignee.responded", "recall.responses_imported"])
    assert batch.count() == 3 and len({e.batch_id for e in batch}) == 1


@pytest.mark.django_db
def test_a_consignee_changed_since_the_preview_refuses_the_file(opened, quality):
    rows = rows_for(opened, f"{{n}}-001,{yesterday()},Pat,,,,,,\n")
    plan = services.plan_responses(opened, rows)
    mercy = opened.consignees.get(number=1)
    services.record_response(actor=quality, consignee=mercy, responded_at=timezone.now(), responder="Sam",
                             units={}, reason="phoned in", version=mercy.version)
    with pytest.raises(ValidationError, match="changed since the preview"):
        services.import_responses(actor=quality, recall=opened, rows=rows, reason="fax",
                                  expected_fingerprint=plan.fingerprint)
