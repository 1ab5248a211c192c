"""Customer identity in a real browser: the entry form's "Did you mean …?", the customer chooser's
defaults (the primary rep; the default country kept), and the import preview's per-customer choice."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from customers.models import Customer
from distribution.models import DistributionLogEntry
from silqeqms.models import AuditEvent
from tests.e2e.entry_form import save_after_answering
from tests.factories import CustomerFactory, ProductFactory, RepAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def catalogue(db):
    """The SKU typed is a product (a SKU not in the catalogue is asked about first: test_entry_scan.py)."""
    return ProductFactory(sku="211810SPT", gtin="")


@pytest.fixture
def ops(roles):
    user = UserFactory(username="oscar")
    user.groups.add(roles["ops"])
    return user


def fill_entry(page, facility: str) -> None:
    page.get_by_label("Ship date").fill("2026-03-02")
    page.get_by_label("Order number").fill("SO-7001")
    page.get_by_label("Facility").fill(facility)
    page.get_by_label("SKU").fill("211810SPT")
    page.get_by_label("Lot").fill("LOT-7")
    page.get_by_label("Quantity").fill("2")


def test_the_entry_form_asks_did_you_mean_and_links_to_the_customer_chosen(page, live_server, login, ops):
    st_marys = CustomerFactory(facility_name="St. Mary's Hospital", city="Austin", state="TX")
    login(ops)
    page.goto(f"{live_server.url}/admin/distribution-log/new/")
    fill_entry(page, "Saint Marys Hospital")
    save_after_answering(page, "#did-you-mean", says="Did you mean “St. Mary's Hospital”?",
                         answer="Link to St. Mary's Hospital")
    entry = DistributionLogEntry.objects.get()
    assert (entry.customer, entry.facility_name) == (st_marys, "Saint Marys Hospital")
    assert Customer.objects.count() == 1


def test_the_entry_form_creates_a_new_customer_when_the_person_says_so(page, live_server, login, ops):
    CustomerFactory(facility_name="St. Mary's Hospital")
    login(ops)
    page.goto(f"{live_server.url}/admin/distribution-log/new/")
    fill_entry(page, "St Marys Hospitl")
    page.get_by_role("button", name="Save entry").click()
    page.get_by_label("None of these: create a new customer “St Marys Hospitl”").check()
    page.get_by_role("button", name="Save entry").click()

    expect(page.get_by_text("saved")).to_be_visible()
    assert DistributionLogEntry.objects.get().customer.facility_name == "St Marys Hospitl"
    assert Customer.objects.count() == 2


def test_choosing_a_customer_brings_its_primary_rep_and_keeps_the_default_country(page, live_server, login, ops,
                                                                                    roles):
    riley = UserFactory(username="riley", first_name="Riley", last_name="Rep")
    riley.groups.add(roles["sales_rep"])
    lakeside = CustomerFactory(facility_name="Lakeside Clinic", city="Omaha", state="NE", country="")
    RepAssignmentFactory(customer=lakeside, rep=riley, is_primary=True)
    login(ops)
    page.goto(f"{live_server.url}/admin/distribution-log/new/")
    expect(page.get_by_label("Country")).to_have_value("US")
    page.get_by_role("combobox", name="Customer").fill("Lakes")
    page.get_by_role("option", name="Lakeside Clinic — Omaha, NE").click()

    expect(page.get_by_label("Facility")).to_have_value("Lakeside Clinic")
    expect(page.get_by_label("City")).to_have_value("Omaha")
    expect(page.get_by_label("Country")).to_have_value("US")
    expect(page.get_by_label("Sales rep")).to_have_value(str(riley.pk))


def test_the_csv_preview_asks_per_new_facility_and_imports_the_choice(page, live_server, login, ops, tmp_path):
    mercy = CustomerFactory(facility_name="Mercy General Hospital", city="Sacramento", state="CA")
    login(ops)
    page.goto(f"{live_server.url}/admin/distribution-log/import-csv/")
    upload = tmp_path / "march.csv"
    upload.write_text(
        "ship_date,order_number,facility_name,city,state,sku,lot_number,quantity\n"
        "2026-03-02,SO-8001,Mercy Genral Hospital,Sacramento,CA,211810SPT,LOT-8,3\n"
        "2026-03-02,SO-8002,Lakeside Clinic,Omaha,NE,211810SPT,LOT-8,1\n"
    )
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Preview").click()

    question = page.locator("[data-customer-key=MERCYGENRALHOSPITAL]")
    expect(question).to_contain_text("Mercy Genral Hospital")
    page.get_by_label("Reason for this import").fill("March orders")
    page.get_by_role("button", name="Import 2 entries").click()  # the browser asks for the choice first
    choice = question.get_by_label("Link to Mercy General Hospital")
    assert choice.evaluate("radio => radio.validity.valueMissing")
    assert not DistributionLogEntry.objects.exists()

    choice.check()
    page.get_by_role("button", name="Import 2 entries").click()
    expect(page.get_by_text("Imported 2 entries from march.csv")).to_be_visible()
    linked = DistributionLogEntry.objects.get(order_number="SO-8001")
    assert linked.customer == mercy
    assert set(Customer.objects.values_list("facility_name", flat=True)) == {"Mercy General Hospital",
                                                                              "Lakeside Clinic"}
    batch = AuditEvent.objects.get(action="distribution.imported")
    assert batch.data["decisions"]["customers_linked"] == {"Mercy Genral Hospital": mercy.pk}
