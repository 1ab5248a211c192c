"""The entry form with a barcode scanner, in a real browser: a scanner types the label's element string
(with the GS separator) and sends Enter; the UDI-DI, SKU, lot, expiry and serial fill without the form
being submitted; the person saves. A SKU not in the catalogue is asked about before saving; Enter in the
customer search box never submits the form."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from distribution.models import DistributionLogEntry
from products.models import Lot
from tests.e2e.entry_form import save_after_answering
from tests.factories import ProductFactory, UserFactory
from tests.products.gtins import gtin14

pytestmark = pytest.mark.django_db(transaction=True)

GS = "\x1d"


@pytest.fixture
def ops(roles):
    user = UserFactory(username="oscar")
    user.groups.add(roles["ops"])
    return user


@pytest.fixture
def kit(db):
    return ProductFactory(sku="KIT-1", gtin=gtin14(7), description="Catheter kit")


def open_form(page, live_server, login, ops):
    page.set_default_timeout(10_000)
    login(ops)
    page.goto(f"{live_server.url}/admin/distribution-log/new/")
    page.get_by_label("Ship date").fill("2026-03-02")
    page.get_by_label("Order number").fill("SO-7001")
    page.get_by_label("Facility").fill("Mercy General Hospital")
    page.get_by_label("Quantity").fill("3")


def test_a_scanner_typing_a_label_fills_the_entry_and_the_person_saves(page, live_server, login, ops, kit):
    open_form(page, live_server, login, ops)
    posted = []
    page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    scan = page.get_by_label("Scan label")
    scan.click()
    # What a scanner types for a GS1 DataMatrix: the symbology prefix, fixed fields, GS after the variable
    # lot, then Enter. Expiry day 00 is the last day of the month.
    scan.press_sequentially(f"]d201{kit.gtin}17280200" f"10A1B2C3{GS}21SN-0001")
    scan.press("Enter")

    expect(page.locator("#scan-status")).to_contain_text("Filled from the label: UDI-DI " + kit.gtin)
    expect(page.get_by_label("UDI-DI")).to_have_value(kit.gtin)
    expect(page.get_by_label("SKU")).to_have_value("KIT-1")
    expect(page.get_by_label("Lot", exact=True)).to_have_value("A1B2C3")
    expect(page.get_by_label("Expiry date")).to_have_value("2028-02-29")
    expect(page.get_by_label("Serial number")).to_have_value("SN-0001")
    expect(scan).to_have_value("")
    assert posted == []  # Enter in the scan field filled the form; it did not submit it

    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("saved")).to_be_visible()
    entry = DistributionLogEntry.objects.get()
    assert (entry.sku, entry.udi_di, entry.lot_number, entry.expiry_date, entry.serial_number) == (
        "KIT-1", kit.gtin, "A1B2C3", datetime.date(2028, 2, 29), "SN-0001")
    lot = Lot.objects.get()
    assert (lot.lot_number, lot.status, lot.expiry_date) == ("A1B2C3", "released", datetime.date(2028, 2, 29))


def test_a_label_of_no_product_says_so_and_fills_nothing(page, live_server, login, ops, kit):
    open_form(page, live_server, login, ops)
    page.get_by_label("SKU").fill("TYPED")
    scan = page.get_by_label("Scan label")
    scan.fill(f"(01){gtin14(8)}(10)L1")
    scan.press("Enter")
    expect(page.locator("#scan-status")).to_contain_text(f"No product has GTIN {gtin14(8)}")
    expect(page.get_by_label("SKU")).to_have_value("TYPED")
    expect(page.get_by_label("UDI-DI")).to_have_value("")
    assert not DistributionLogEntry.objects.exists()


def test_a_sku_not_in_the_catalogue_is_saved_only_after_save_anyway(page, live_server, login, ops, kit):
    open_form(page, live_server, login, ops)
    page.get_by_label("SKU").fill("KTI-1")
    page.get_by_label("Lot", exact=True).fill("L-1")
    save_after_answering(page, "#catalogue-warnings", says="SKU “KTI-1” is not in the product catalogue.",
                         answer="Save anyway")
    assert DistributionLogEntry.objects.get().sku == "KTI-1"


def test_enter_in_the_customer_search_box_never_submits_the_form(page, live_server, login, ops, kit):
    open_form(page, live_server, login, ops)
    posted = []
    page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    search = page.get_by_role("combobox", name="Customer")
    search.fill("Nobody by this name")
    expect(page.locator("#customer-results")).to_contain_text("No customer matches")
    search.press("Enter")
    search.fill("")
    search.press("Enter")
    page.wait_for_timeout(500)
    assert posted == []
    expect(page.get_by_label("Order number")).to_have_value("SO-7001")


def test_saving_with_a_refused_code_still_in_the_scan_field_saves_the_entry(page, live_server, login, ops, kit):
    open_form(page, live_server, login, ops)
    page.get_by_label("SKU").fill("KIT-1")
    scan = page.get_by_label("Scan label")
    scan.fill("not a label")
    scan.press("Enter")
    expect(page.locator("#scan-status")).to_contain_text("is not a GS1 label")
    page.get_by_role("button", name="Save entry").click()
    expect(page.get_by_text("saved")).to_be_visible()
    assert DistributionLogEntry.objects.get().sku == "KIT-1"
