"""Recall test helpers: shipments written through the distribution services (so the lot summary, which
the recall scope reads, is exact), and a quality person who runs recalls."""

from __future__ import annotations

import pytest

from distribution.services import create_entry
from recalls import services
from tests.factories import entry_data


@pytest.fixture
def quality(quality_user):
    quality_user.first_name, quality_user.last_name = "Quinn", "Quality"
    quality_user.save(update_fields=["first_name", "last_name"])
    return quality_user


@pytest.fixture
def ship(quality):
    """ship(facility_name=…, lot_number=…, quantity=…, …): one entry, created as a person would."""
    counter = iter(range(1, 10_000))

    def _ship(**overrides):
        overrides.setdefault("order_number", f"SO-{next(counter):04d}")
        return create_entry(actor=quality, data=entry_data(**overrides))

    return _ship


@pytest.fixture
def draft(quality):
    """draft(lots=[…], kind=…, …): a recall created through the service."""

    def _draft(**data):
        data.setdefault("title", "Tray seal defect")
        data.setdefault("reason", "The tray seal may open in transit.")
        data.setdefault("lots", ["LOT2601"])
        return services.create_recall(actor=quality, data=data)

    return _draft
