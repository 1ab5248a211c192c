"""Closing a recall: refused while consignees or later shipments are open, refused without the signer's own
password (the refusal kept), and when signed: closed at the signature's time, lots left recalled."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from products.models import LotStatus
from recalls import services
from recalls.models import RecallStatus
from silqeqms.audit import history_for
from silqeqms.signatures import SignatureRefused, signatures_for
from tests.factories import TEST_PASSWORD, LotFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(draft, ship, quality):
    """An open recall whose only consignee has responded and is closed."""
    ship(facility_name="Mercy Hospital", quantity=2)
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    c = recall.consignees.get()
    c = services.notify_consignee(actor=quality, consignee=c, notified_at=timezone.now(), method="letter",
                                  reason="sent", version=c.version)
    c = services.record_response(actor=quality, consignee=c, responded_at=timezone.now(), responder="Pat",
                                 units={"units_returned": 2}, reason="form back", version=c.version)
    services.close_consignee(actor=quality, consignee=c, reason="units back", version=c.version)
    recall.refresh_from_db()
    return recall


def close(quality, recall, password=TEST_PASSWORD, **kwargs):
    values = {"reason": "All consignees answered; units back.", "version": recall.version}
    return services.close_recall(actor=quality, recall=recall, password=password, **{**values, **kwargs})


def test_closing_without_the_password_is_refused_and_the_refusal_recorded(finished, quality):
    for password in ("", "not-my-password"):
        with pytest.raises(SignatureRefused):
            close(quality, finished, password=password)
    finished.refresh_from_db()
    assert finished.status == RecallStatus.OPEN and finished.closed_at is None
    refusals = history_for(finished).filter(action="signature.refused")
    assert refusals.count() == 2
    assert refusals.first().data["meaning"] == "I approve the closure of this recall"
    assert signatures_for(finished) == []


def test_closing_signs_with_name_time_and_meaning_and_leaves_the_lots_recalled(draft, ship, quality):
    lot = LotFactory(product=ProductFactory(sku="211810SPT"), lot_number="LOT2601")
    ship(sku="211810SPT", quantity=1)
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    c = recall.consignees.get()
    services.mark_unreachable(actor=quality, consignee=c, note="Clinic closed down; letters returned.",
                              version=c.version)
    recall.refresh_from_db()
    closed = close(quality, recall, reason="Sole consignee unreachable after three attempts.")
    assert (closed.status, closed.closed_by) == (RecallStatus.CLOSED, quality)
    [signature] = signatures_for(closed)
    assert (signature.signer_name, signature.username) == ("Quinn Quality", "quality_user")
    assert signature.meaning == "I approve the closure of this recall"
    assert closed.closed_at == signature.at
    event = history_for(closed).get(action="recall.closed")
    assert event.changes == {"status": ["open", "closed"]}
    assert event.reason == "Sole consignee unreachable after three attempts."
    lot.refresh_from_db()
    assert lot.status == LotStatus.RECALLED  # closing does not release


def test_a_recall_with_consignees_still_open_cannot_close(draft, ship, quality):
    ship()
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    with pytest.raises(ValidationError, match="1 consignee is not closed or marked unreachable"):
        close(quality, recall)
    assert not history_for(recall).filter(action__startswith="signature").exists()  # no password was asked


def test_a_recall_with_shipments_in_scope_not_on_the_list_cannot_close(finished, ship, quality):
    ship(facility_name="Late Clinic")
    with pytest.raises(ValidationError, match="1 shipment in scope is not on the consignee list"):
        close(quality, finished)


def test_a_draft_or_closed_recall_does_not_close(draft, finished, quality):
    with pytest.raises(ValidationError, match="only an open recall"):
        close(quality, draft())
    closed = close(quality, finished)
    with pytest.raises(ValidationError, match="only an open recall"):
        close(quality, closed)
    with pytest.raises(ValidationError, match="closed"):
        services.update_recall(actor=quality, recall=closed, data={"title": "x"}, reason="late edit",
                               version=closed.version)
