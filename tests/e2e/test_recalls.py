"""A quality person runs a mock recall in a real browser, from the lot trace to its e-signed closure: open,
notify the consignees, record responses (one on its page, one by CSV), see the target met, close with the
password."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from distribution.services import create_entry
from products.models import LotStatus
from recalls.models import Recall
from silqeqms.models import AuditEvent
from tests.factories import TEST_PASSWORD, LotFactory, ProductFactory, UserFactory, entry_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quality(roles):
    user = UserFactory(username="quinn", first_name="Quinn", last_name="Quality")
    user.groups.add(roles["quality"])
    return user


def test_a_mock_recall_from_the_lot_trace_to_its_signed_closure(page, live_server, login, quality, tmp_path):
    page.set_default_timeout(15_000)
    lot = LotFactory(product=ProductFactory(sku="211810SPT"), lot_number="LOT-E2E")
    create_entry(actor=quality, data=entry_data(facility_name="Mercy Hospital", lot_number="LOT-E2E", quantity=4,
                                                order_number="SO-E2E-1", ship_date=datetime.date(2026, 3, 2)))
    create_entry(actor=quality, data=entry_data(facility_name="Valley Clinic", lot_number="lot-e2e", quantity=2,
                                                order_number="SO-E2E-2", ship_date=datetime.date(2026, 3, 3)))
    login(quality)

    # From the lot trace to a draft.
    page.goto(f"{live_server.url}/admin/distribution-log/lots/LOT-E2E/")
    page.get_by_role("link", name="Start a recall for this lot").click()
    expect(page).to_have_title("New recall · SilqeQMS")
    expect(page.get_by_label("Lots")).to_have_value("LOT-E2E")
    page.get_by_label("Title").fill("Annual mock recall")
    page.get_by_label("Kind").select_option("mock")
    page.get_by_label("Reason for the recall").fill("Exercise: seal defect scenario")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("saved as a draft")).to_be_visible()
    expect(page.get_by_text("2 live shipments to 2 consignees, 6 units", exact=False)).to_be_visible()

    # Open it: the consignee list is frozen.
    page.get_by_label("Reason for opening").fill("Q4 mock recall per SOP-14")
    page.get_by_role("button", name=re.compile(r"^Open RCL-")).click()
    expect(page.get_by_text("is open with 2 consignees")).to_be_visible()
    expect(page.locator("#recall-status")).to_have_text("Open")
    recall = Recall.objects.get()
    letter = page.request.get(f"{live_server.url}/admin/recalls/{recall.pk}/consignees/"
                              f"{recall.consignees.get(number=1).pk}/letter/")
    assert letter.status == 200 and letter.headers["content-type"] == "application/pdf"

    # Notify both consignees on their pages.
    for name in ("Mercy Hospital", "Valley Clinic"):
        page.locator(".consignee-table").get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(name)
        form = page.locator("#form-notify")
        form.get_by_label("Method").select_option("letter")
        form.get_by_label("Note for the audit trail").fill("Letter sent by courier")
        form.get_by_role("button", name="Save notification").click()
        expect(page.get_by_text(f"{name}: notified")).to_be_visible()
    expect(page.locator(".progress-row").filter(has_text="Notified")).to_contain_text("2 / 2")

    # Mercy answers on its page and is closed.
    page.locator(".consignee-table").get_by_role("link", name="Mercy Hospital").click()
    form = page.locator("#form-respond")
    form.get_by_label("Who responded").fill("Pat Nurse")
    form.get_by_label("Units returned").fill("4")
    form.get_by_label("Note for the audit trail").fill("Response form by fax")
    form.get_by_role("button", name="Save response").click()
    page.locator(".consignee-table").get_by_role("link", name="Mercy Hospital").click()
    form = page.locator("#form-close")
    form.get_by_label("Reason for change").fill("All four units back")
    form.get_by_role("button", name="Close consignee").click()
    expect(page.get_by_text("Mercy Hospital: closed")).to_be_visible()
    expect(page.locator("#target")).to_contain_text("Target not met yet")

    # Valley answers through the responses CSV, built from the mail merge.
    with page.expect_download() as download:
        page.get_by_role("link", name="Mail merge (CSV)").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    header = rows[0]
    valley = next(row for row in rows[1:] if row[header.index("facility_name")] == "Valley Clinic")
    valley[header.index("responded_at")] = timezone.localdate().isoformat()
    valley[header.index("units_destroyed")] = "2"
    valley[header.index("close")] = "yes"
    upload = tmp_path / "responses.csv"
    with upload.open("w", newline="") as handle:
        csv.writer(handle).writerows([header, valley])
    page.get_by_role("link", name="Upload responses (CSV)").click()
    page.get_by_label("Responses CSV").set_input_files(str(upload))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("cell", name="Valley Clinic")).to_be_visible()
    page.get_by_label("Reason for this upload").fill("Valley's form by e-mail")
    page.get_by_role("button", name="Record 1 response").click()
    expect(page.get_by_text("Recorded 1 response from responses.csv (1 consignee closed).")).to_be_visible()
    expect(page.locator("#target")).to_contain_text("Target met")
    expect(page.locator(".progress-row").filter(has_text="Units accounted for")).to_contain_text("6 / 6")
    expect(page.locator("#milestones")).to_contain_text("Effectiveness target met")

    # Close it, e-signed: a wrong password is refused, the right one signs.
    page.get_by_role("link", name="Close recall").click()
    expect(page.get_by_text("“I approve the closure of this recall”")).to_be_visible()
    page.get_by_label("Closure summary").fill("Mock recall complete: every consignee reached within the day.")
    page.get_by_label("Your password (electronic signature)").fill("not-my-password")
    page.get_by_role("button", name=re.compile("^Sign and close")).click()
    expect(page.get_by_text("That is not your password, so nothing was signed.")).to_be_visible()
    page.get_by_label("Your password (electronic signature)").fill(TEST_PASSWORD)
    page.get_by_role("button", name=re.compile("^Sign and close")).click()
    expect(page.get_by_text("is closed, signed by Quinn Quality")).to_be_visible()
    expect(page.locator("#recall-status")).to_have_text("Closed")
    expect(page.locator(".signature-statement")).to_contain_text("I approve the closure of this recall")

    recall.refresh_from_db()
    lot.refresh_from_db()
    assert recall.status == "closed" and lot.status == LotStatus.RELEASED  # a mock recall leaves lots alone
    actions = set(AuditEvent.objects.filter(actor=quality).values_list("action", flat=True))
    assert {"recall.created", "recall.opened", "recall_consignee.notified", "recall_consignee.responded",
            "recall_consignee.closed", "recall.responses_imported", "signature.refused", "signature.applied",
            "recall.closed"} <= actions
