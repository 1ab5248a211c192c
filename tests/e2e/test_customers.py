"""The customer journey in a real browser: create, duplicate refused, notes, reps, edit, merge."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from customers.models import Customer, CustomerNote
from distribution.services import create_entry
from silqeqms.models import AuditEvent
from tests.factories import UserFactory, entry_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(roles):
    admin = UserFactory(username="avery", first_name="Avery", last_name="Admin")
    admin.groups.add(roles["admin"])
    for username, first, last in (("riley", "Riley", "Rep"), ("sam", "Sam", "Seller")):
        UserFactory(username=username, first_name=first, last_name=last).groups.add(roles["sales_rep"])
    return admin


def test_a_customer_from_creation_to_merge(page, live_server, login, people):
    page.set_default_timeout(10_000)
    login(people)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Customers").click()
    expect(page).to_have_title("Customers · SilqeQMS")

    # Create.
    page.get_by_role("link", name="New customer").first.click()
    page.get_by_label("Facility name").fill("Hôpital Sainte-Anne")
    page.get_by_label("City").fill("Paris")
    page.get_by_label("Country").fill("FR")
    page.get_by_role("button", name="Create customer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hôpital Sainte-Anne")
    expect(page.get_by_text("Customer “Hôpital Sainte-Anne” created.")).to_be_visible()
    profile = page.url

    # Another spelling of the same name is refused, with a link to the existing customer.
    page.goto(f"{live_server.url}/admin/customers/new/")
    page.get_by_label("Facility name").fill("HOPITAL SAINTE ANNE")
    page.get_by_role("button", name="Create customer").click()
    expect(page.get_by_text("A customer with this name already exists")).to_be_visible()
    page.get_by_role("alert").get_by_role("link", name="Hôpital Sainte-Anne").click()
    expect(page).to_have_url(profile)
    assert Customer.objects.count() == 1

    # Notes: add, edit with a reason, delete with a reason.
    page.get_by_label(re.compile(r"^Note\b")).fill("Dock closes at 4pm.")
    page.get_by_role("button", name="Add note").click()
    notes = page.locator("#notes")
    expect(notes.locator(".note-body")).to_have_text("Dock closes at 4pm.")
    expect(page.locator(".note").get_by_text("Avery Admin")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Edit note")).click()
    expect(page).to_have_title(re.compile("^Edit note"))
    page.get_by_label(re.compile(r"^Note\b")).fill("Dock closes at 5pm.")
    page.get_by_label("Reason for change").fill("hours changed")
    page.get_by_role("button", name="Save note").click()
    expect(notes.locator(".note-body")).to_have_text("Dock closes at 5pm.")
    page.get_by_role("link", name=re.compile("^Delete note")).click()
    page.get_by_label("Reason for change").fill("moved to the contact details")
    page.get_by_role("button", name="Delete note").click()
    expect(page.get_by_text("Note deleted.")).to_be_visible()
    expect(notes.get_by_text("No notes yet.")).to_be_visible()
    assert not CustomerNote.objects.exists()

    # Reps: assign two, then switch the primary.
    page.get_by_role("combobox", name=re.compile("^Sales rep")).select_option(label="Riley Rep (riley)")
    page.get_by_label("Make primary rep").check()
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text("Riley Rep assigned as primary rep.")).to_be_visible()
    page.get_by_role("combobox", name=re.compile("^Sales rep")).select_option(label="Sam Seller (sam)")
    page.get_by_role("button", name="Assign", exact=True).click()
    reps = page.locator("#reps")
    expect(reps.get_by_role("row").filter(has_text="Riley Rep").locator(".badge")).to_have_text("primary")
    reps.get_by_label("Reason to make sam the primary rep").fill("Sam took over the account")
    reps.get_by_role("button", name="Make sam the primary rep").click()
    expect(page.get_by_text("Sam Seller is now the primary rep.")).to_be_visible()
    expect(reps.get_by_role("row").filter(has_text="Sam Seller").locator(".badge")).to_have_text("primary")
    expect(reps.get_by_role("row").filter(has_text="Riley Rep").locator(".badge")).to_have_count(0)

    # Edit with a reason (a missing reason is refused first) and see it in the history.
    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("City").fill("Lyon")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Give a reason for this change.")).to_be_visible()
    page.get_by_label("Reason for change").fill("the hospital moved")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Customer “Hôpital Sainte-Anne” saved.")).to_be_visible()
    history = page.locator("#history")
    expect(history.get_by_role("row").filter(has_text="customer.updated")).to_contain_text("the hospital moved")
    expect(history.get_by_role("row").filter(has_text="customer.updated")).to_contain_text("Paris → Lyon")
    expect(history.get_by_role("row").filter(has_text="customer_note.deleted")).to_contain_text(
        "Dock closes at 5pm.")

    # A second spelling of the same hospital was made a customer (someone answered "a new customer" to
    # "Did you mean …?"): merge it.
    create_entry(actor=people, data=entry_data(facility_name="Hopital Ste-Anne", city="Lyon", order_number="SO-77"),
                 on_near_duplicate="create")
    page.get_by_role("link", name="Merge a duplicate…").click()
    page.get_by_role("link", name="Hopital Ste-Anne").click()
    expect(page.get_by_text("distribution entries move")).to_be_visible()
    page.get_by_role("button", name="Merge and remove the duplicate").click()
    expect(page.get_by_text("Give a reason for this change.")).to_be_visible()
    page.get_by_label("Reason for the merge").fill("same hospital, imported spelling")
    page.get_by_role("button", name="Merge and remove the duplicate").click()
    expect(page).to_have_url(profile)
    expect(page.get_by_text("“Hopital Ste-Anne” was merged into “Hôpital Sainte-Anne”")).to_be_visible()
    expect(page.locator("#orders")).to_contain_text("SO-77")
    expect(page.get_by_text("HOPITALSTEANNE", exact=True)).to_be_visible()  # the alias
    assert Customer.objects.count() == 1
    merged = AuditEvent.objects.get(action="customer.merged")
    assert (merged.actor, merged.reason) == (people, "same hospital, imported spelling")
