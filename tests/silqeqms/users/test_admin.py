"""The Django admin's user and group pages write through the audited services, ask for a reason, and
neither delete users nor groups."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse

from silqeqms.models import AuditEvent, User
from silqeqms.users.services import role_names
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "plum-orbit-lantern-47"  # noqa: S105 - test data


@pytest.fixture
def superuser(roles):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def su_client(client, superuser):
    client.force_login(superuser)
    return client


def change_data(user: User, **overrides) -> dict:
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "is_active": "on" if user.is_active else "", "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "", "groups": [g.pk for g in user.groups.all()],
        "reason": "Admin maintenance",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v not in ("", None)}


def actions() -> list[str]:
    return list(AuditEvent.objects.exclude(reason="seed_permissions applied roles.py").order_by("seq")
                .values_list("action", flat=True))


def test_adding_a_user_in_the_admin_goes_through_the_service(su_client, superuser):
    response = su_client.post(reverse("admin:silqeqms_user_add"), {
        "username": "nora", "usable_password": "true", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD,
        "reason": "Contractor"})
    nora = User.objects.get(username="nora")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:silqeqms_user_change", args=[nora.pk])
    assert nora.check_password(GOOD_PASSWORD)
    event = AuditEvent.objects.get(action="user.created")
    assert (event.actor, event.reason, event.target_id) == (superuser, "Contractor", str(nora.pk))


def test_changing_a_user_in_the_admin_records_each_kind_of_change(su_client, superuser, roles):
    vera = UserFactory(username="vera", last_name="Lind")
    response = su_client.post(reverse("admin:silqeqms_user_change", args=[vera.pk]), change_data(
        vera, last_name="Berg", is_staff="on", is_active="", groups=[roles["ops"].pk], reason="Reorganisation"))
    assert response.status_code == 302
    vera.refresh_from_db()
    assert (vera.last_name, vera.is_staff, vera.is_active, role_names(vera)) == ("Berg", True, False, ["ops"])
    assert actions() == ["user.updated", "user.privileges_changed", "user.deactivated", "user.roles_changed"]
    assert set(AuditEvent.objects.filter(action__startswith="user.").values_list("reason", flat=True)) == {
        "Reorganisation"}


def test_the_admin_asks_for_a_reason_and_saves_nothing_without_one(su_client, roles):
    vera = UserFactory(username="vera", last_name="Lind")
    response = su_client.post(reverse("admin:silqeqms_user_change", args=[vera.pk]),
                              change_data(vera, last_name="Berg", reason=""))
    assert response.status_code == 200
    assert "Give a reason for this change." in response.content.decode()
    vera.refresh_from_db()
    assert vera.last_name == "Lind"
    assert actions() == []


def test_a_service_refusal_in_the_admin_is_an_error_message_and_nothing_is_saved(su_client, superuser, admin_user):
    # admin_user is the only user with the admin role; root (a superuser) can manage users too, so demote
    # root's superuser status and then try to take the admin role from admin_user in one save each.
    su_client.post(reverse("admin:silqeqms_user_change", args=[admin_user.pk]),
                   change_data(admin_user, groups=[], last_name="Renamed"))
    assert role_names(admin_user) == []  # fine: root is still a superuser
    response = su_client.post(reverse("admin:silqeqms_user_change", args=[superuser.pk]),
                              change_data(superuser, is_superuser="", first_name="Changed"), follow=True)
    assert "Nothing was saved" in response.content.decode()
    assert "last active user who can manage users" in response.content.decode()
    superuser.refresh_from_db()
    assert superuser.is_superuser and superuser.first_name != "Changed"


def test_the_admin_password_page_sends_to_the_users_page_in_the_staff_ui(su_client):
    vera = UserFactory()
    response = su_client.get(reverse("admin:auth_user_password_change", args=[vera.pk]))
    assert response["Location"] == reverse("users:user_detail", args=[vera.pk]) + "#password"


def test_users_and_groups_cannot_be_deleted_in_the_admin(su_client, roles):
    vera = UserFactory()
    assert su_client.get(reverse("admin:silqeqms_user_delete", args=[vera.pk])).status_code == 403
    assert su_client.get(reverse("admin:auth_group_delete", args=[roles["ops"].pk])).status_code == 403
    changelist = su_client.post(reverse("admin:silqeqms_user_changelist"),
                                {"action": "delete_selected", "_selected_action": [vera.pk]})
    assert User.objects.filter(pk=vera.pk).exists()
    assert changelist.status_code in (200, 302)


def test_delete_model_and_delete_queryset_deactivate_instead(superuser):
    model_admin = site._registry[User]
    request = RequestFactory().post("/")
    request.user = superuser
    one, two, three = UserFactory(), UserFactory(), UserFactory()
    model_admin.delete_model(request, one)
    model_admin.delete_queryset(request, User.objects.filter(pk__in=[two.pk, three.pk]))
    assert User.objects.filter(pk__in=[one.pk, two.pk, three.pk], is_active=False).count() == 3
    assert AuditEvent.objects.filter(action="user.deactivated").count() == 3


def test_groups_in_the_admin_are_created_renamed_and_given_permissions_through_the_services(su_client):
    view = Permission.objects.get(content_type__app_label="customers", codename="view")
    notes = Permission.objects.get(content_type__app_label="customers", codename="notes")
    su_client.post(reverse("admin:auth_group_add"), {"name": "auditors", "permissions": [view.pk],
                                                     "reason": "External audit"})
    group = Group.objects.get(name="auditors")
    su_client.post(reverse("admin:auth_group_change", args=[group.pk]), {
        "name": "external-auditors", "permissions": [view.pk, notes.pk], "reason": "Notes too"})
    group.refresh_from_db()
    assert group.name == "external-auditors"
    assert set(group.permissions.all()) == {view, notes}
    assert actions() == ["group.created", "group.updated", "group.permissions_changed"]
    event = AuditEvent.objects.get(action="group.permissions_changed")
    assert event.changes == {"permissions": [["customers.view"], ["customers.notes", "customers.view"]]}


def test_sign_in_records_are_read_only_in_the_admin(su_client):
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.create(username="vera", ip_address="10.0.0.1", user_agent="t", get_data="",
                                           post_data="", http_accept="", path_info="/", failures_since_start=5)
    assert su_client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    assert su_client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]),
                          {"post": "yes"}).status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
