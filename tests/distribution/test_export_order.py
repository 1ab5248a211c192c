"""The log export follows the order the list was sorted in (ties broken by id), as the person saw it."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import DistributionLogEntryFactory

pytestmark = pytest.mark.django_db


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.mark.parametrize(("sort", "key", "reverse_"), [("-quantity", "quantity", True), ("sku", "sku", False),
                                                       ("facility_name", "facility_name", False)])
def test_the_export_is_in_the_lists_sort_order(admin_client, sort, key, reverse_):
    for quantity, sku, name in [(5, "B-1", "Clinic C"), (9, "A-1", "Hospital A"), (1, "C-1", "Beta Care")]:
        DistributionLogEntryFactory(quantity=quantity, sku=sku, facility_name=name)
    rows = _rows(admin_client.get(reverse("distribution:export"), {"sort": sort}))
    values = [int(r[key]) if key == "quantity" else r[key] for r in rows]
    assert values == sorted(values, reverse=reverse_)


def test_without_a_sort_the_export_is_in_shipping_order(admin_client):
    import datetime

    for day in (3, 1, 2):
        DistributionLogEntryFactory(ship_date=datetime.date(2026, 3, day))
    rows = _rows(admin_client.get(reverse("distribution:export")))
    assert [r["ship_date"] for r in rows] == ["2026-03-01", "2026-03-02", "2026-03-03"]
