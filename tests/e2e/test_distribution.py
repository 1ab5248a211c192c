"""A quality/ops person's journey through the Distribution Log in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from distribution.models import DistributionLogEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CSV = (
    "ship_date,order_number,facility_name,address1,city,state,postal_code,sku,lot_number,quantity\r\n"
    '2026-03-01,SO-5001,"Mercy Hospital, North",1 Main St,Austin,TX,78701,211810SPT,LOT-E2E-1,5\r\n'
    "3/2/2026,SO-5002,Valley Clinic,2 Oak Ave,Dallas,TX,75201,311400KIT,LOT-E2E-1,3\r\n"
    "2026-03-03,SO-5003,Valley Clinic,2 Oak Ave,Dallas,TX,75201,311400KIT,LOT-E2E-2,1\r\n"
)


def test_import_filter_trace_edit_and_export(page, live_server, login, roles, tmp_path):
    admin = UserFactory(username="avery")
    admin.groups.add(roles["admin"])
    login(admin)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Distribution Log").click()
    expect(page.get_by_text("No distribution entries match these filters.")).to_be_visible()

    # Import: preview every row, nothing written yet, then confirm with a reason.
    page.get_by_role("link", name="Import CSV").click()
    upload = tmp_path / "march.csv"
    upload.write_text(CSV)
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("cell", name="Mercy Hospital, North")).to_be_visible()
    assert DistributionLogEntry.objects.count() == 0
    page.get_by_label("Reason for this import").fill("March shipments from the ERP")
    page.get_by_role("button", name="Import 3 entries").click()
    expect(page.get_by_text("Imported 3 entries from march.csv")).to_be_visible()

    # Filter the list by lot; the filter lives in the URL.
    page.goto(f"{live_server.url}/admin/distribution-log/")
    page.get_by_label("Lot", exact=True).fill("LOT-E2E-2")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"lot_number=LOT-E2E-2"))
    expect(page.get_by_role("cell", name="SO-5003")).to_be_visible()
    expect(page.get_by_role("cell", name="SO-5001")).to_have_count(0)

    # Lot trace: every consignee of the lot, with totals.
    page.get_by_label("Trace a lot").fill("LOT-E2E-1")
    page.get_by_role("button", name="Trace lot").click()
    expect(page.get_by_role("heading", name="Lot trace: LOT-E2E-1")).to_be_visible()
    expect(page.locator(".stat").filter(has_text="units shipped")).to_contain_text("8")
    expect(page.locator(".stat").filter(has_text="consignees")).to_contain_text("2")

    # Edit a row with a reason and see it in the history.
    page.get_by_role("link", name="Valley Clinic").first.click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Quantity").fill("4")
    page.get_by_label("Reason for change").fill("packing slip says 4")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text(re.compile(r"Entry \d+ updated"))).to_be_visible()
    history = page.locator("#history + .table-container")
    expect(history).to_contain_text("packing slip says 4")
    expect(history).to_contain_text("quantity: 3 → 4")

    # Export the log.
    page.goto(f"{live_server.url}/admin/distribution-log/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    exported = download_info.value.path().read_text(encoding="utf-8-sig")
    assert exported.splitlines()[0].startswith("ship_date,order_number,facility_name")
    assert exported.count("\n") == 4
    assert '"Mercy Hospital, North"' in exported


def test_a_bad_file_shows_every_problem_and_imports_nothing(page, live_server, login, roles, tmp_path):
    ops = UserFactory(username="oscar")
    ops.groups.add(roles["ops"])
    login(ops)
    page.goto(f"{live_server.url}/admin/distribution-log/import-csv/")
    upload = tmp_path / "bad.csv"
    upload.write_text("ship_date,order_number,facility_name,sku,quantity\n2026-02-30,SO-1,Clinic,211810SPT,0\n")
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Preview").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Line 2")
    expect(alert).to_contain_text("quantity")
    expect(alert).to_contain_text("ship_date")
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    assert DistributionLogEntry.objects.count() == 0
