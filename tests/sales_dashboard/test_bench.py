"""bench/dashboard.py (called by `make bench`) runs and its three ways to the figures agree."""

from __future__ import annotations

import datetime

import pytest

from bench import dashboard
from distribution.services import void_entry

pytestmark = pytest.mark.django_db

D = datetime.date


def test_the_benchmark_measures_three_ways_that_agree(client, exporter, ship, clerk):
    ship(order_number="SO-1", facility_name="Hospital A", ship_date=D(2025, 12, 30), quantity=3)
    ship(order_number="SO-1", facility_name="Hospital A", ship_date=D(2026, 1, 2), quantity=4, sku="S-2")
    ship(order_number="SO-2", facility_name="Clinic B", lot_number="", quantity=2)
    void_entry(actor=clerk, entry=ship(order_number="SO-3", facility_name="Clinic C"), reason="test")
    result = dashboard.run(client=client, user=exporter, repeat=1)
    assert result["agree"] == {"raw_sql": True, "naive": True}
    assert result["entries"] == 4
    assert result["naive_rows_read"] == 3
    for key in ("page_ms", "json_ms", "raw_sql_ms", "naive_ms", "raw_sql_over_json", "naive_over_json"):
        assert isinstance(result[key], float), key


def test_the_naive_way_can_be_measured_on_a_sample_and_scaled(client, exporter, ship):
    for n in range(4):
        ship(order_number=f"SO-{n}")
    result = dashboard.run(client=client, user=exporter, repeat=1, naive_max_rows=2)
    assert result["naive_rows_read"] == 2
    assert result["naive_scaled_from_sample"] is True
    assert result["agree"]["naive"] is None
