"""A consignee's way: pending → notified → responded → closed, or unreachable; each change audited with its
reason and refused on a stale version. And the effectiveness check each level asks for."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from recalls import selectors, services
from recalls.models import ConsigneeStatus, Level, RecallConsignee, required_consignees, target_percent
from silqeqms.audit import history_for
from silqeqms.edits import StaleVersionError
from tests.factories import RecallConsigneeFactory, RecallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(draft, ship, quality):
    """An open recall with two consignees: Mercy (5 units) and Valley (3 units)."""
    ship(facility_name="Mercy Hospital", quantity=5)
    ship(facility_name="Valley Clinic", quantity=3)
    return services.open_recall(actor=quality, recall=draft(), reason="open")


def consignee(recall, name: str) -> RecallConsignee:
    return RecallConsignee.objects.select_related("recall").get(recall=recall, facility_name=name)


def notify(quality, c, **kwargs):
    values = {"notified_at": timezone.now(), "method": "letter", "reason": "letter sent", "version": c.version}
    return services.notify_consignee(actor=quality, consignee=c, **{**values, **kwargs})


def respond(quality, c, **units):
    return services.record_response(actor=quality, consignee=c, responded_at=timezone.now(), responder="Pat Nurse",
                                    units=units, reason="response form received", version=c.version)


def test_notifying_records_when_and_how_with_the_reason(opened, quality):
    mercy = notify(quality, consignee(opened, "Mercy Hospital"), method="email", reason="sent to purchasing@")
    assert (mercy.status, mercy.notify_method, mercy.version) == (ConsigneeStatus.NOTIFIED, "email", 2)
    event = history_for(mercy).get(action="recall_consignee.notified")
    assert event.reason == "sent to purchasing@"
    assert event.changes["status"] == ["pending", "notified"]
    assert event.changes["notify_method"] == ["", "email"]


def test_a_phone_call_counts_only_once_confirmed_in_writing(opened, quality):
    mercy = consignee(opened, "Mercy Hospital")
    with pytest.raises(ValidationError) as excinfo:
        notify(quality, mercy, method="phone")
    assert "confirmed_in_writing_on" in excinfo.value.message_dict
    assert consignee(opened, "Mercy Hospital").status == ConsigneeStatus.PENDING
    with pytest.raises(ValidationError, match="cannot precede"):
        notify(quality, mercy, method="phone", confirmed_in_writing_on=timezone.localdate() - datetime.timedelta(days=1))
    done = notify(quality, mercy, method="phone", confirmed_in_writing_on=timezone.localdate())
    assert done.confirmed_in_writing_on == timezone.localdate()


def test_a_notification_in_the_future_or_before_the_opening_is_refused(opened, quality):
    mercy = consignee(opened, "Mercy Hospital")
    for when in (timezone.now() + datetime.timedelta(hours=2), opened.opened_at - datetime.timedelta(days=2)):
        with pytest.raises(ValidationError) as excinfo:
            notify(quality, mercy, notified_at=when)
        assert "notified_at" in excinfo.value.message_dict


def test_a_response_comes_after_the_notification_and_never_accounts_for_more_than_was_shipped(opened, quality):
    mercy = consignee(opened, "Mercy Hospital")
    with pytest.raises(ValidationError, match="after the notification"):
        respond(quality, mercy, units_returned=1)
    mercy = notify(quality, mercy)
    with pytest.raises(ValidationError, match="accounts for 6 units, but 5 were shipped"):
        respond(quality, mercy, units_returned=4, units_destroyed=2)
    mercy = respond(quality, mercy, units_on_hand=0, units_returned=4, units_destroyed=1)
    assert (mercy.status, mercy.units_accounted, mercy.responder) == (ConsigneeStatus.RESPONDED, 5, "Pat Nurse")
    event = history_for(mercy).get(action="recall_consignee.responded")
    assert event.changes["units_returned"] == [None, 4]
    assert event.reason == "response form received"


def test_closing_a_consignee_needs_its_response(opened, quality):
    mercy = consignee(opened, "Mercy Hospital")
    with pytest.raises(ValidationError, match="once its response is recorded"):
        services.close_consignee(actor=quality, consignee=mercy, reason="done", version=mercy.version)
    mercy = respond(quality, notify(quality, mercy), units_returned=5)
    mercy = services.close_consignee(actor=quality, consignee=mercy, reason="units received back",
                                     version=mercy.version)
    assert mercy.status == ConsigneeStatus.CLOSED and mercy.closed_at is not None
    assert history_for(mercy).get(action="recall_consignee.closed").reason == "units received back"


def test_unreachable_needs_a_note_of_what_was_tried(opened, quality):
    valley = consignee(opened, "Valley Clinic")
    with pytest.raises(ValidationError):
        services.mark_unreachable(actor=quality, consignee=valley, note="  ", version=valley.version)
    valley = services.mark_unreachable(actor=quality, consignee=valley, version=valley.version,
                                       note="Letters returned 3/5 and 3/12; phone disconnected.")
    assert valley.status == ConsigneeStatus.UNREACHABLE and "phone disconnected" in valley.note
    assert history_for(valley).get(action="recall_consignee.unreachable").changes["status"] == ["pending", "unreachable"]
    valley = notify(quality, valley, reason="reached at new address")  # found later after all
    assert valley.status == ConsigneeStatus.NOTIFIED


def test_a_change_from_a_stale_page_is_refused_naming_who_changed_it(opened, quality):
    mercy = consignee(opened, "Mercy Hospital")
    notify(quality, mercy)
    with pytest.raises(StaleVersionError, match=quality.username):
        notify(quality, mercy, version=1, reason="second try")
    assert history_for(mercy).filter(action="recall_consignee.notified").count() == 1


def test_consignees_of_a_draft_or_closed_recall_do_not_change(quality):
    draft_consignee = RecallConsigneeFactory(recall=RecallFactory(status="draft"))
    with pytest.raises(ValidationError, match="while it is open"):
        notify(quality, draft_consignee)


@pytest.mark.parametrize(("level", "b_percent", "consignees", "required"), [
    (Level.A, None, 7, 7), (Level.B, 25, 7, 2), (Level.B, 99, 100, 99), (Level.C, None, 7, 1),
    (Level.C, None, 30, 3), (Level.C, None, 31, 4), (Level.D, None, 30, 1), (Level.D, None, 50, 1),
    (Level.D, None, 51, 2), (Level.E, None, 30, 0), (Level.A, None, 0, 0),
])
def test_each_level_asks_for_its_share_of_consignees_rounded_up(level, b_percent, consignees, required):
    assert required_consignees(consignees, target_percent(level, b_percent)) == required


def test_the_effectiveness_figures_count_notified_responded_closed_and_units(opened, quality):
    figures = selectors.effectiveness(opened)
    assert (figures.consignees, figures.notified, figures.met, figures.target_share) == (2, 0, False, 1.0)
    mercy = respond(quality, notify(quality, consignee(opened, "Mercy Hospital")), units_returned=3, units_on_hand=1)
    services.close_consignee(actor=quality, consignee=mercy, reason="done", version=mercy.version)
    notify(quality, consignee(opened, "Valley Clinic"))
    figures = selectors.effectiveness(opened)
    assert (figures.notified, figures.responded, figures.closed) == (2, 1, 1)
    assert (figures.units_shipped, figures.units_accounted, figures.units_share) == (8, 4, 50.0)
    assert (figures.required, figures.met, figures.responded_share) == (2, False, 50.0)
    assert figures.as_json() == {"consignees": 2, "notified": 2, "responded": 1, "closed": 1, "target_share": 1.0,
                                 "met": False}
    services.update_recall(actor=quality, recall=opened, data={"level": "C"}, reason="HHE: level C is enough",
                           version=opened.version)
    opened.refresh_from_db()
    assert selectors.effectiveness(opened).met  # 10 % of 2 consignees: one response


def test_the_milestones_time_the_mock_recall_from_its_opening(opened, quality):
    figures = selectors.effectiveness(opened)
    listed, notified, met = selectors.milestones(opened, figures)
    assert listed.since_opening == datetime.timedelta(0)
    assert notified.at is None and met.at is None and met.duration == "not yet"
    start = timezone.now() - datetime.timedelta(hours=5)
    type(opened).objects.filter(pk=opened.pk).update(opened_at=start, list_completed_at=start)
    opened.refresh_from_db()
    for name, minutes in (("Mercy Hospital", 30), ("Valley Clinic", 95)):
        c = notify(quality, consignee(opened, name), notified_at=start + datetime.timedelta(minutes=minutes))
        services.record_response(actor=quality, consignee=c, responded_at=start + datetime.timedelta(minutes=minutes + 60),
                                 responder="", units={}, reason="answered", version=c.version)
    _, notified, met = selectors.milestones(opened, selectors.effectiveness(opened))
    assert notified.since_opening == datetime.timedelta(minutes=95)
    assert met.since_opening == datetime.timedelta(minutes=155)  # level A: the second response
    assert met.duration == "2 h 35 min"
