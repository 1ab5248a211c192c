"""The user pages: list, create, the user's page and each of its forms."""

from __future__ import annotations

import json

import pytest
from axes.models import AccessAttempt
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from silqeqms.models import AuditEvent, User
from silqeqms.users.services import role_names
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "plum-orbit-lantern-47"  # noqa: S105 - test data


def url(name: str, *args) -> str:
    return reverse(f"users:{name}", args=args)


def text(response) -> str:
    return " ".join(response.content.decode().split())


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_list_shows_roles_last_sign_in_and_lock_state(admin_client, roles, django_assert_max_num_queries):
    vera = UserFactory(username="vera", last_login=timezone.now())
    vera.groups.add(roles["ops"], roles["readonly"])
    UserFactory(username="quinn", is_active=False)
    AccessAttempt.objects.create(username="vera", ip_address="10.0.0.1", user_agent="t", get_data="", post_data="",
                                 http_accept="", path_info="/", failures_since_start=5)
    with django_assert_max_num_queries(12):
        response = admin_client.get(url("user_list"))
    html = text(response)
    assert response.status_code == 200
    assert "<title>Users · SilqeQMS</title>" in html
    assert '<span class="badge">ops</span> <span class="badge">readonly</span>' in html
    assert html.count('<span class="badge badge-error">locked out</span>') == 1
    assert html.count('<span class="badge badge-voided">inactive</span>') == 1


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ("q=ver", "vera", "quinn"),
    ("role=ops", "vera", "quinn"),
    ("status=inactive", "quinn", "vera"),
    ("locked=yes", "vera", "quinn"),
])
def test_the_list_filters(admin_client, roles, query, shown, hidden):
    # Names fixed: the search matches names too, and a random "Rivera" would match "ver".
    vera = UserFactory(username="vera", first_name="Vera", last_name="Stone")
    vera.groups.add(roles["ops"])
    UserFactory(username="quinn", first_name="Quinn", last_name="Hale", is_active=False)
    AccessAttempt.objects.create(username="vera", ip_address="10.0.0.1", user_agent="t", get_data="", post_data="",
                                 http_accept="", path_info="/", failures_since_start=5)
    html = admin_client.get(url("user_list") + "?" + query).content.decode()
    assert f">{shown}</a>" in html
    assert f">{hidden}</a>" not in html


def test_the_list_pages_fifty_users_at_a_time(admin_client):
    for n in range(60):
        UserFactory(username=f"user{n:02d}")
    response = admin_client.get(url("user_list"))
    assert response.context["table"].page.paginator.num_pages == 2
    assert len(response.context["table"].page.object_list) == 50


def test_an_admin_creates_a_user_with_roles_who_can_then_sign_in(admin_client, admin_user, roles, client):
    response = admin_client.post(url("user_create"), {
        "username": "nora", "first_name": "Nora", "last_name": "Quinn", "email": "nora@example.com",
        "roles": ["ops"], "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD, "reason": "New hire",
    })
    nora = User.objects.get(username="nora")
    assert response.status_code == 302
    assert response["Location"] == url("user_detail", nora.pk)
    assert role_names(nora) == ["ops"]
    event = AuditEvent.objects.get(action="user.created")
    assert (event.actor, event.reason) == (admin_user, "New hire")
    admin_client.logout()
    signed_in = admin_client.post(reverse("login"), {"username": "nora", "password": GOOD_PASSWORD})
    assert signed_in.status_code == 302


def test_creating_a_user_with_mismatched_or_weak_passwords_shows_the_errors_and_writes_nothing(admin_client):
    response = admin_client.post(url("user_create"), {"username": "nora", "password1": "12345678",
                                                      "password2": "12345678"})
    assert response.status_code == 200
    assert "This password is too common." in text(response) or "entirely numeric" in text(response)
    mismatch = admin_client.post(url("user_create"), {"username": "nora", "password1": GOOD_PASSWORD,
                                                      "password2": GOOD_PASSWORD + "x"})
    assert "didn’t match" in text(mismatch)
    assert not User.objects.filter(username="nora").exists()
    assert not AuditEvent.objects.filter(action="user.created").exists()


