"""The product catalogue's rules on every path a line takes into the log — the entry form, editing,
confirming a waiting entry, CSV, PDF and ShipStation: a line shipped on or after its lot went on hold,
quarantined or recalled, or after its expiry date, is refused naming the lot, its status and since when;
lines shipped before the change are historic and accepted; a lot first seen on a record is created
released, audited, in the same transaction."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from distribution import services
from distribution.imports.use_cases import (
    import_csv_file,
    import_pdf_files,
    preview_csv_file,
    preview_pdf_files,
)
from distribution.models import DistributionLogEntry, Status
from distribution.shipstation.client import ShipStationClient
from distribution.shipstation.sync import sync_shipments
from distribution.summaries import verify_summaries
from products.models import Lot, LotStatus
from products.services import change_lot_status
from silqeqms.audit import verify_chain
from silqeqms.models import AuditEvent
from tests.distribution.pdf_samples import make_order_pdf_reportlab, sample_order
from tests.distribution.shipstation_fake import FakeShipStation, make_item, make_shipment
from tests.factories import LotFactory, ProductFactory, UserFactory, entry_data
from tests.products.gtins import gtin14

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)
CHANGED = datetime.date(2026, 6, 1)  # the day the lot went on hold, quarantined or recalled
BEFORE, AFTER = datetime.date(2026, 5, 31), datetime.date(2026, 9, 1)
BLOCKING = [LotStatus.ON_HOLD, LotStatus.QUARANTINED, LotStatus.RECALLED]
HEADER = "ship_date,order_number,facility_name,sku,lot_number,expiry_date,quantity\r\n"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """A status change cannot apply from a future day: pin "today" after every date below."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture(autouse=True)
def stays_consistent(db):
    yield
    assert verify_summaries() == []
    assert verify_chain().ok


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def kit():
    return ProductFactory(sku="KIT-1", gtin=gtin14(1), description="Catheter kit")


def block(kit, status, lot_number="L-1"):
    lot = LotFactory(product=kit, lot_number=lot_number, expiry_date=datetime.date(2030, 12, 31))
    change_lot_status(actor=UserFactory(), lot=lot, status=status, reason="NCR-9", version=1, effective_date=CHANGED)
    return lot


def since(status) -> str:
    return f"Lot L-1 of KIT-1 has been {LotStatus(status).label.lower()} since 2026-06-01"


def form(**overrides) -> dict:
    values = entry_data(**{"sku": "KIT-1", "lot_number": "L-1", **overrides})
    return {k: ("" if v is None else v) for k, v in values.items()}


def csv(*lines: str) -> bytes:
    return (HEADER + "".join(line + "\r\n" for line in lines)).encode()


def lot_events():
    return AuditEvent.objects.filter(action="lot.created")


# The entry form ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", BLOCKING)
def test_the_entry_form_refuses_a_line_shipped_on_or_after_the_change_and_accepts_an_earlier_one(
        ops_client, kit, status):
    block(kit, status)
    url = reverse("distribution:entry_create")
    for day in (CHANGED, AFTER):
        response = ops_client.post(url, form(ship_date=day.isoformat()))
        assert response.status_code == 200
        assert since(status) in response.content.decode()
        assert f"a line shipped {day:%Y-%m-%d} cannot be recorded" in response.content.decode()
    assert not DistributionLogEntry.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="distribution_entry").exists()
    response = ops_client.post(url, form(ship_date=BEFORE.isoformat()))
    entry = DistributionLogEntry.objects.get()
    assert response.status_code == 302 and entry.ship_date == BEFORE and entry.lot_number == "L-1"


def test_the_entry_form_refuses_a_line_shipped_after_the_lot_expired_and_accepts_it_on_the_day(ops_client, kit):
    LotFactory(product=kit, lot_number="L-1", expiry_date=datetime.date(2026, 6, 30),
               manufacture_date=datetime.date(2024, 6, 30))
    url = reverse("distribution:entry_create")
    html = ops_client.post(url, form(ship_date="2026-07-01")).content.decode()
    assert "Lot L-1 of KIT-1 expired on 2026-06-30: a line shipped 2026-07-01 cannot be recorded." in html
    assert ops_client.post(url, form(ship_date="2026-06-30")).status_code == 302


