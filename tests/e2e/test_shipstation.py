"""Browser journey: an ops user presses "Sync now" against the fake ShipStation and finds the new entries."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from distribution.shipstation.sync import pacific_today
from tests.distribution.shipstation_fake import FakeShipStation, make_item, make_shipment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "e2e-key"
SECRET = "e2e-secret-not-on-the-page"


@pytest.fixture
def fake(settings):
    today = pacific_today()
    shipments = [
        make_shipment(7001, "SO-7001", today - datetime.timedelta(days=1),
                      items=[make_item(1, "SLQ-100", 3, lot="SLQ-24001"), make_item(2, "SLQ-200", 1)],
                      ship_to={"company": "Lakeside Surgical", "city": "Madison", "state": "WI"}),
        make_shipment(7002, "SO-7002", today, items=[make_item(3, "SLQ-100", 2, lot="SLQ-24002")],
                      ship_to={"company": "Mercy Clinic", "city": "Austin", "state": "TX"}),
    ]
    with FakeShipStation(shipments=shipments, api_key=KEY, api_secret=SECRET) as server:
        settings.SHIPSTATION_BASE_URL = server.base_url
        settings.SHIPSTATION_API_KEY = KEY
        settings.SHIPSTATION_API_SECRET = SECRET
        settings.SHIPSTATION_STORE_REPS = {}
        yield server


def test_sync_now_shows_the_run_and_the_new_entries(page, live_server, login, roles, fake):
    ops = UserFactory(username="olivia")
    ops.groups.add(roles["ops"])
    login(ops)

    page.goto(f"{live_server.url}/admin/distribution-log/shipstation/")
    expect(page.get_by_role("heading", name="ShipStation sync")).to_be_visible()
    expect(page.get_by_text("No sync has run yet.")).to_be_visible()
    assert SECRET not in page.content()

    page.get_by_role("button", name="Sync now").click()

    # The sync runs as a background job: its page ends in the run's result.
    expect(page.get_by_role("heading", name=re.compile("Sync ShipStation shipments"))).to_be_visible()
    result = page.locator(".job-result")
    expect(result).to_contain_text(re.compile(r"Sync run \d+ succeeded"))
    expect(result).to_contain_text("3 created")
    result.get_by_role("link", name="ShipStation", exact=True).click()
    runs = page.get_by_role("table").first
    expect(runs.get_by_role("cell", name="Succeeded")).to_be_visible()
    expect(runs.get_by_role("row").nth(1).get_by_role("cell").nth(4)).to_have_text("3")  # created
    expect(page.get_by_role("link", name=re.compile("1 ShipStation entry waits for a lot number"))).to_be_visible()

    page.get_by_role("link", name="Back to the log").click()
    expect(page.get_by_role("cell", name="SO-7002")).to_be_visible()
    expect(page.get_by_role("cell", name="Lakeside Surgical").first).to_be_visible()
