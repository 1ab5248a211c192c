"""products.selectors.shipping_problems: the one check every distribution entry path runs."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from products.models import LotStatus
from products.selectors import ERROR, WARNING, ShipLine, has_errors, shipping_problems
from products.services import change_lot_status
from tests.factories import LotFactory, ProductFactory, UserFactory
from tests.products.gtins import gtin14, with_wrong_check_digit

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Status changes cannot apply from a future day: pin "today" so the dates below stay in the past."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def kit():
    return ProductFactory(sku="KIT-1", gtin=gtin14(1))


def codes(problems: dict, index: int = 0) -> list[tuple[str, str]]:
    return [(p.level, p.code) for p in problems.get(index, [])]


def line(**overrides) -> ShipLine:
    values = {"sku": "KIT-1", "lot_number": "L1", "ship_date": datetime.date(2026, 6, 1), "udi_di": ""}
    return ShipLine(**{**values, **overrides})


def test_a_released_lot_of_a_known_product_may_ship(kit):
    LotFactory(product=kit, lot_number="L1")
    assert shipping_problems([line(), line(lot_number="l1"), line(lot_number="NEW-LOT")]) == {}


@pytest.mark.parametrize("status", [LotStatus.ON_HOLD, LotStatus.QUARANTINED, LotStatus.RECALLED])
def test_a_line_shipped_on_or_after_the_lot_was_blocked_is_refused_and_earlier_ones_are_accepted(kit, status):
    lot = LotFactory(product=kit, lot_number="L1")
    change_lot_status(actor=UserFactory(), lot=lot, status=status, reason="NCR-9", version=1,
                      effective_date=datetime.date(2026, 6, 1))
    problems = shipping_problems([line(ship_date=datetime.date(2026, 5, 31)), line(ship_date=datetime.date(2026, 6, 1)),
                                  line(ship_date=datetime.date(2026, 9, 1))])
    assert 0 not in problems  # shipped the day before: historic, accepted
    assert codes(problems, 1) == codes(problems, 2) == [(ERROR, f"lot_{status}")]
    label = LotStatus(status).label.lower()
    assert str(problems[1][0]) == (f"Lot L1 of KIT-1 has been {label} since 2026-06-01: a line shipped 2026-06-01 "
                                   "cannot be recorded.")
    assert problems[1][0].field == "lot_number"
    assert has_errors(problems)


def test_a_line_shipped_while_a_lot_was_on_hold_stays_refused_after_its_release(kit):
    lot = LotFactory(product=kit, lot_number="L1")
    user = UserFactory()
    change_lot_status(actor=user, lot=lot, status="on_hold", reason="NCR-9", version=1,
                      effective_date=datetime.date(2026, 6, 1))
    change_lot_status(actor=user, lot=lot, status="released", reason="NCR-9 closed", version=2,
                      effective_date=datetime.date(2026, 6, 10))
    problems = shipping_problems([line(ship_date=datetime.date(2026, 6, 5)), line(ship_date=datetime.date(2026, 6, 10))])
    assert str(problems[0][0]) == ("Lot L1 of KIT-1 was on hold from 2026-06-01 until 2026-06-10: a line shipped "
                                   "2026-06-05 cannot be recorded.")
    assert 1 not in problems


def test_a_line_shipped_after_the_expiry_date_is_refused_and_on_the_day_accepted(kit):
    LotFactory(product=kit, lot_number="L1", expiry_date=datetime.date(2026, 6, 30),
               manufacture_date=datetime.date(2024, 6, 30))
    problems = shipping_problems([line(ship_date=datetime.date(2026, 6, 30)), line(ship_date=datetime.date(2026, 7, 1))])
    assert 0 not in problems
    assert codes(problems, 1) == [(ERROR, "lot_expired")]
    assert str(problems[1][0]) == "Lot L1 of KIT-1 expired on 2026-06-30: a line shipped 2026-07-01 cannot be recorded."


def test_an_unknown_sku_is_a_warning_unless_the_setting_makes_it_an_error(kit, settings):
    problems = shipping_problems([line(sku="KIT-9")])
    assert codes(problems) == [(WARNING, "unknown_sku")]
    assert not has_errors(problems)
    assert str(problems[0][0]) == "SKU “KIT-9” is not in the product catalogue."
    settings.PRODUCTS_UNKNOWN_SKU = "error"
    assert codes(shipping_problems([line(sku="KIT-9")])) == [(ERROR, "unknown_sku")]


def test_an_inactive_product_is_a_warning():
    ProductFactory(sku="KIT-1", is_active=False)
    assert codes(shipping_problems([line()])) == [(WARNING, "inactive_product")]


def test_the_udi_di_must_agree_with_the_products_gtin(kit):
    other = ProductFactory(sku="KIT-2", gtin=gtin14(2))
    ProductFactory(sku="KIT-3", gtin="")
    problems = shipping_problems([
        line(udi_di=gtin14(1)),  # agrees
        line(udi_di=gtin14(1)[1:]),  # agrees, as a GTIN-13
        line(udi_di=gtin14(3)),  # KIT-1 has another GTIN; nobody has this one
        line(udi_di=other.gtin),  # another product's GTIN
        line(sku="KIT-3", udi_di=other.gtin),  # KIT-3 has no GTIN, but this one is KIT-2's
        line(sku="KIT-3", udi_di=gtin14(3)),  # KIT-3 has no GTIN, nobody has this one: not both known
        line(udi_di=with_wrong_check_digit(gtin14(1)[:-1])),
    ])
    assert set(problems) == {2, 3, 4, 6}
    assert str(problems[2][0]) == f"UDI-DI {gtin14(3)} does not match SKU KIT-1, whose GTIN is {gtin14(1)}."
    assert str(problems[3][0]) == (f"UDI-DI {other.gtin} does not match SKU KIT-1, whose GTIN is {gtin14(1)} "
                                   "(it is the GTIN of KIT-2).")
    assert str(problems[4][0]) == f"UDI-DI {other.gtin} is the GTIN of KIT-2, not of KIT-3."
    assert codes(problems, 6) == [(ERROR, "invalid_udi_di")] and "wrong check digit" in str(problems[6][0])


def test_a_line_without_a_sku_is_checked_through_its_udi_di(kit):
    lot = LotFactory(product=kit, lot_number="L1")
    change_lot_status(actor=None, lot=lot, status="recalled", reason="RCL", version=None,
                      effective_date=datetime.date(2026, 1, 1))
    assert codes(shipping_problems([line(sku="", udi_di=kit.gtin)])) == [(ERROR, "lot_recalled")]


def test_lines_without_a_lot_or_a_date_are_not_checked_against_lots(kit):
    LotFactory(product=kit, lot_number="L1", expiry_date=datetime.date(2020, 1, 1), manufacture_date=None)
    assert shipping_problems([line(lot_number=""), line(ship_date=None)]) == {}


def test_thousands_of_lines_take_three_queries():
    products = [ProductFactory(sku=f"KIT-{i}") for i in range(20)]
    lots = [LotFactory(product=products[i % 20], lot_number=f"L{i}") for i in range(200)]
    change_lot_status(actor=None, lot=lots[7], status="on_hold", reason="NCR", version=None,
                      effective_date=datetime.date(2026, 3, 1))
    lines = [ShipLine(sku=lots[i % 200].product.sku if i % 50 else "UNKNOWN", lot_number=lots[i % 200].lot_number,
                      ship_date=datetime.date(2026, 6, 1)) for i in range(5000)]
    with CaptureQueriesContext(connection) as queries:
        problems = shipping_problems(lines)
    assert len(queries.captured_queries) == 3
    assert {p.code for found in problems.values() for p in found} == {"unknown_sku", "lot_on_hold"}
    assert sum(1 for found in problems.values() for p in found if p.code == "lot_on_hold") == 25
