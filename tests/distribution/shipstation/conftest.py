"""Fixtures of the ShipStation sync tests: the fake server, a recording sleep, the check after every test."""

from __future__ import annotations

import pytest

from distribution.models import SyncRun
from distribution.shipstation import client as client_module
from distribution.shipstation.client import ShipStationClient
from distribution.shipstation.sync import sync_shipments
from distribution.summaries import verify_summaries
from silqeqms.audit import verify_chain
from tests.distribution.shipstation.support import END, KEY, SECRET, START, RecordingSleep
from tests.distribution.shipstation_fake import FakeShipStation
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def stays_consistent(db):
    yield
    assert verify_summaries() == []
    assert verify_chain().ok


@pytest.fixture
def fake():
    with FakeShipStation(api_key=KEY, api_secret=SECRET) as server:
        yield server


@pytest.fixture
def sleep():
    return RecordingSleep()


@pytest.fixture
def actor():
    return UserFactory(username="oscar")


@pytest.fixture
def small_pages(monkeypatch):
    """Two shipments a page, so several pages need only a few shipments."""
    monkeypatch.setattr(client_module, "PAGE_SIZE", 2)


@pytest.fixture
def run_sync(fake, sleep, actor):
    def _run(*, secret: str = SECRET, **kwargs) -> SyncRun:
        client = ShipStationClient(
            base_url=fake.base_url, api_key=KEY, api_secret=secret, timeout=5, sleep=sleep
        )
        kwargs.setdefault("actor", actor)
        if "since" not in kwargs and "until" not in kwargs:
            kwargs.update(since=START, until=END)
        try:
            return sync_shipments(client=client, **kwargs)
        finally:
            client.close()

    return _run


@pytest.fixture
def configured(settings, fake):
    settings.SHIPSTATION_BASE_URL = fake.base_url
    settings.SHIPSTATION_API_KEY = KEY
    settings.SHIPSTATION_API_SECRET = SECRET
    settings.SHIPSTATION_STORE_REPS = {}
    return settings


@pytest.fixture
def sync_user():
    return UserFactory(username="syncer", perms=["distribution.sync", "customers.view_all"])
