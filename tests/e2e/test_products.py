"""The product journey in a real browser: create a product with a GTIN, add a lot, hold it, scan its label."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from products.models import Lot, Product
from silqeqms.models import AuditEvent
from tests.factories import UserFactory
from tests.products.gtins import gtin14

pytestmark = pytest.mark.django_db(transaction=True)

GS = "\x1d"


@pytest.fixture
def admin(roles):
    user = UserFactory(username="avery", first_name="Avery", last_name="Admin")
    user.groups.add(roles["admin"])
    return user


def test_a_product_from_creation_to_a_scanned_label(page, live_server, login, admin):
    page.set_default_timeout(10_000)
    gtin = gtin14(42)
    login(admin)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Products").click()
    expect(page).to_have_title("Products · SilqeQMS")
    expect(page.get_by_text("There are no products yet")).to_be_visible()

    # Create, with the GTIN typed as its 13-digit form and a wrong check digit first.
    page.get_by_role("link", name="New product").first.click()
    page.get_by_label("SKU").fill("211810SPT")
    page.get_by_label("Description").fill("Spinal procedure tray")
    page.get_by_label("GTIN (UDI-DI)").fill(gtin[1:-1] + str((int(gtin[-1]) + 1) % 10))
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_text("has a wrong check digit")).to_be_visible()
    page.get_by_label("GTIN (UDI-DI)").fill(gtin[1:])
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("211810SPT")
    expect(page.get_by_text("Product 211810SPT created.")).to_be_visible()
    expect(page.locator("dl.details")).to_contain_text(gtin)

    # A lot, then a hold with a reason.
    page.get_by_role("link", name="Add a lot").click()
    page.get_by_label("Lot number").fill("L-2611")
    page.get_by_label("Expiry date").fill("2028-11-30")
    page.get_by_role("button", name="Record lot").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lot L-2611")
    expect(page.locator("#current-status")).to_contain_text("Released")
    page.get_by_label("New status").select_option(label="On hold")
    page.get_by_label("Reason for the status change").fill("Complaint CMP-7 under investigation")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#current-status")).to_contain_text("On hold")
    expect(page.locator("#status table")).to_contain_text("Complaint CMP-7 under investigation")

    # The scanner: a GS1 DataMatrix as the scanner types it, and an unknown GTIN.
    code = f"]d201{gtin}17281100" f"10L-2611{GS}21SN0009"
    answer = page.request.get(f"{live_server.url}/admin/scan/?code={quote(code)}")
    assert answer.status == 200
    assert answer.json() == {"udi_di": gtin, "sku": "211810SPT", "lot_number": "L-2611",
                             "expiry_date": "2028-11-30", "serial_number": "SN0009", "error": ""}
    unknown = page.request.get(f"{live_server.url}/admin/scan/?code={quote('(01)' + gtin14(43))}")
    assert unknown.status == 400
    assert unknown.json()["error"].startswith(f"No product has GTIN {gtin14(43)}")

    product = Product.objects.get()
    assert (product.gtin, Lot.objects.get().status) == (gtin, "on_hold")
    assert set(AuditEvent.objects.filter(actor=admin).values_list("action", flat=True)) >= {
        "product.created", "lot.created", "lot.status_changed"}
    page.get_by_role("link", name="211810SPT").first.click()
    expect(page).to_have_title(re.compile("^211810SPT"))
