"""Every definition of DESIGN.md "Sales dashboard definitions", on hand-built data written through the services."""

from __future__ import annotations

import datetime

import pytest

from distribution.services import confirm_entry, update_entry, void_entry
from sales_dashboard import selectors
from sales_dashboard.selectors import LotPending, MonthUnits, Window
from tests.factories import DistributionLogEntryFactory

pytestmark = pytest.mark.django_db

D = datetime.date
DEFAULT = Window(start=D(2026, 1, 1))


def totals(window: Window = DEFAULT) -> dict:
    data = selectors.dashboard_json(window=window)
    return {k: v for k, v in data.items() if k not in ("start", "end", "sku_breakdown", "lots")}


def test_an_empty_database_gives_zeros_and_empty_lists():
    assert selectors.dashboard_json(window=DEFAULT) == {
        "start": "2026-01-01", "end": None, "total_orders_window": 0, "total_orders_lifetime": 0,
        "total_units_window": 0, "total_customers_lifetime": 0, "first_time_customers": 0, "repeat_customers": 0,
        "sku_breakdown": [], "lots": [],
    }
    page = selectors.dashboard(window=DEFAULT)
    assert page.active_customers_window == 0
    assert page.skus == []
    assert page.months == []
    assert page.lot_pending == LotPending(entries=0, units=0)
    assert page.unlinked_entries == 0


def test_an_order_number_shared_by_two_customers_is_two_orders(ship):
    ship(order_number="SO-7", facility_name="Hospital A", quantity=2)
    ship(order_number="SO-7", facility_name="Clinic B", quantity=3)
    assert totals() == {
        "total_orders_window": 2, "total_orders_lifetime": 2, "total_units_window": 5,
        "total_customers_lifetime": 2, "first_time_customers": 2, "repeat_customers": 0,
    }


def test_two_lines_of_one_order_are_one_order(ship):
    ship(order_number="SO-8", sku="A", quantity=2)
    ship(order_number="SO-8", sku="B", quantity=3, ship_date=D(2026, 3, 9))
    assert totals()["total_orders_window"] == 1
    assert totals()["total_units_window"] == 5


def test_an_order_shipped_in_two_parts_across_the_window_start_is_dated_by_its_first_part(ship):
    ship(order_number="SO-9", ship_date=D(2025, 12, 20), quantity=3)
    ship(order_number="SO-9", ship_date=D(2026, 1, 5), quantity=4)
    inside = totals()
    assert inside["total_orders_window"] == 0  # the order's date is 2025-12-20, before the start
    assert inside["total_orders_lifetime"] == 1
    assert inside["total_units_window"] == 4  # only the part shipped in the window
    # ... but the customer did receive a shipment in the window:
    assert selectors.active_customers_in_window(window=DEFAULT) == 1
    wider = totals(Window(start=D(2025, 12, 1)))
    assert wider["total_orders_window"] == 1
    assert wider["total_units_window"] == 7


def test_the_end_date_is_inclusive(ship):
    ship(order_number="SO-1", ship_date=D(2026, 2, 28), quantity=2)
    ship(order_number="SO-2", ship_date=D(2026, 3, 1), quantity=5)
    assert totals(Window(start=D(2026, 2, 28), end=D(2026, 2, 28)))["total_orders_window"] == 1
    assert totals(Window(start=D(2026, 1, 1), end=D(2026, 2, 28)))["total_units_window"] == 2
    assert totals(Window(start=D(2026, 1, 1), end=D(2026, 3, 1)))["total_units_window"] == 7
    assert totals(Window(start=D(2026, 3, 1), end=D(2026, 3, 1)))["total_units_window"] == 5
    assert totals(Window(start=D(2026, 3, 2)))["total_units_window"] == 0


def test_voided_entries_are_excluded_everywhere(ship, clerk):
    ship(order_number="SO-1", sku="KEEP", lot_number="L1", quantity=2)
    gone = ship(order_number="SO-1", sku="GONE", lot_number="L2", quantity=40, ship_date=D(2026, 4, 2))
    void_entry(actor=clerk, entry=gone, reason="entered twice")
    data = selectors.dashboard_json(window=DEFAULT)
    assert data["total_units_window"] == 2
    assert data["sku_breakdown"] == [{"sku": "KEEP", "units": 2}]
    assert [lot["lot_number"] for lot in data["lots"]] == ["L1"]
    assert selectors.units_per_month(window=Window(D(2026, 3, 1), D(2026, 4, 30))) == [
        MonthUnits(month=D(2026, 3, 1), units=2), MonthUnits(month=D(2026, 4, 1), units=0)]