def test_an_entry_whose_own_label_expired_before_the_ship_date_is_refused(ops_user, kit):
    with pytest.raises(ValidationError) as refused:
        services.create_entry(actor=ops_user, data=entry_data(sku="KIT-1", ship_date=datetime.date(2026, 7, 1),
                                                              expiry_date=datetime.date(2026, 6, 30)))
    assert refused.value.message_dict == {"expiry_date": [
        "Expiry date 2026-06-30 is before the ship date 2026-07-01: an expired device cannot be recorded as shipped."]}
    assert not DistributionLogEntry.objects.exists()


def test_editing_a_line_onto_a_held_lot_is_refused_but_correcting_its_address_is_not(ops_user, kit):
    block(kit, LotStatus.ON_HOLD)
    LotFactory(product=kit, lot_number="L-2")
    held = services.create_entry(actor=ops_user, data=entry_data(sku="KIT-1", lot_number="L-1", ship_date=BEFORE))
    other = services.create_entry(actor=ops_user, data=entry_data(sku="KIT-1", lot_number="L-2", ship_date=AFTER,
                                                                  order_number="SO-2"))
    with pytest.raises(ValidationError) as refused:
        services.update_entry(actor=ops_user, entry=other, data={"lot_number": "L-1"}, reason="wrong lot", version=1)
    assert since(LotStatus.ON_HOLD) in refused.value.message_dict["lot_number"][0]
    with pytest.raises(ValidationError):
        services.update_entry(actor=ops_user, entry=held, data={"ship_date": AFTER}, reason="date typo", version=1)
    # A held lot's historic line can still be corrected: the recall must reach the right address.
    fixed = services.update_entry(actor=ops_user, entry=held, data={"address1": "200 Dock Rd"}, reason="moved",
                                  version=1)
    assert fixed.address1 == "200 Dock Rd" and fixed.version == 2


@pytest.mark.parametrize("status", BLOCKING)
def test_confirming_a_waiting_entry_with_a_blocked_lot_is_refused_for_a_later_shipment(
        client, ops_user, kit, status):
    block(kit, status)
    late = services.create_entry(actor=ops_user, data=entry_data(sku="KIT-1", lot_number="", ship_date=AFTER))
    early = services.create_entry(actor=ops_user, data=entry_data(sku="KIT-1", lot_number="", ship_date=BEFORE,
                                                                  order_number="SO-2"))
    client.force_login(ops_user)
    response = client.post(reverse("distribution:entry_confirm", args=[late.pk]),
                           {"lot_number": "L-1", "version": 1}, follow=True)
    assert since(status) in response.content.decode()
    late.refresh_from_db()
    assert late.status == Status.NEEDS_REVIEW and late.lot_number == ""
    client.post(reverse("distribution:entry_confirm", args=[early.pk]), {"lot_number": "L-1", "version": 1})
    early.refresh_from_db()
    assert early.status == Status.ACTIVE and early.lot_number == "L-1"


# CSV and PDF -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", BLOCKING)
def test_a_csv_line_shipped_on_or_after_the_change_is_a_problem_naming_line_column_and_value(kit, status):
    block(kit, status)
    data = csv("2026-05-31,SO-1,Hospital A,KIT-1,L-1,,2", "2026-06-01,SO-2,Hospital A,KIT-1,l-1,,3")
    preview = preview_csv_file(name="june.csv", data=data)
    [problem] = preview.problems
    assert (problem.line, problem.column, problem.value) == (3, "lot_number", "l-1")
    assert problem.message.startswith(since(status))
    assert not preview.can_import
    with pytest.raises(ValidationError) as refused:
        import_csv_file(actor=UserFactory(), name="june.csv", data=data, reason="June")
    assert refused.value.messages[0].startswith("Line 3, lot_number 'l-1': " + since(status))
    assert not DistributionLogEntry.objects.exists()
    result = import_csv_file(actor=UserFactory(), name="may.csv", data=csv("2026-05-31,SO-1,Hospital A,KIT-1,L-1,,2"),
                             reason="May")
    assert result.created == 1


