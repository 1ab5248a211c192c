"""The data migration that starts the catalogue from the log: one product per SKU however it was
spelled, one released lot per (SKU, lot) shipped, reversible, and audited."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("distribution", "0015_entry_expiry_and_serial"), ("products", "0001_products_and_lots")]
AFTER = [("distribution", "0016_products_and_lots_from_the_log")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_messy_skus_become_one_product_each_and_shipped_lots_become_released_lots():
    old = _migrate(BEFORE)
    Entry = old.get_model("distribution", "DistributionLogEntry")
    rows = [("211810SPT", "L1", 5), ("211810spt ", "l1", 1), (" 211810SPT", "L2", 2), ("311400KIT", "", 3),
            ("311400KIT", "K9", 1), ("311400KIT", "K9", 4)]
    for n, (sku, lot, qty) in enumerate(rows):
        Entry.objects.create(ship_date=datetime.date(2026, 3, 1), order_number=f"SO-{n}", facility_name="H",
                             sku=sku, lot_number=lot, quantity=qty, status="active" if lot else "needs_review")
    new = _migrate(AFTER)
    Product, Lot = new.get_model("products", "Product"), new.get_model("products", "Lot")
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["211810SPT", "311400KIT"]
    lots = sorted((lot.product.sku, lot.lot_number, lot.status) for lot in Lot.objects.select_related("product"))
    assert lots == [("211810SPT", "L1", "released"), ("211810SPT", "L2", "released"), ("311400KIT", "K9", "released")]
    AuditEvent = new.get_model("silqeqms", "AuditEvent")
    event = AuditEvent.objects.get(action="products.created_from_log")
    assert event.data == {"products_created": 2, "lots_created": 3}

    _migrate(BEFORE)  # reversible: what it made and nobody touched goes
    assert not old.get_model("products", "Product").objects.exists()
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_running_on_an_empty_log_creates_nothing_and_records_nothing():
    _migrate(BEFORE)
    new = _migrate(AFTER)
    assert not new.get_model("products", "Product").objects.exists()
    assert not new.get_model("silqeqms", "AuditEvent").objects.filter(action="products.created_from_log").exists()
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