def test_a_customer_whose_only_order_is_voided_is_no_longer_a_customer(ship, clerk):
    ship(order_number="SO-1", facility_name="Hospital A")
    only = ship(order_number="SO-2", facility_name="Clinic B")
    void_entry(actor=clerk, entry=only, reason="wrong customer")
    assert totals() == {
        "total_orders_window": 1, "total_orders_lifetime": 1, "total_units_window": 5,
        "total_customers_lifetime": 1, "first_time_customers": 1, "repeat_customers": 0,
    }
    assert selectors.active_customers_in_window(window=DEFAULT) == 1


def test_first_time_customers_have_one_order_and_repeat_customers_two_or_more(ship):
    ship(order_number="SO-1", facility_name="Once Clinic")
    ship(order_number="SO-2", facility_name="Twice Clinic", ship_date=D(2025, 6, 1))
    ship(order_number="SO-3", facility_name="Twice Clinic")
    for n in range(3):
        ship(order_number=f"SO-{10 + n}", facility_name="Thrice Clinic")
    counts = totals()
    assert counts["total_customers_lifetime"] == 3
    assert counts["first_time_customers"] == 1
    assert counts["repeat_customers"] == 2
    assert counts["total_orders_lifetime"] == 6
    assert counts["total_orders_window"] == 5


def test_sku_breakdown_is_units_in_the_window_largest_first_ties_by_sku(ship):
    ship(order_number="SO-1", sku="B-SKU", quantity=5)
    ship(order_number="SO-2", sku="A-SKU", quantity=5)
    ship(order_number="SO-3", sku="C-SKU", quantity=9)
    ship(order_number="SO-4", sku="C-SKU", quantity=1, ship_date=D(2025, 12, 31))  # outside the window
    ship(order_number="SO-5", sku="OLD", quantity=50, ship_date=D(2025, 11, 1))
    rows = selectors.sku_breakdown(window=DEFAULT)
    assert [(r.sku, r.units) for r in rows] == [("C-SKU", 9), ("A-SKU", 5), ("B-SKU", 5)]
    assert [round(r.share, 1) for r in rows] == [47.4, 26.3, 26.3]
    assert rows[0].of_largest == 100.0


def test_lots_cover_all_time_ordered_by_lot_number_with_first_and_last_dates(ship):
    ship(order_number="SO-1", lot_number="LOT-B", ship_date=D(2024, 5, 1), quantity=1)
    ship(order_number="SO-2", lot_number="LOT-B", ship_date=D(2026, 7, 1), quantity=2)
    ship(order_number="SO-3", lot_number="LOT-A", ship_date=D(2026, 2, 1), quantity=3)
    lots = selectors.dashboard_json(window=Window(D(2026, 6, 1), D(2026, 6, 30)))["lots"]
    assert lots == [
        {"lot_number": "LOT-A", "units": 3, "first_ship_date": "2026-02-01", "last_ship_date": "2026-02-01"},
        {"lot_number": "LOT-B", "units": 3, "first_ship_date": "2024-05-01", "last_ship_date": "2026-07-01"},
    ]


def test_entries_without_a_lot_are_counted_as_lot_pending_and_not_listed(ship, clerk):
    ship(order_number="SO-1", lot_number="L1", quantity=2)
    waiting = ship(order_number="SO-2", lot_number="", quantity=3)
    ship(order_number="SO-3", lot_number="", quantity=4)
    assert selectors.lot_pending() == LotPending(entries=2, units=7)
    assert [lot.lot_number for lot in selectors.lot_summaries()] == ["L1"]
    assert totals()["total_units_window"] == 9  # pending entries still count as shipped units
    confirm_entry(actor=clerk, entry=waiting, lot_number="L9")
    assert selectors.lot_pending() == LotPending(entries=1, units=4)
    assert [lot.lot_number for lot in selectors.lot_summaries()] == ["L1", "L9"]


def test_lot_search_matches_part_of_the_lot_number(ship):
    for lot in ("AB-100", "AB-200", "CD-100"):
        ship(order_number=f"SO-{lot}", lot_number=lot)
    assert [lot.lot_number for lot in selectors.lot_summaries(search="b-1")] == ["AB-100"]
    assert [lot.lot_number for lot in selectors.lot_summaries(search="100")] == ["AB-100", "CD-100"]