def test_a_csv_line_shipped_after_its_lot_expired_is_refused(kit):
    LotFactory(product=kit, lot_number="L-1", expiry_date=datetime.date(2026, 6, 30),
               manufacture_date=datetime.date(2024, 6, 30))
    preview = preview_csv_file(name="j.csv", data=csv("2026-06-30,SO-1,Hospital A,KIT-1,L-1,,2",
                                                      "2026-07-01,SO-2,Hospital A,KIT-1,L-1,,2"))
    assert [(p.line, p.column, p.message) for p in preview.problems] == [
        (3, "lot_number", "Lot L-1 of KIT-1 expired on 2026-06-30: a line shipped 2026-07-01 cannot be recorded.")]


@pytest.mark.parametrize("status", BLOCKING)
def test_a_pdf_order_shipped_on_or_after_the_change_is_refused_and_an_earlier_one_imported(kit, status):
    block(kit, status)
    lines = [{"sku": "KIT-1", "description": "Catheter kit", "lot": "L-1", "quantity": 2}]
    late = make_order_pdf_reportlab(sample_order(ship_date=AFTER, lines=lines))
    preview = preview_pdf_files(files=[("late.pdf", late)])
    assert [str(p) for p in preview.plan.problems] == [
        f"Line 1, lot_number 'L-1': {since(status)}: a line shipped 2026-09-01 cannot be recorded."]
    with pytest.raises(ValidationError):
        import_pdf_files(actor=UserFactory(), files=[("late.pdf", late)], reason="orders")
    early = make_order_pdf_reportlab(sample_order(ship_date=BEFORE, order_number="SO-2", lines=lines))
    result = import_pdf_files(actor=UserFactory(), files=[("early.pdf", early)], reason="orders")
    assert result.created == 1
    assert DistributionLogEntry.objects.get().ship_date == BEFORE


# ShipStation -------------------------------------------------------------------------------------------


@pytest.fixture
def shipstation():
    with FakeShipStation(api_key="k", api_secret="s") as server:
        yield server


def run_sync(server) -> object:
    client = ShipStationClient(base_url=server.base_url, api_key="k", api_secret="s", timeout=5, sleep=lambda s: None)
    try:
        return sync_shipments(actor=UserFactory(username="syncer"), client=client,
                              since=datetime.date(2026, 5, 1), until=datetime.date(2026, 9, 30))
    finally:
        client.close()


@pytest.mark.parametrize("status", BLOCKING)
def test_a_shipstation_item_of_a_blocked_lot_is_the_runs_error_and_the_sync_goes_on(shipstation, kit, status):
    block(kit, status)
    shipstation.shipments = [make_shipment(1, "SO-1", BEFORE, [make_item(11, "KIT-1", 2, lot="L-1")]),
                             make_shipment(2, "SO-2", AFTER, [make_item(21, "KIT-1", 3, lot="L-1")]),
                             make_shipment(3, "SO-3", AFTER, [make_item(31, "KIT-1", 4, lot="L-9")])]
    run = run_sync(shipstation)
    assert run.status == "succeeded" and run.created == 2
    assert sorted(DistributionLogEntry.objects.values_list("order_number", flat=True)) == ["SO-1", "SO-3"]
    [error] = run.errors
    assert error.startswith("Shipment 2 (order SO-2), item line-21 (KIT-1): lot_number: " + since(status))
    assert error.endswith("— skipped.")


# Lots first seen on a record ------------------------------------------------------------------------


