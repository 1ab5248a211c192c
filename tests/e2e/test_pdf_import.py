"""Upload two sales-order PDFs, read the preview, confirm, find the entries, download the original."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.distribution.pdf_samples import make_order_pdf_fpdf, make_order_pdf_reportlab, sample_order
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_import_two_pdfs_and_download_an_original(page, live_server, login, roles, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    ops = UserFactory(username="oscar")
    ops.groups.add(roles["ops"])
    first = tmp_path / "mercy-so-1001.pdf"
    first.write_bytes(make_order_pdf_reportlab(sample_order()))
    second = tmp_path / "valley-so-2002.pdf"
    second.write_bytes(make_order_pdf_fpdf(sample_order(
        order_number="SO-2002", facility_name="Valley Clinic", city="Fresno", postal_code="93701",
        lines=[{"sku": "311400KIT", "description": "Dressing kit", "lot": "", "quantity": 2}])))
    login(ops)
    page.goto(f"{live_server.url}/admin/distribution-log/")
    page.get_by_role("link", name="Import PDF").click()
    page.get_by_label("Sales-order PDFs").set_input_files([str(first), str(second)])
    page.get_by_role("button", name="Read the PDFs").click()
    expect(page.get_by_role("heading", name="Order SO-1001 · shipped 2026-03-05 · pages 1–1")).to_be_visible()
    expect(page.get_by_role("heading", name="Order SO-2002 · shipped 2026-03-05 · pages 1–1")).to_be_visible()
    expect(page.get_by_text("no lot").first).to_be_visible()
    page.get_by_label("Reason for this import").fill("orders e-mailed on 5 March")
    page.get_by_role("button", name="Import 4 entries").click()
    # The import runs as a background job; its page ends in the result and links to the entries.
    expect(page.get_by_text("Imported 4 entries from mercy-so-1001.pdf, valley-so-2002.pdf")).to_be_visible()
    expect(page.locator("[data-job-status]")).to_have_text("Succeeded")
    page.get_by_role("link", name="Log entries from PDF import").click()

    page.get_by_role("cell", name="SO-1001").first.locator("xpath=..").get_by_role("link").first.click()
    expect(page.get_by_text("PDF import")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="mercy-so-1001.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "mercy-so-1001.pdf"
    assert download.path().read_bytes() == first.read_bytes()
