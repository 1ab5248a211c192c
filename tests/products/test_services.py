"""products.services: database effects and their audit events."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from products.models import Lot, LotStatus, LotStatusChange, Product
from products.selectors import lots_for_number, product_for_gtin, products_by_sku
from products.services import (
    change_lot_status,
    create_lot,
    create_product,
    ensure_lots,
    ensure_products,
    ensure_products_and_lots,
    update_lot,
    update_product,
)
from silqeqms.audit import verify_chain
from silqeqms.edits import StaleVersionError
from silqeqms.models import AuditEvent
from tests.factories import LotFactory, ProductFactory, UserFactory
from tests.products.gtins import gtin14, with_check_digit, with_wrong_check_digit

pytestmark = pytest.mark.django_db


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


@pytest.fixture
def user():
    return UserFactory(username="olive")


# Products ---------------------------------------------------------------------------------------------


def test_create_product_stores_the_14_digit_gtin_and_records_who_created_it(user):
    product = create_product(actor=user, data={"sku": " 211810SPT ", "description": "Spinal tray",
                                               "gtin": gtin14(1)[1:]})
    product.refresh_from_db()
    assert (product.sku, product.description, product.gtin, product.is_active) == (
        "211810SPT", "Spinal tray", gtin14(1), True)
    assert product.created_by == user
    (event,) = events("product.created")
    assert (event.actor, event.target_type, event.target_id) == (user, "products.product", str(product.pk))
    assert event.changes == {"sku": [None, "211810SPT"], "description": [None, "Spinal tray"],
                             "gtin": [None, gtin14(1)], "is_active": [None, True]}


def test_a_sku_differing_only_in_case_is_the_existing_product(user):
    existing = ProductFactory(sku="211810SPT")
    with pytest.raises(ValidationError) as info:
        create_product(actor=user, data={"sku": "211810spt"})
    (error,) = info.value.error_dict["sku"]
    assert error.code == "duplicate_sku" and error.params["pk"] == existing.pk
    assert Product.objects.count() == 1 and not events("product.created")


def test_the_database_itself_refuses_a_second_spelling_of_a_sku():
    ProductFactory(sku="KIT-1", gtin="")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(sku="kit-1", gtin="")


def test_a_gtin_with_a_wrong_check_digit_is_refused_and_nothing_is_written(user):
    with pytest.raises(ValidationError) as info:
        create_product(actor=user, data={"sku": "KIT-1", "gtin": with_wrong_check_digit("0081234567001")})
    assert "wrong check digit" in info.value.error_dict["gtin"][0].message
    assert not Product.objects.exists() and not AuditEvent.objects.exists()


def test_a_gtin_belongs_to_one_product_only(user):
    ProductFactory(sku="KIT-1", gtin=gtin14(5))
    with pytest.raises(ValidationError) as info:
        create_product(actor=user, data={"sku": "KIT-2", "gtin": gtin14(5)})
    assert info.value.message_dict["gtin"] == [f"GTIN {gtin14(5)} is already the GTIN of KIT-1."]


@pytest.mark.parametrize("sku", ["KIT 1", "KIT#1", ""])
def test_a_new_sku_outside_the_character_set_is_refused(user, sku):
    with pytest.raises(ValidationError) as info:
        create_product(actor=user, data={"sku": sku})
    assert "sku" in info.value.error_dict


def test_update_product_records_old_and_new_values_with_the_reason(user):
    product = ProductFactory(sku="KIT-1", description="Kit", gtin="")
    updated = update_product(actor=user, product=product, version=1, reason="  GTIN assigned by GS1 US ",
                             data={"description": "Kit, sterile", "gtin": gtin14(7), "is_active": False,
                                   "sku": "IGNORED"})
    product.refresh_from_db()
    assert (product.sku, product.description, product.gtin, product.is_active, product.version) == (
        "KIT-1", "Kit, sterile", gtin14(7), False, 2)
    assert updated.updated_by == user
    (event,) = events("product.updated")
    assert event.reason == "GTIN assigned by GS1 US"
    assert event.changes == {"description": ["Kit", "Kit, sterile"], "gtin": ["", gtin14(7)],
                             "is_active": [True, False]}


def test_update_product_without_a_reason_writes_nothing(user):
    product = ProductFactory(description="Kit")
    with pytest.raises(ValidationError) as info:
        update_product(actor=user, product=product, version=1, reason="   ", data={"description": "New"})
    assert "reason" in info.value.error_dict
    product.refresh_from_db()
    assert product.description == "Kit" and not AuditEvent.objects.exists()


def test_a_stale_version_is_refused_naming_who_changed_the_product(user):
    product = ProductFactory(description="Kit")
    update_product(actor=UserFactory(username="quinn"), product=product, version=1, reason="typo",
                   data={"description": "Kit A"})
    with pytest.raises(StaleVersionError) as info:
        update_product(actor=user, product=product, version=1, reason="mine", data={"description": "Kit B"})
    assert "changed by quinn" in info.value.messages[0]
    product.refresh_from_db()
    assert product.description == "Kit A" and len(events("product.updated")) == 1


def test_an_update_that_changes_nothing_writes_nothing(user):
    product = ProductFactory(description="Kit", gtin=gtin14(3))
    update_product(actor=user, product=product, version=1, reason="check", data={"description": "Kit",
                                                                                 "gtin": gtin14(3)[1:]})
    product.refresh_from_db()
    assert product.version == 1 and not AuditEvent.objects.exists()


# Lots ------------------------------------------------------------------------------------------------


def test_create_lot_starts_released_and_is_audited(user):
    product = ProductFactory(sku="KIT-1")
    lot = create_lot(actor=user, product=product, data={"lot_number": "L-2601", "expiry_date": datetime.date(2028, 1, 31),
                                                        "manufacture_date": datetime.date(2026, 1, 31)})
    lot.refresh_from_db()
    assert (lot.lot_number, lot.status, lot.expiry_date, lot.status_since) == (
        "L-2601", "released", datetime.date(2028, 1, 31), None)
    (event,) = events("lot.created")
    assert (event.actor, event.target_repr, event.data) == (user, "Lot L-2601 (KIT-1)", {"sku": "KIT-1"})
    assert event.changes["expiry_date"] == [None, "2028-01-31"]


def test_a_lot_number_differing_only_in_case_is_the_existing_lot(user):
    lot = LotFactory(lot_number="L-2601")
    with pytest.raises(ValidationError) as info:
        create_lot(actor=user, product=lot.product, data={"lot_number": "l-2601"})
    assert info.value.error_dict["lot_number"][0].code == "duplicate_lot"
    create_lot(actor=user, product=ProductFactory(), data={"lot_number": "l-2601"})  # another product's: fine


def test_a_lot_made_after_it_expires_is_refused_by_the_service_and_the_database(user):
    product = ProductFactory()
    with pytest.raises(ValidationError):
        create_lot(actor=user, product=product, data={"lot_number": "L1", "expiry_date": datetime.date(2026, 1, 1),
                                                      "manufacture_date": datetime.date(2026, 2, 1)})
    with pytest.raises(IntegrityError), transaction.atomic():
        LotFactory(expiry_date=datetime.date(2026, 1, 1), manufacture_date=datetime.date(2026, 2, 1))


def test_update_lot_changes_dates_with_a_reason_and_refuses_a_stale_form(user):
    lot = LotFactory(expiry_date=datetime.date(2030, 12, 31))
    update_lot(actor=user, lot=lot, version=1, reason="label reprinted", data={"expiry_date": datetime.date(2029, 6, 30)})
    lot.refresh_from_db()
    assert (lot.expiry_date, lot.version) == (datetime.date(2029, 6, 30), 2)
    (event,) = events("lot.updated")
    assert (event.reason, event.changes) == ("label reprinted", {"expiry_date": ["2030-12-31", "2029-06-30"]})
    with pytest.raises(StaleVersionError):
        update_lot(actor=user, lot=lot, version=1, reason="x", data={"expiry_date": None})


def test_a_status_change_keeps_who_when_from_to_why_and_the_day_it_applies_from(user):
    lot = LotFactory()
    day = timezone.localdate() - datetime.timedelta(days=3)
    change = change_lot_status(actor=user, lot=lot, status=LotStatus.ON_HOLD, reason="sterility check pending",
                               version=1, effective_date=day)
    change.refresh_from_db()
    lot.refresh_from_db()
    assert (change.lot, change.from_status, change.to_status, change.effective_date, change.reason,
            change.changed_by) == (lot, "released", "on_hold", day, "sterility check pending", user)
    assert change.changed_at is not None
    assert (lot.status, lot.status_since, lot.version) == ("on_hold", day, 2)
    (event,) = events("lot.status_changed")
    assert (event.actor, event.reason, event.target_id) == (user, "sterility check pending", str(lot.pk))
    assert event.changes == {"status": ["released", "on_hold"], "status_since": [None, day.isoformat()]}
    assert event.data == {"sku": lot.product.sku, "status_change_id": change.pk}


@pytest.mark.parametrize(("status", "effective", "field", "says"), [
    ("released", None, "status", "already released"),
    ("expired", None, "status", "expiry date"),
    ("on_hold", 1, "effective_date", "future"),
    ("on_hold", -20000, "effective_date", "too far back"),
])
def test_a_status_change_that_cannot_be_is_refused_and_writes_nothing(user, status, effective, field, says):
    lot = LotFactory()
    day = timezone.localdate() + datetime.timedelta(days=effective) if effective else None
    with pytest.raises(ValidationError) as info:
        change_lot_status(actor=user, lot=lot, status=status, reason="r", version=1, effective_date=day)
    assert says in info.value.error_dict[field][0].message
    assert not LotStatusChange.objects.exists() and not AuditEvent.objects.exists()


def test_a_status_change_needs_a_reason(user):
    with pytest.raises(ValidationError):
        change_lot_status(actor=user, lot=LotFactory(), status="on_hold", reason=" ", version=1)
    assert not LotStatusChange.objects.exists()


def test_a_status_change_cannot_apply_before_the_previous_one(user):
    lot = LotFactory()
    today = timezone.localdate()
    change_lot_status(actor=user, lot=lot, status="quarantined", reason="NCR-12", version=1, effective_date=today)
    with pytest.raises(ValidationError) as info:
        change_lot_status(actor=user, lot=lot, status="released", reason="cleared", version=2,
                          effective_date=today - datetime.timedelta(days=1))
    assert "cannot apply before it" in info.value.error_dict["effective_date"][0].message


def test_a_stale_status_form_is_refused_but_a_system_caller_may_skip_the_check(user):
    lot = LotFactory()
    change_lot_status(actor=user, lot=lot, status="on_hold", reason="NCR-1", version=1)
    with pytest.raises(StaleVersionError):
        change_lot_status(actor=user, lot=lot, status="quarantined", reason="NCR-1", version=1)
    change_lot_status(actor=None, lot=lot, status="recalled", reason="RCL-2026-001 opened", version=None)
    lot.refresh_from_db()
    assert lot.status == "recalled" and events("lot.status_changed")[-1].actor_label == "system"


def test_a_released_lot_past_its_expiry_date_shows_as_expired():
    lot = LotFactory.build(expiry_date=datetime.date(2026, 3, 31))
    assert lot.current_status(datetime.date(2026, 3, 31)) == "released"
    assert lot.current_status(datetime.date(2026, 4, 1)) == "expired"
    assert LotFactory.build(expiry_date=None).current_status() == "released"


# Bulk find-or-create for records ----------------------------------------------------------------------


def test_ensure_lots_creates_released_lots_only_for_known_products_and_audits_each(user):
    kit = ProductFactory(sku="KIT-1")
    LotFactory(product=kit, lot_number="L1")
    found = ensure_lots(actor=user, reason="first seen on a CSV import",
                        lots=[("KIT-1", "L1"), ("kit-1", "l1"), ("KIT-1", "L 2 (rework)"), ("NOPE", "L9"),
                              ("KIT-1", ""), ("KIT-1", "L3"), ("KIT-1", "l3")])
    assert set(found) == {("KIT-1", "L1"), ("kit-1", "l1"), ("KIT-1", "L 2 (rework)"), ("KIT-1", "L3"),
                          ("KIT-1", "l3")}
    assert found[("kit-1", "l1")] == found[("KIT-1", "L1")]
    assert found[("KIT-1", "L3")] == found[("KIT-1", "l3")]
    assert sorted(Lot.objects.values_list("lot_number", "status")) == [
        ("L 2 (rework)", "released"), ("L1", "released"), ("L3", "released")]
    created = events("lot.created")
    assert sorted(e.target_repr for e in created) == ["Lot L 2 (rework) (KIT-1)", "Lot L3 (KIT-1)"]
    assert {e.reason for e in created} == {"first seen on a CSV import"}
    assert verify_chain().ok


def test_ensure_lots_runs_a_fixed_number_of_queries_whatever_the_number_of_lots(user):
    """On SQLite bulk inserts go 60-odd rows a statement (its 999-parameter batches); PostgreSQL COPYs any
    number in one. 60 lots stay within one batch on both."""
    products = [ProductFactory(sku=f"KIT-{i}") for i in range(5)]

    def pairs(n: int, tag: str) -> list[tuple[str, str]]:
        return [(products[i % 5].sku, f"{tag}-{i}") for i in range(n)]

    ensure_lots(actor=user, lots=pairs(3, "A"), reason="r")  # warm-up
    with CaptureQueriesContext(connection) as few:
        ensure_lots(actor=user, lots=pairs(10, "B"), reason="r")
    with CaptureQueriesContext(connection) as many:
        ensure_lots(actor=user, lots=pairs(60, "C"), reason="r")
    assert len(many.captured_queries) == len(few.captured_queries) <= 12
    assert Lot.objects.count() == 73


def test_ensure_products_and_lots_brings_recorded_skus_and_lots_into_the_catalogue(user):
    ProductFactory(sku="KIT-1")
    products, lots = ensure_products_and_lots(actor=None, reason="products from the distribution log",
                                              skus=["OLD SKU 7"], lots=[("kit-1", "A"), ("NEW-2", "B b")])
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["KIT-1", "NEW-2", "OLD SKU 7"]
    assert set(products) == {"OLD SKU 7", "kit-1", "NEW-2"}
    assert lots[("NEW-2", "B b")].product.sku == "NEW-2"
    assert sorted(e.target_repr for e in events("product.created")) == ["NEW-2", "OLD SKU 7"]
    assert ensure_products(actor=None, skus=["new-2"], reason="again") == {"new-2": products["NEW-2"]}
    assert len(events("product.created")) == 2


# Lookups ----------------------------------------------------------------------------------------------


def test_products_by_sku_matches_ignoring_case_and_spaces():
    kit = ProductFactory(sku="KIT-1")
    assert products_by_sku(["kit-1", " KIT-1 ", "KIT-2", ""]) == {"kit-1": kit, " KIT-1 ": kit}


def test_product_for_gtin_accepts_any_length_and_ignores_invalid_input():
    kit = ProductFactory(gtin=with_check_digit("0003600029145"))  # the UPC-A 036000291452 as a GTIN-14
    assert product_for_gtin("036000291452") == kit
    assert product_for_gtin("0036000291453") is None
    assert product_for_gtin("not a gtin") is None


def test_lots_for_number_finds_each_products_lot_ignoring_case(django_assert_num_queries):
    a = LotFactory(lot_number="L-77", product=ProductFactory(sku="A"))
    b = LotFactory(lot_number="l-77", product=ProductFactory(sku="B"))
    LotFactory(lot_number="L-78")
    with django_assert_num_queries(1):
        found = lots_for_number(" L-77")
        assert [(lot.product.sku, lot) for lot in found] == [("A", a), ("B", b)]
    assert lots_for_number("") == []
