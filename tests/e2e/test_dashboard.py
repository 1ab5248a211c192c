from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from distribution.services import create_entry
from tests.factories import UserFactory, entry_data

pytestmark = pytest.mark.django_db(transaction=True)

D = datetime.date


@pytest.fixture
def shipments(db):
    clerk = UserFactory(username="clerk")
    for number, name, day, quantity in [
        ("SO-1", "Hospital A", D(2025, 11, 20), 4),
        ("SO-2", "Hospital A", D(2026, 2, 3), 5),
        ("SO-3", "Clinic B", D(2026, 3, 9), 7),
    ]:
        create_entry(actor=clerk, data=entry_data(order_number=number, facility_name=name, ship_date=day,
                                                  quantity=quantity))


def stat(page, name: str):
    return page.locator(f'[data-stat="{name}"]')


def test_a_manager_reads_the_dashboard_changes_the_window_and_downloads_the_export(
        page, live_server, login, roles, shipments, settings):
    settings.SALES_DASHBOARD_DEFAULT_START = D(2026, 1, 1)
    manager = UserFactory(username="morgan")
    manager.groups.add(roles["admin"])
    login(manager)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Sales Dashboard").click()
    expect(page).to_have_title("Sales Dashboard · SilqeQMS")
    expect(stat(page, "total_orders_window")).to_have_text("2")
    expect(stat(page, "total_units_window")).to_have_text("12")
    expect(stat(page, "total_orders_lifetime")).to_have_text("3")
    expect(page.get_by_role("img", name="Units shipped per month")).to_be_visible()

    page.get_by_label("Shipped from").fill("2025-11-01")
    page.get_by_label("Shipped to").fill("2026-02-28")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**start=2025-11-01&end=2026-02-28**")
    expect(stat(page, "total_orders_window")).to_have_text("2")
    expect(stat(page, "total_units_window")).to_have_text("9")
    expect(page.get_by_text("Window: ship dates from 2025-11-01 to 2026-02-28")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export orders (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "sales-dashboard-orders-2025-11-01-to-2026-02-28.csv"
    text = Path(download.path()).read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")  # BOM, so Excel reads accents
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [(r["order_number"], r["order_date"], r["units"], r["type"]) for r in rows] == [
        ("SO-1", "2025-11-20", "4", "First-Time"),
        ("SO-2", "2026-02-03", "5", "Repeat"),
    ]


def test_a_sales_rep_sees_their_own_customers_figures_without_the_export_button(page, live_server, login, roles,
                                                                                shipments):
    from customers.models import Customer
    from customers.services import ensure_rep_assignment

    rep = UserFactory(username="riley")
    rep.groups.add(roles["sales_rep"])
    ensure_rep_assignment(customer=Customer.objects.get(facility_name="Hospital A"), rep=rep, actor=None)
    login(rep)
    page.goto(f"{live_server.url}/admin/sales-dashboard/?start=2026-01-01")
    expect(stat(page, "total_orders_window")).to_have_text("1")  # SO-2 only: SO-3 is Clinic B's
    expect(page.get_by_text("These figures cover only the customers assigned to you")).to_be_visible()
    expect(page.get_by_role("link", name="Export orders (CSV)")).to_have_count(0)
