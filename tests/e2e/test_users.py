from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from silqeqms.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "plum-orbit-lantern-47"  # noqa: S105 - test data


def test_an_admin_creates_a_user_gives_a_role_and_the_user_signs_in(page, live_server, login, roles):
    admin = UserFactory(username="avery")
    admin.groups.add(roles["admin"])
    login(admin)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Users").click()
    expect(page).to_have_title("Users · SilqeQMS")
    page.get_by_role("link", name="New user").click()
    expect(page).to_have_title("New user · SilqeQMS")
    page.get_by_label("Username").fill("nora")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Quinn")
    page.get_by_label("Email address").fill("nora@example.com")
    page.get_by_role("checkbox", name=re.compile(r"^readonly ")).check()
    page.get_by_label(re.compile(r"^Password(?! confirmation)")).fill(NEW_PASSWORD)
    page.get_by_label("Password confirmation").fill(NEW_PASSWORD)
    page.get_by_label("Reason (optional)").fill("New hire in operations")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("User Nora Quinn (nora) created with readonly.")).to_be_visible()

    # A role more, on the user's page.
    page.get_by_text("Change roles").click()
    page.get_by_role("checkbox", name=re.compile(r"^ops ")).check()
    page.locator("#roles").get_by_label("Reason for change").fill("Covers shipping")
    page.get_by_role("button", name="Save roles").click()
    expect(page.get_by_text("Roles of Nora Quinn (nora): ops, readonly.")).to_be_visible()
    expect(page.get_by_role("cell", name="user.roles_changed")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Distribution Log")).to_be_visible()
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)
    assert list(AuditEvent.objects.filter(target_repr__contains="nora").order_by("seq")
                .values_list("action", flat=True)) == ["user.created", "user.roles_changed"]


def test_a_locked_out_user_sees_what_is_locked_and_an_admin_unlocks_them(page, live_server, login, roles, browser):
    UserFactory(username="vera")
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(5):
        page.get_by_label("Username").fill("vera")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        if page.get_by_role("heading", name="Too many failed sign-ins").count():
            break
    expect(page.get_by_text(re.compile(r"“vera” is locked from this address"))).to_be_visible()

    admin = UserFactory(username="avery")
    admin.groups.add(roles["admin"])
    context = browser.new_context()
    admin_page = context.new_page()
    admin_page.goto(f"{live_server.url}/accounts/login/")
    admin_page.get_by_label("Username").fill("avery")
    from tests.factories import TEST_PASSWORD

    admin_page.get_by_label("Password").fill(TEST_PASSWORD)
    admin_page.get_by_role("button", name="Sign in").click()
    admin_page.goto(f"{live_server.url}/admin/users/?locked=yes")
    admin_page.get_by_role("link", name="vera").click()
    admin_page.locator("#unlock").get_by_label("Reason for change").fill("Verified by phone")
    admin_page.get_by_role("button", name="Unlock").click()
    expect(admin_page.get_by_text(re.compile(r"\(vera\) can sign in again"))).to_be_visible()
    context.close()
