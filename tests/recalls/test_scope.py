"""What a recall covers: lots (every product, every letter case), SKUs in a date range, never voided entries."""

from __future__ import annotations

import datetime

import pytest

from distribution.services import update_entry, void_entry
from recalls.scope import lot_spellings, scope_entries

pytestmark = pytest.mark.django_db


def ids(queryset) -> set[int]:
    return set(queryset.values_list("id", flat=True))


def test_a_lot_covers_every_product_that_carries_it_whatever_the_letter_case(ship):
    kit = ship(sku="311400KIT", lot_number="LOT-7")
    tray = ship(sku="211810SPT", lot_number="lot-7")
    other = ship(lot_number="LOT-8")
    assert lot_spellings(["Lot-7"]) == ["LOT-7", "lot-7"]
    assert ids(scope_entries(lots=["Lot-7"], skus=[])) == {kit.pk, tray.pk}
    assert other.pk not in ids(scope_entries(lots=["Lot-7"], skus=[]))


def test_several_lots_are_one_scope(ship):
    first, second = ship(lot_number="A1"), ship(lot_number="B2")
    ship(lot_number="C3")
    assert ids(scope_entries(lots=["A1", "B2"], skus=[])) == {first.pk, second.pk}


def test_a_sku_is_in_scope_between_its_ship_dates_only(ship):
    inside = ship(sku="211810SPT", ship_date=datetime.date(2026, 3, 10))
    ship(sku="211810SPT", ship_date=datetime.date(2026, 2, 28))
    ship(sku="211810SPT", ship_date=datetime.date(2026, 4, 2))
    ship(sku="311400KIT", ship_date=datetime.date(2026, 3, 10))
    pending = ship(sku="211810spt", ship_date=datetime.date(2026, 3, 11), lot_number="")
    scoped = scope_entries(lots=[], skus=["211810SPT"], ship_date_from=datetime.date(2026, 3, 1),
                           ship_date_to=datetime.date(2026, 3, 31))
    assert ids(scoped) == {inside.pk, pending.pk}  # case ignored; an entry waiting for its lot is in scope


def test_an_open_ended_sku_range_runs_to_now(ship):
    later = ship(sku="211810SPT", ship_date=datetime.date(2026, 9, 1))
    assert ids(scope_entries(lots=[], skus=["211810SPT"], ship_date_from=datetime.date(2026, 8, 1))) == {later.pk}


def test_lots_and_skus_add_up(ship):
    by_lot = ship(sku="311400KIT", lot_number="Z9", ship_date=datetime.date(2025, 5, 1))
    by_sku = ship(sku="211810SPT", lot_number="Y1", ship_date=datetime.date(2026, 3, 5))
    scoped = scope_entries(lots=["Z9"], skus=["211810SPT"], ship_date_from=datetime.date(2026, 3, 1))
    assert ids(scoped) == {by_lot.pk, by_sku.pk}


def test_voided_entries_are_never_in_scope(ship, quality):
    kept = ship(lot_number="V1")
    voided = ship(lot_number="V1", order_number="SO-V")
    void_entry(actor=quality, entry=voided, reason="typed twice")
    assert ids(scope_entries(lots=["V1"], skus=[])) == {kept.pk}


def test_an_entry_corrected_into_a_lot_is_in_its_scope(ship, quality):
    entry = ship(lot_number="OLD")
    update_entry(actor=quality, entry=entry, data={"lot_number": "NEW"}, reason="label misread", version=1)
    assert ids(scope_entries(lots=["new"], skus=[])) == {entry.pk}


def test_an_empty_scope_is_empty(ship):
    ship()
    assert not scope_entries(lots=[], skus=[]).exists()
    assert not scope_entries(lots=[], skus=["211810SPT"]).exists()  # a SKU needs its first ship date