def test_the_users_page_shows_roles_locks_and_history(admin_client, admin_user, roles):
    vera = UserFactory(username="vera", first_name="Vera", last_name="Lind")
    admin_client.post(url("user_roles", vera.pk), {"roles-roles": ["quality"], "roles-reason": "QA lead",
                                                   "roles-roles_as_read": "[]"})
    html = text(admin_client.get(url("user_detail", vera.pk)))
    assert "<title>Vera Lind · Users · SilqeQMS</title>" in html
    assert '<span class="badge">quality</span>' in html
    assert "user.roles_changed" in html and "QA lead" in html
    assert "Not locked out." in html


def test_changing_roles_records_them_and_says_so(admin_client, admin_user, roles):
    vera = UserFactory(username="vera")
    vera.groups.add(roles["readonly"])
    response = admin_client.post(url("user_roles", vera.pk), {
        "roles-roles": ["ops", "readonly"], "roles-reason": "Covers shipping",
        "roles-roles_as_read": json.dumps(["readonly"])})
    assert response["Location"] == url("user_detail", vera.pk) + "#roles"
    assert role_names(vera) == ["ops", "readonly"]
    assert messages_of(response) == [f"Roles of {vera.get_full_name()} (vera): ops, readonly."]
    event = AuditEvent.objects.get(action="user.roles_changed")
    assert event.changes == {"roles": [["readonly"], ["ops", "readonly"]]}


def test_roles_changed_by_someone_else_since_the_page_was_read_are_not_overwritten(admin_client, roles):
    vera = UserFactory(username="vera")
    vera.groups.add(roles["ops"])  # changed after the page showed no role
    response = admin_client.post(url("user_roles", vera.pk), {
        "roles-roles": ["readonly"], "roles-reason": "Read only", "roles-roles_as_read": "[]"})
    assert response.status_code == 200
    assert "after you opened this page. Nothing was saved" in text(response)
    assert role_names(vera) == ["ops"]


def test_a_role_change_without_a_reason_is_refused_on_the_form(admin_client, roles):
    vera = UserFactory(username="vera")
    response = admin_client.post(url("user_roles", vera.pk), {"roles-roles": ["ops"], "roles-reason": " ",
                                                              "roles-roles_as_read": "[]"})
    assert "Give a reason for this change." in text(response)
    assert role_names(vera) == []


def test_editing_details_saves_with_a_reason_and_refuses_a_stale_form(admin_client):
    vera = UserFactory(username="vera", first_name="Vera", last_name="Lind", email="v@example.com")
    read = {"initial-details-first_name": "Vera", "initial-details-last_name": "Lind",
            "initial-details-email": "v@example.com"}
    response = admin_client.post(url("user_update", vera.pk), {
        **read, "details-first_name": "Vera", "details-last_name": "Lind-Berg", "details-email": "v@example.com",
        "details-reason": "Married"})
    assert response.status_code == 302
    vera.refresh_from_db()
    assert vera.last_name == "Lind-Berg"
    stale = admin_client.post(url("user_update", vera.pk), {
        **read, "details-first_name": "Vera", "details-last_name": "Lind", "details-email": "vera@example.com",
        "details-reason": "New mail"})
    assert "were changed by admin_user" in text(stale)
    vera.refresh_from_db()
    assert (vera.last_name, vera.email) == ("Lind-Berg", "v@example.com")


def test_setting_a_password_ends_the_users_sessions_and_records_no_secret(admin_client, client):
    from django.test import Client

    vera = UserFactory(username="vera")
    vera_client = Client()
    vera_client.force_login(vera)
    response = admin_client.post(url("user_password", vera.pk), {
        "password-password1": GOOD_PASSWORD, "password-password2": GOOD_PASSWORD, "password-reason": "Forgot"})
    assert response.status_code == 302
    vera.refresh_from_db()
    assert vera.check_password(GOOD_PASSWORD)
    assert vera_client.get(reverse("home")).status_code == 302  # signed out
    event = AuditEvent.objects.get(action="user.password_reset")
    assert GOOD_PASSWORD not in json.dumps([event.changes, event.data, event.reason])


