"""User and group services: the database effect and the audit event of each, and what they refuse."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.utils import timezone

from silqeqms.models import AuditEvent, User
from silqeqms.users import services
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "plum-orbit-lantern-47"  # noqa: S105 - test data


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def fail_sign_ins(username: str, ip: str, failures: int) -> AccessAttempt:
    return AccessAttempt.objects.create(username=username, ip_address=ip, user_agent="test", get_data="",
                                        post_data="", http_accept="*/*", path_info="/accounts/login/",
                                        failures_since_start=failures, attempt_time=timezone.now())


def test_create_user_saves_the_account_with_its_roles_and_records_it_without_the_password(admin_user, roles):
    user = services.create_user(actor=admin_user, username=" nora ", password=GOOD_PASSWORD, first_name="Nora",
                                last_name="Quinn", email="nora@example.com", roles=["ops", "readonly"],
                                reason="New hire in operations")
    user.refresh_from_db()
    assert user.username == "nora"
    assert user.check_password(GOOD_PASSWORD)
    assert services.role_names(user) == ["ops", "readonly"]
    [event] = events("user.created")
    assert event.actor == admin_user
    assert event.target_id == str(user.pk)
    assert event.reason == "New hire in operations"
    assert event.changes["username"] == [None, "nora"]
    assert event.changes["email"] == [None, "nora@example.com"]
    assert event.changes["roles"] == [[], ["ops", "readonly"]]
    assert event.data == {"password": "set"}
    assert GOOD_PASSWORD not in str(event.changes) + str(event.data)
    assert user.password not in str(event.changes) + str(event.data)


def test_create_user_refuses_a_password_the_validators_reject_and_writes_nothing(admin_user):
    with pytest.raises(ValidationError) as caught:
        services.create_user(actor=admin_user, username="nora", password="password", reason="")
    assert "password" in caught.value.error_dict
    assert not User.objects.filter(username="nora").exists()
    assert not events("user.created")


def test_create_user_refuses_a_user_name_that_differs_only_in_case(admin_user):
    UserFactory(username="Nora")
    with pytest.raises(ValidationError, match="already exists"):
        services.create_user(actor=admin_user, username="nora", password=GOOD_PASSWORD)
    assert User.objects.filter(username__iexact="nora").count() == 1


def test_create_user_refuses_an_unknown_role(admin_user):
    with pytest.raises(ValidationError, match="No such role: wizard"):
        services.create_user(actor=admin_user, username="nora", password=GOOD_PASSWORD, roles=["wizard"])
    assert not User.objects.filter(username="nora").exists()


def test_create_user_without_a_password_makes_an_account_that_cannot_sign_in(admin_user):
    user = services.create_user(actor=admin_user, username="svc", password=None)
    assert not user.has_usable_password()
    assert events("user.created")[0].data == {"password": "unusable"}


def test_update_user_records_only_what_changed_with_the_reason(admin_user):
    user = UserFactory(username="nora", first_name="Nora", last_name="Quinn", email="n@example.com")
    services.update_user(actor=admin_user, user=user, reason="Married name",
                         data={"first_name": "Nora", "last_name": "Shaw", "email": "n@example.com"})
    user.refresh_from_db()
    assert user.last_name == "Shaw"
    [event] = events("user.updated")
    assert event.changes == {"last_name": ["Quinn", "Shaw"]}
    assert event.reason == "Married name"


def test_update_user_needs_a_reason_that_is_not_blank(admin_user):
    user = UserFactory(last_name="Quinn")
    with pytest.raises(ValidationError) as caught:
        services.update_user(actor=admin_user, user=user, data={"last_name": "Shaw"}, reason="   ")
    assert "reason" in caught.value.error_dict
    user.refresh_from_db()
    assert user.last_name == "Quinn"
    assert not events("user.updated")


def test_update_user_with_nothing_changed_records_nothing(admin_user):
    user = UserFactory(first_name="Nora")
    services.update_user(actor=admin_user, user=user, data={"first_name": "Nora"}, reason="Checked")
    assert not events("user.updated")


def test_update_user_refuses_when_someone_saved_since_the_form_was_read_and_names_them(admin_user):
    user = UserFactory(username="nora", first_name="Nora", last_name="Quinn", email="n@example.com")
    read = {"first_name": "Nora", "last_name": "Quinn", "email": "n@example.com"}
    services.update_user(actor=admin_user, user=user, data={"last_name": "Shaw"}, reason="Married name")
    with pytest.raises(services.ChangedSinceReadError, match="changed by admin_user"):
        services.update_user(actor=admin_user, user=user, data={**read, "email": "nora@example.com"},
                             reason="New address", as_read=read)
    user.refresh_from_db()
    assert (user.last_name, user.email) == ("Shaw", "n@example.com")


def test_change_roles_records_the_old_and_new_lists(admin_user, roles):
    user = UserFactory()
    user.groups.add(roles["readonly"])
    services.change_roles(actor=admin_user, user=user, roles=["quality", "ops"], reason="Moved to QA",
                          roles_as_read=["readonly"])
    assert services.role_names(user) == ["ops", "quality"]
    [event] = events("user.roles_changed")
    assert event.changes == {"roles": [["readonly"], ["ops", "quality"]]}
    assert event.actor == admin_user
    assert event.reason == "Moved to QA"


def test_change_roles_refuses_when_the_roles_changed_since_the_form_was_read(admin_user, roles):
    user = UserFactory()
    services.change_roles(actor=admin_user, user=user, roles=["ops"], reason="First")
    with pytest.raises(services.ChangedSinceReadError, match="roles of .* were changed by admin_user"):
        services.change_roles(actor=admin_user, user=user, roles=["readonly"], reason="Second",
                              roles_as_read=[])
    assert services.role_names(user) == ["ops"]
    assert len(events("user.roles_changed")) == 1


def test_change_roles_with_the_same_roles_records_nothing(admin_user, roles):
    user = UserFactory()
    user.groups.add(roles["ops"])
    services.change_roles(actor=admin_user, user=user, roles=["ops"], reason="No change")
    assert not events("user.roles_changed")


def test_the_last_user_who_can_manage_users_cannot_lose_the_admin_role(admin_user, roles):
    other_admin = UserFactory(username="other_admin")
    with pytest.raises(ValidationError, match="last active user who can manage users"):
        services.change_roles(actor=other_admin, user=admin_user, roles=["readonly"], reason="Oops")
    assert services.role_names(admin_user) == ["admin"]
    other_admin.groups.add(roles["admin"])
    services.change_roles(actor=other_admin, user=admin_user, roles=["readonly"], reason="Handed over")
    assert services.role_names(admin_user) == ["readonly"]


def test_deactivate_and_reactivate_are_recorded_and_never_delete(admin_user):
    user = UserFactory()
    services.deactivate_user(actor=admin_user, user=user, reason="Left the company")
    user.refresh_from_db()
    assert not user.is_active
    assert events("user.deactivated")[0].changes == {"is_active": [True, False]}
    services.reactivate_user(actor=admin_user, user=user, reason="Rehired")
    user.refresh_from_db()
    assert user.is_active
    [event] = events("user.reactivated")
    assert (event.reason, event.changes) == ("Rehired", {"is_active": [False, True]})


def test_nobody_deactivates_their_own_account(admin_user):
    with pytest.raises(ValidationError, match="your own account"):
        services.deactivate_user(actor=admin_user, user=admin_user, reason="Bye")
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_deactivating_the_last_user_who_can_manage_users_is_refused(admin_user):
    with pytest.raises(ValidationError, match="last active user"):
        services.deactivate_user(actor=None, user=admin_user, reason="Script")
    assert not events("user.deactivated")


def test_a_manager_who_is_not_a_superuser_cannot_change_a_superuser(admin_user):
    boss = UserFactory(username="boss", is_superuser=True)
    for call in (lambda: services.reset_password(actor=admin_user, user=boss, password=GOOD_PASSWORD, reason="x"),
                 lambda: services.deactivate_user(actor=admin_user, user=boss, reason="x"),
                 lambda: services.update_user(actor=admin_user, user=boss, data={"email": "a@b.c"}, reason="x")):
        with pytest.raises(ValidationError, match="only a superuser"):
            call()
    boss.refresh_from_db()
    assert boss.check_password(TEST_PASSWORD) and boss.is_active


def test_reset_password_sets_a_valid_password_and_records_no_secret(admin_user):
    user = UserFactory()
    services.reset_password(actor=admin_user, user=user, password=GOOD_PASSWORD, reason="Forgot it")
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)
    [event] = events("user.password_reset")
    assert (event.actor, event.reason, event.changes, event.data) == (admin_user, "Forgot it", {}, {})


def test_reset_password_refuses_a_password_like_the_user_name(admin_user):
    user = UserFactory(username="margaretha")
    with pytest.raises(ValidationError) as caught:
        services.reset_password(actor=admin_user, user=user, password="margaretha1", reason="Forgot it")
    assert "password" in caught.value.error_dict
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    assert not events("user.password_reset")


def test_unlock_user_forgets_their_failures_from_every_address_and_records_where(admin_user):
    user = UserFactory(username="vera")
    fail_sign_ins("vera", "10.0.0.1", 5)
    fail_sign_ins("vera", "10.0.0.2", 6)
    fail_sign_ins("other", "10.0.0.1", 5)
    assert services.unlock_user(actor=admin_user, user=user, reason="Called the help desk") == 2
    assert not AccessAttempt.objects.filter(username="vera").exists()
    assert AccessAttempt.objects.filter(username="other").exists()
    [event] = events("user.unlocked")
    assert event.data == {"addresses": ["10.0.0.1", "10.0.0.2"], "failures": 11}
    assert event.reason == "Called the help desk"


def test_unlocking_a_user_who_is_not_locked_is_refused(admin_user):
    user = UserFactory(username="vera")
    fail_sign_ins("vera", "10.0.0.1", 4)
    with pytest.raises(ValidationError, match="not locked out"):
        services.unlock_user(actor=admin_user, user=user, reason="Just in case")
    assert not events("user.unlocked")


def test_old_failures_no_longer_lock(admin_user):
    user = UserFactory(username="vera")
    attempt = fail_sign_ins("vera", "10.0.0.1", 5)
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    with pytest.raises(ValidationError, match="not locked out"):
        services.unlock_user(actor=admin_user, user=user, reason="Old")


def test_unlock_address_forgets_every_failure_from_it(admin_user, settings):
    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 10
    fail_sign_ins("a", "10.9.9.9", 4)
    fail_sign_ins("b", "10.9.9.9", 6)
    services.unlock_address(actor=admin_user, ip_address="10.9.9.9", reason="Our own training session")
    assert not AccessAttempt.objects.filter(ip_address="10.9.9.9").exists()
    [event] = events("address.unlocked")
    assert (event.target_id, event.data) == ("10.9.9.9", {"failures": 10})


def test_create_group_and_set_its_permissions_are_each_recorded(admin_user):
    view = Permission.objects.get(content_type__app_label="customers", codename="view")
    notes = Permission.objects.get(content_type__app_label="customers", codename="notes")
    group = services.create_group(actor=admin_user, name="auditors", permissions=[view], reason="External audit")
    assert list(group.permissions.all()) == [view]
    assert events("group.created")[-1].changes == {"name": [None, "auditors"], "permissions": [[], ["customers.view"]]}
    added, removed = services.set_group_permissions(actor=admin_user, group=group, permissions=[notes],
                                                    reason="Notes only")
    assert (added, removed) == (["customers.notes"], ["customers.view"])
    [event] = events("group.permissions_changed")
    assert event.changes == {"permissions": [["customers.view"], ["customers.notes"]]}
    services.rename_group(actor=admin_user, group=group, name="external-auditors", reason="Clearer")
    assert Group.objects.get(pk=group.pk).name == "external-auditors"
    assert events("group.updated")[0].changes == {"name": ["auditors", "external-auditors"]}


def test_change_own_password_is_recorded_with_the_user_as_actor():
    user = UserFactory()
    services.change_own_password(user=user, password=GOOD_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)
    [event] = events("user.password_changed")
    assert event.actor == user