def test_units_per_month_fill_empty_months_and_stop_at_the_end(ship):
    ship(order_number="SO-1", ship_date=D(2026, 1, 31), quantity=2)
    ship(order_number="SO-2", ship_date=D(2026, 3, 1), quantity=3)
    ship(order_number="SO-3", ship_date=D(2026, 3, 31), quantity=4)
    assert selectors.units_per_month(window=DEFAULT) == [
        MonthUnits(D(2026, 1, 1), 2), MonthUnits(D(2026, 2, 1), 0), MonthUnits(D(2026, 3, 1), 7)]
    assert selectors.units_per_month(window=Window(D(2025, 12, 15), D(2026, 2, 10))) == [
        MonthUnits(D(2025, 12, 1), 0), MonthUnits(D(2026, 1, 1), 2), MonthUnits(D(2026, 2, 1), 0)]


def test_a_very_long_window_charts_only_the_months_with_shipments(ship):
    ship(order_number="SO-1", ship_date=D(2026, 2, 3), quantity=2)
    ship(order_number="SO-2", ship_date=D(2026, 4, 3), quantity=3)
    months = selectors.units_per_month(window=Window(D(1990, 1, 1), D(2099, 12, 31)))
    assert [m.month for m in months] == [D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)]


def test_an_edit_that_moves_an_entry_out_of_the_window_moves_its_units(ship, clerk):
    entry = ship(order_number="SO-1", quantity=6)
    update_entry(actor=clerk, entry=entry, data={"ship_date": D(2025, 12, 1)}, reason="date typo",
                 version=entry.version)
    assert totals()["total_units_window"] == 0
    assert totals()["total_orders_window"] == 0
    assert totals()["total_orders_lifetime"] == 1


def test_unlinked_entries_are_counted_for_the_banner(ship):
    ship()
    DistributionLogEntryFactory(customer=None, facility_name="Nobody Yet")
    DistributionLogEntryFactory(customer=None, facility_name="Nobody Yet", status="voided")
    assert selectors.unlinked_entries_count() == 1


def test_the_window_condition_is_start_inclusive_and_end_optional():
    assert Window(D(2026, 1, 1)).as_data() == {"start": "2026-01-01", "end": None}
    assert Window(D(2026, 1, 1), D(2026, 2, 1)).as_data() == {"start": "2026-01-01", "end": "2026-02-01"}


def test_active_customers_in_any_window_agree_with_the_entries_whatever_the_edges(ship, clerk):
    """The fast path (each customer's first and last live ship date) against the rule written over the
    entries: customers inside the window, straddling either edge, with a gap over the window, only
    voided shipments in it, and unlinked entries."""
    from customers.models import Customer
    from distribution.models import DistributionLogEntry, Status
    from tests.factories import CustomerFactory

    inside, before_and_in, in_and_after, gap, voided_only = (CustomerFactory(facility_name=f"Clinic {n}")
                                                             for n in range(5))
    shipments = [(inside, D(2026, 3, 10)), (inside, D(2026, 3, 20)), (before_and_in, D(2026, 1, 5)),
                 (before_and_in, D(2026, 3, 15)), (in_and_after, D(2026, 3, 31)), (in_and_after, D(2026, 6, 1)),
                 (gap, D(2026, 2, 1)), (gap, D(2026, 5, 1)), (voided_only, D(2026, 1, 2))]
    for n, (customer, day) in enumerate(shipments):
        ship(customer=customer, facility_name=customer.facility_name, ship_date=day, order_number=f"SO-{n}")
    in_window = ship(customer=voided_only, facility_name=voided_only.facility_name, ship_date=D(2026, 3, 12),
                     order_number="SO-V")
    void_entry(actor=clerk, entry=in_window, reason="shipped in error")

    def by_the_rule(window: Window) -> int:
        return (DistributionLogEntry.objects.exclude(status=Status.VOIDED)
                .filter(window.q("ship_date"), customer__isnull=False).values("customer_id").distinct().count())

    windows = [Window(D(2026, 3, 1), D(2026, 3, 31)), Window(D(2026, 3, 1)), Window(D(2026, 1, 1), D(2026, 1, 31)),
               Window(D(2026, 2, 2), D(2026, 4, 30)), Window(D(2026, 6, 1), D(2026, 6, 1)),
               Window(D(2025, 1, 1), D(2025, 12, 31)), Window(D(2026, 1, 3))]
    assert Customer.objects.count() == 5
    for window in windows:
        assert selectors.active_customers_in_window(window=window) == by_the_rule(window), window
    assert selectors.active_customers_in_window(window=windows[0]) == 3  # inside, before_and_in, in_and_after
    assert selectors.active_customers_in_window(window=windows[3]) == 3  # gap has none between its two