def test_a_password_like_the_user_name_is_refused_on_the_form(admin_client):
    vera = UserFactory(username="margaretha")
    response = admin_client.post(url("user_password", vera.pk), {
        "password-password1": "margaretha1", "password-password2": "margaretha1", "password-reason": "Forgot"})
    assert response.status_code == 200
    assert "too similar to the username" in text(response)
    vera.refresh_from_db()
    assert vera.check_password(TEST_PASSWORD)


def test_deactivating_signs_the_user_out_and_reactivating_lets_them_back(admin_client):
    from django.test import Client

    vera = UserFactory(username="vera")
    vera_client = Client()
    vera_client.force_login(vera)
    admin_client.post(url("user_deactivate", vera.pk), {"status-reason": "Left"})
    vera.refresh_from_db()
    assert not vera.is_active
    assert vera_client.get(reverse("home")).status_code == 302
    admin_client.post(url("user_reactivate", vera.pk), {"status-reason": "Back"})
    vera.refresh_from_db()
    assert vera.is_active
    assert [e.action for e in AuditEvent.objects.filter(target_type="silqeqms.user", target_id=str(vera.pk))
            .order_by("seq")] == [
        "user.deactivated", "user.reactivated"]


def test_an_admin_cannot_deactivate_themself_from_the_page(admin_client, admin_user):
    response = admin_client.post(url("user_deactivate", admin_user.pk), {"status-reason": "Oops"})
    assert "You cannot deactivate your own account." in text(response)
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_unlocking_a_locked_user_from_their_page(admin_client, admin_user):
    vera = UserFactory(username="vera")
    AccessAttempt.objects.create(username="vera", ip_address="10.0.0.1", user_agent="t", get_data="", post_data="",
                                 http_accept="", path_info="/", failures_since_start=5)
    page = text(admin_client.get(url("user_detail", vera.pk)))
    assert "10.0.0.1</code>: 5 failures" in page
    response = admin_client.post(url("user_unlock", vera.pk), {"unlock-reason": "Verified by phone"})
    assert messages_of(response) == [f"{vera.get_full_name()} (vera) can sign in again (was locked from one address)."]
    assert not AccessAttempt.objects.exists()
    assert AuditEvent.objects.get(action="user.unlocked").reason == "Verified by phone"


def test_unlocking_a_locked_address_from_the_list(admin_client, settings):
    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 8
    for name in ("a", "b"):
        AccessAttempt.objects.create(username=name, ip_address="10.7.7.7", user_agent="t", get_data="",
                                     post_data="", http_accept="", path_info="/", failures_since_start=4)
    assert "<code>10.7.7.7</code>" in text(admin_client.get(url("user_list")))
    response = admin_client.post(url("address_unlock"), {"ip_address": "10.7.7.7", "reason": "Training room"})
    assert messages_of(response) == ["The address 10.7.7.7 is unlocked."]
    assert AuditEvent.objects.get(action="address.unlocked").target_id == "10.7.7.7"
    refused = admin_client.post(url("address_unlock"), {"ip_address": "10.7.7.7", "reason": ""})
    assert "Give a reason" in messages_of(refused)[-1]


def test_a_user_changes_their_own_password_and_it_is_recorded(client):
    vera = UserFactory(username="vera")
    client.force_login(vera)
    response = client.post(reverse("password_change"), {
        "old_password": TEST_PASSWORD, "new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert response["Location"] == reverse("password_change_done")
    vera.refresh_from_db()
    assert vera.check_password(GOOD_PASSWORD)
    assert client.get(reverse("home")).status_code == 200  # still signed in
    assert AuditEvent.objects.get(action="user.password_changed").actor == vera


def test_the_users_section_is_in_the_navigation_only_for_user_managers(client, admin_user, ops_user):
    client.force_login(admin_user)
    assert 'href="/admin/users/"' in client.get(reverse("home")).content.decode()
    client.force_login(ops_user)
    assert 'href="/admin/users/"' not in client.get(reverse("home")).content.decode()
