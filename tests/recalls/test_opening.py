"""Creating and opening a recall: the number, the frozen consignee list, the lots set to recalled (never for a
mock recall), later shipments flagged and added with a reason. Each write asserts its audit event."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import Customer
from distribution.services import update_entry, void_entry
from products.models import Lot, LotStatus
from products.selectors import ShipLine, has_errors, shipping_problems
from products.services import create_product
from recalls import selectors, services
from recalls.models import ConsigneeStatus, RecallConsignee, RecallLine, RecallStatus
from silqeqms.audit import history_for
from silqeqms.edits import StaleVersionError
from silqeqms.models import AuditEvent
from tests.factories import LotFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_recalls_are_numbered_in_sequence_per_year(draft, quality):
    first, second = draft(), draft()
    year = timezone.localdate().year
    assert (first.number, second.number) == (f"RCL-{year}-001", f"RCL-{year}-002")
    assert first.status == RecallStatus.DRAFT
    event = history_for(first).get()
    assert (event.action, event.actor) == ("recall.created", quality)
    assert event.changes["number"] == [None, first.number]
    assert event.changes["lots"] == [None, ["LOT2601"]]


@pytest.mark.parametrize(("data", "field"), [
    ({"lots": [], "skus": []}, "lots"),
    ({"lots": [], "skus": ["211810SPT"]}, "ship_date_from"),
    ({"level": "B", "level_b_percent": 10}, "level_b_percent"),
    ({"level": "B", "level_b_percent": 100}, "level_b_percent"),
    ({"level": "B"}, "level_b_percent"),
    ({"kind": "rumour"}, "kind"),
    ({"title": "  "}, "title"),
    ({"skus": ["211810SPT"], "ship_date_from": datetime.date(2026, 5, 2), "ship_date_to": datetime.date(2026, 5, 1)},
     "ship_date_to"),
])
def test_an_invalid_recall_is_refused_naming_the_field(draft, data, field):
    with pytest.raises(ValidationError) as excinfo:
        draft(**data)
    assert field in excinfo.value.message_dict
    assert not AuditEvent.objects.filter(action="recall.created").exists()


def test_opening_freezes_one_consignee_per_customer_with_its_lines_contact_and_rep(draft, ship, quality, rep_user):
    a1 = ship(facility_name="Mercy Hospital", quantity=3, ship_date=datetime.date(2026, 3, 1), rep=rep_user)
    a2 = ship(facility_name="MERCY HOSPITAL", quantity=2, ship_date=datetime.date(2026, 3, 4), order_number="SO-77")
    b = ship(facility_name="Valley Clinic", quantity=7)
    ship(facility_name="Valley Clinic", lot_number="LOT9999")  # another lot: not in scope
    Customer.objects.filter(pk=a1.customer_id).update(contact_name="Dr. Mercy", phone="555-0101",
                                                      email="mercy@example.com")
    recall = services.open_recall(actor=quality, recall=draft(), reason="HHE-12 decided a recall")
    assert recall.status == RecallStatus.OPEN and recall.opened_by == quality
    assert recall.list_completed_at == recall.opened_at
    mercy, valley = RecallConsignee.objects.filter(recall=recall).order_by("number")
    assert (mercy.number, mercy.facility_name, mercy.units, mercy.customer_id) == (1, "Mercy Hospital", 5, a1.customer_id)
    assert (mercy.contact_name, mercy.phone, mercy.email) == ("Dr. Mercy", "555-0101", "mercy@example.com")
    assert mercy.order_numbers == [a1.order_number, "SO-77"]
    assert (mercy.first_ship_date, mercy.last_ship_date) == (datetime.date(2026, 3, 1), datetime.date(2026, 3, 4))
    assert mercy.reps == rep_user.username and mercy.lots == ["LOT2601"]
    assert mercy.reference == f"{recall.number}-001"
    assert (valley.units, valley.status) == (7, ConsigneeStatus.PENDING)
    assert set(RecallLine.objects.filter(recall=recall).values_list("entry_id", flat=True)) == {a1.pk, a2.pk, b.pk}
    event = history_for(recall).filter(action="recall.opened").get()
    assert event.reason == "HHE-12 decided a recall"
    assert event.changes == {"status": ["draft", "open"]}
    assert event.data["consignees"] == 2 and event.data["units"] == 12
    assert AuditEvent.objects.filter(action="recall_consignee.added").count() == 2


def test_a_customer_shipped_to_two_addresses_is_one_consignee_listing_both(draft, ship, quality):
    ship(facility_name="Mercy Hospital", address1="1 Main St", ship_date=datetime.date(2026, 3, 1))
    ship(facility_name="Mercy Hospital", address1="9 Dock Rd", city="Dallas", ship_date=datetime.date(2026, 3, 9))
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    consignee = RecallConsignee.objects.get(recall=recall)
    assert len(consignee.addresses) == 2
    assert consignee.addresses[0].startswith("Mercy Hospital, 9 Dock Rd, Dallas")  # most recent first
    assert "1 Main St" in consignee.addresses[1]
    assert sorted(line.shipped_to.split(", ")[1] for line in consignee.lines.all()) == ["1 Main St", "9 Dock Rd"]


def test_entries_voided_before_opening_stay_off_the_list(draft, ship, quality):
    ship(facility_name="Keep Clinic")
    gone = ship(facility_name="Void Clinic")
    void_entry(actor=quality, entry=gone, reason="never shipped")
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    assert list(recall.consignees.values_list("facility_name", flat=True)) == ["Keep Clinic"]


def test_an_entry_voided_after_opening_stays_on_the_list_and_is_flagged(draft, ship, quality):
    entry = ship(facility_name="Mercy Hospital")
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    void_entry(actor=quality, entry=entry, reason="duplicate of SO-1")
    later = selectors.later_shipments(recall)
    assert (later.new, later.changed, later.gone) == (0, 0, 1)
    assert recall.consignees.get().units == entry.quantity  # as shipped when frozen


def test_a_later_shipment_in_scope_is_flagged_then_added_with_a_reason(draft, ship, quality):
    ship(facility_name="Mercy Hospital", quantity=2)
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    mercy = recall.consignees.get()
    services.notify_consignee(actor=quality, consignee=mercy, notified_at=timezone.now(), method="letter",
                              reason="letter sent", version=mercy.version)
    late_mercy = ship(facility_name="Mercy Hospital", quantity=4, order_number="SO-LATE")
    late_new = ship(facility_name="Hill Clinic", quantity=1)
    moved = ship(facility_name="Lake Clinic", lot_number="LOT-OTHER")
    update_entry(actor=quality, entry=moved, data={"lot_number": "LOT2601"}, reason="lot misread", version=1)
    assert selectors.later_shipments(recall).new == 3

    added = services.add_later_shipments(actor=quality, recall=recall, reason="late ERP import found",
                                         entry_ids=[late_mercy.pk, late_new.pk, moved.pk])
    assert added == 3
    assert selectors.later_shipments(recall).to_add == 0
    mercy.refresh_from_db()
    assert mercy.units == 6 and mercy.renotify  # already notified: it must be told of the new lines
    assert mercy.status == ConsigneeStatus.NOTIFIED
    hill = recall.consignees.get(facility_name="Hill Clinic")
    assert hill.added_after_opening and hill.number == 2
    recall.refresh_from_db()
    assert recall.list_completed_at > recall.opened_at
    event = history_for(recall).filter(action="recall.shipments_added").get()
    assert event.reason == "late ERP import found"
    assert sorted(event.data["entries"]) == sorted([late_mercy.pk, late_new.pk, moved.pk])
    change = history_for(mercy).filter(action="recall_consignee.lines_changed").get()
    assert change.changes["units"] == [2, 6] and change.changes["renotify"] == [False, True]


def test_a_shipment_corrected_after_opening_is_flagged_and_its_line_refreshed(draft, ship, quality):
    entry = ship(quantity=2)
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    update_entry(actor=quality, entry=entry, data={"quantity": 5}, reason="packing slip says 5", version=1)
    assert selectors.later_shipments(recall).changed == 1
    services.add_later_shipments(actor=quality, recall=recall, entry_ids=[entry.pk], reason="correction")
    line = RecallLine.objects.get(recall=recall)
    assert (line.quantity, line.entry_version) == (5, 2)
    assert recall.consignees.get().units == 5
    assert selectors.later_shipments(recall).changed == 0


def test_adding_a_shipment_that_is_not_a_later_one_is_refused(draft, ship, quality):
    entry = ship()
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    with pytest.raises(ValidationError, match="no longer a shipment to add"):
        services.add_later_shipments(actor=quality, recall=recall, entry_ids=[entry.pk], reason="again")
    with pytest.raises(ValidationError, match="reason"):
        services.add_later_shipments(actor=quality, recall=recall, entry_ids=[entry.pk], reason=" ")


def test_opening_a_recall_sets_every_lot_with_that_number_to_recalled(draft, ship, quality):
    tray = create_product(actor=quality, data={"sku": "211810SPT"})
    kit_lot = LotFactory(product=ProductFactory(sku="311400KIT"), lot_number="lot2601")  # in the catalogue, never shipped
    ship(sku="211810SPT")  # a known product whose lot record does not exist yet
    ship(sku="UNKNOWN-SKU")  # not in the catalogue: no lot record is made up for it
    recall = services.open_recall(actor=quality, recall=draft(), reason="HHE-12")
    tray_lot = Lot.objects.get(product=tray)
    kit_lot.refresh_from_db()
    assert (tray_lot.status, kit_lot.status) == (LotStatus.RECALLED, LotStatus.RECALLED)
    assert tray_lot.status_since == timezone.localdate()
    assert not Lot.objects.filter(product__sku="UNKNOWN-SKU").exists()
    change = history_for(kit_lot).filter(action="lot.status_changed").get()
    assert change.reason == f"{recall.number} opened: HHE-12"
    assert sorted(history_for(recall).get(action="recall.opened").data["lots_recalled"]) == [
        "211810SPT LOT2601", "311400KIT lot2601"]
    # The entry paths' check now refuses a new shipment of the lot.
    problems = shipping_problems([ShipLine(sku="211810SPT", lot_number="LOT2601", ship_date=timezone.localdate(),
                                           udi_di="")])
    assert has_errors(problems)


def test_a_mock_recall_never_touches_lot_status(draft, ship, quality):
    lot = LotFactory(product=ProductFactory(sku="211810SPT"), lot_number="LOT2601")
    ship()
    recall = services.open_recall(actor=quality, recall=draft(kind="mock"), reason="annual mock recall")
    lot.refresh_from_db()
    assert recall.status == RecallStatus.OPEN and recall.consignees.count() == 1
    assert lot.status == LotStatus.RELEASED
    assert not AuditEvent.objects.filter(action__in=["lot.status_changed", "lot.created"]).exists()


def test_a_recall_opens_once_and_only_with_something_in_scope(draft, ship, quality):
    empty = draft(lots=["NOWHERE"])
    with pytest.raises(ValidationError, match="No live distribution entry"):
        services.open_recall(actor=quality, recall=empty, reason="open")
    ship()
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    with pytest.raises(ValidationError, match="already open"):
        services.open_recall(actor=quality, recall=recall, reason="again")
    with pytest.raises(ValidationError, match="reason"):
        services.open_recall(actor=quality, recall=draft(), reason="")


def test_opening_from_a_stale_page_is_refused(draft, ship, quality):
    ship()
    recall = draft()
    services.update_recall(actor=quality, recall=recall, data={"title": "New title"}, reason="clearer", version=1)
    with pytest.raises(StaleVersionError):
        services.open_recall(actor=quality, recall=recall, reason="open", version=1)
    assert RecallConsignee.objects.count() == 0


def test_the_scope_is_frozen_once_open_but_the_details_are_not(draft, ship, quality):
    ship()
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    with pytest.raises(ValidationError) as excinfo:
        services.update_recall(actor=quality, recall=recall, data={"lots": ["LOT2601", "LOT2602"]}, reason="more",
                               version=recall.version)
    assert "lots" in excinfo.value.message_dict
    updated = services.update_recall(actor=quality, recall=recall, data={"classification": "II"},
                                     reason="FDA classified it", version=recall.version)
    event = history_for(updated).filter(action="recall.updated").get()
    assert event.changes == {"classification": ["pending", "II"]}
    assert event.reason == "FDA classified it"


def test_shipments_written_by_the_bulk_import_after_opening_are_flagged_too(draft, ship, quality):
    from distribution.imports.use_cases import import_csv_file

    ship(facility_name="Mercy Hospital")
    recall = services.open_recall(actor=quality, recall=draft(), reason="open")
    data = (b"ship_date,order_number,facility_name,sku,lot_number,quantity\n"
            b"2026-03-09,SO-IMP-1,Hill Clinic,311400KIT,lot2601,2\n2026-03-09,SO-IMP-2,Hill Clinic,311400KIT,L-9,1\n")
    import_csv_file(actor=quality, name="late.csv", data=data, reason="late ERP export")
    later = selectors.later_shipments(recall)
    assert (later.new, later.changed, later.gone) == (1, 0, 0)
    [(why, entry)] = selectors.later_shipment_entries(recall)
    assert (why, entry.order_number) == ("new", "SO-IMP-1")