def test_a_lot_first_seen_on_the_entry_form_is_created_released_with_the_labels_expiry(ops_client, ops_user, kit):
    response = ops_client.post(reverse("distribution:entry_create"),
                               form(lot_number="L-NEW", expiry_date="2028-01-31", serial_number="SN-7"))
    entry = DistributionLogEntry.objects.get()
    assert response.status_code == 302 and (entry.expiry_date, entry.serial_number) == (datetime.date(2028, 1, 31),
                                                                                         "SN-7")
    lot = Lot.objects.get()
    assert (lot.product, lot.lot_number, lot.status, lot.expiry_date) == (kit, "L-NEW", "released",
                                                                         datetime.date(2028, 1, 31))
    event = lot_events().get()
    assert event.actor == ops_user and event.reason == f"first seen on distribution entry {entry.pk}"
    assert event.data == {"sku": "KIT-1", "first_seen_on_record": True}
    assert event.changes["status"] == [None, "released"]


def test_a_lot_already_recorded_in_another_case_is_not_created_again_and_an_unknown_sku_makes_no_lot(ops_user, kit):
    LotFactory(product=kit, lot_number="L-1")
    services.create_entry(actor=ops_user, data=entry_data(sku="KIT-1", lot_number="l-1"))
    services.create_entry(actor=ops_user, data=entry_data(sku="NOT-IN-CATALOGUE", lot_number="X-1", order_number="SO-2"))
    assert list(Lot.objects.values_list("lot_number", flat=True)) == ["L-1"]
    assert not lot_events().exists()


def test_editing_and_confirming_create_the_lots_they_name(ops_user, kit):
    entry = services.create_entry(actor=ops_user, data=entry_data(sku="KIT-1", lot_number="L-A"))
    services.update_entry(actor=ops_user, entry=entry, data={"lot_number": "L-B"}, reason="typo", version=1)
    waiting = services.create_entry(actor=ops_user, data=entry_data(sku="KIT-1", lot_number="", order_number="SO-2"))
    services.confirm_entry(actor=ops_user, entry=waiting, lot_number="L-C", version=1)
    assert sorted(Lot.objects.values_list("lot_number", flat=True)) == ["L-A", "L-B", "L-C"]
    assert lot_events().count() == 3


def test_a_failed_entry_creates_no_lot(ops_user, kit):
    with pytest.raises(ValidationError):
        services.create_entry(actor=ops_user, data=entry_data(sku="KIT-1", lot_number="L-NEW", quantity=0))
    assert not Lot.objects.exists() and not lot_events().exists()


def test_an_import_creates_each_new_lot_once_with_its_expiry_in_the_same_transaction(kit):
    actor = UserFactory(username="importer")
    data = csv("2026-05-01,SO-1,Hospital A,KIT-1,L-A,2027-12-31,2", "2026-05-02,SO-2,Hospital A,KIT-1,l-a,,1",
               "2026-05-02,SO-3,Hospital A,KIT-1,L-B,,1", "2026-05-03,SO-4,Hospital A,OTHER,L-C,,1")
    import_csv_file(actor=actor, name="may.csv", data=data, reason="May shipments")
    lots = {lot.lot_number: lot for lot in Lot.objects.all()}
    assert set(lots) == {"L-A", "L-B"}
    assert lots["L-A"].expiry_date == datetime.date(2027, 12, 31) and lots["L-B"].expiry_date is None
    assert all(lot.status == "released" for lot in lots.values())
    assert {(e.actor_id, e.reason) for e in lot_events()} == {(actor.pk, "May shipments")}
    assert lot_events().count() == 2


def test_a_pdf_import_and_a_sync_create_the_lots_they_bring(shipstation, kit):
    lines = [{"sku": "KIT-1", "description": "Kit", "lot": "L-PDF", "quantity": 2}]
    import_pdf_files(actor=UserFactory(), files=[("o.pdf", make_order_pdf_reportlab(sample_order(lines=lines)))],
                     reason="orders")
    shipstation.shipments = [make_shipment(1, "SO-9", BEFORE, [make_item(11, "KIT-1", 2, lot="L-SS")])]
    run_sync(shipstation)
    assert sorted(Lot.objects.values_list("lot_number", flat=True)) == ["L-PDF", "L-SS"]
    assert lot_events().count() == 2
