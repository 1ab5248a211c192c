from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_sales_rep_sees_only_permitted_sections_and_logs_out(page, live_server, login, roles):
    rep = UserFactory(username="riley")
    rep.groups.add(roles["sales_rep"])
    login(rep)
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Customers")).to_be_visible()
    expect(nav.get_by_role("link", name="Audit Trail")).to_have_count(0)
    page.goto(f"{live_server.url}/admin/audit/")
    expect(page.get_by_text("silqeqms.view_audit")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_an_admin_opens_the_audit_trail(page, live_server, login, roles):
    admin = UserFactory(username="avery")
    admin.groups.add(roles["admin"])
    login(admin)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Audit Trail").click()
    expect(page).to_have_title("Audit Trail · SilqeQMS")
    expect(page.get_by_role("cell", name="group.created").first).to_be_visible()


def test_a_wrong_password_shows_an_error(page, live_server, db):
    UserFactory(username="vera")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("vera")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("do not match")).to_be_visible()
