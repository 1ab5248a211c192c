"""Dashboard fixtures: data is written through distribution.services, so the summaries stay exact."""

from __future__ import annotations

import datetime

import pytest

from distribution.services import create_entry
from tests.factories import UserFactory, entry_data

START = datetime.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def default_start(settings):
    """Pin the default window start, whatever the environment says."""
    settings.SALES_DASHBOARD_DEFAULT_START = START
    return START


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk")


@pytest.fixture
def ship(clerk):
    """ship(**overrides) creates one entry through the service (entry_data's defaults otherwise)."""

    def _ship(**overrides):
        return create_entry(actor=clerk, data=entry_data(**overrides))

    return _ship


@pytest.fixture
def viewer(db):
    return UserFactory(username="viewer", perms=["sales_dashboard.view", "customers.view_all"])


@pytest.fixture
def exporter(db):
    return UserFactory(username="exporter", perms=["sales_dashboard.view", "sales_dashboard.export", "customers.view_all"])


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def exporter_client(client, exporter):
    client.force_login(exporter)
    return client
