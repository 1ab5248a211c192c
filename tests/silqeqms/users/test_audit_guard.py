"""The guard (tests/audit_guard.py, on for every test) catches each way of writing a user, a group, a
membership or a permission grant without an audit event; and no source file writes them in bulk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def bad_client(client, settings, roles, admin_user):
    settings.ROOT_URLCONF = "tests.silqeqms.users.unaudited_urls"
    client.force_login(admin_user)
    UserFactory(username="vera")
    return client


def caught(audit_guard, client, view: str) -> list[str]:
    response = client.get(f"/{view}/?u=vera")
    assert response.status_code == 200
    failures, audit_guard.failures = list(audit_guard.failures), []  # seen: the test itself passes
    return failures


@pytest.mark.parametrize(("view", "expected"), [
    ("save_without_event", "user saved (every field) (silqeqms.user #{vera}) with no audit event"),
    ("add_to_group_without_event", "user's groups changed (silqeqms.user #{vera}) with no audit event"),
    ("add_member_from_the_group_side_without_event",
     "user's groups changed (silqeqms.user #{vera}) with no audit event"),
    ("grant_to_group_without_event", "group's permissions changed (auth.group #{readonly}) with no audit event"),
    ("grant_to_user_directly", "user's own permissions changed (silqeqms.user #{vera}) with no audit event"),
    ("event_in_a_separate_transaction", "user saved (every field) (silqeqms.user #{vera}) outside a transaction"),
    ("wrong_action", "user's groups changed (silqeqms.user #{vera}) with no audit event user.created or "
                     "user.roles_changed"),
])
def test_the_guard_catches_an_unaudited_write_in_a_request(bad_client, audit_guard, roles, view, expected):
    from silqeqms.models import User

    ids = {"vera": User.objects.get(username="vera").pk, "readonly": roles["readonly"].pk}
    [failure] = caught(audit_guard, bad_client, view)
    assert failure.startswith(expected.format(**ids))


def test_the_guard_lets_an_audited_write_and_a_rolled_back_one_pass(bad_client, audit_guard):
    assert caught(audit_guard, bad_client, "audited_properly") == []
    assert caught(audit_guard, bad_client, "rolled_back") == []


def test_the_guard_ignores_the_scene_a_test_sets_up_outside_requests(audit_guard, roles):
    user = UserFactory()
    user.groups.add(roles["ops"])
    assert audit_guard.failures == []


def test_the_guard_ignores_the_sign_in_timestamp(client, audit_guard):
    from django.urls import reverse

    from tests.factories import TEST_PASSWORD

    UserFactory(username="vera")
    assert client.post(reverse("login"), {"username": "vera", "password": TEST_PASSWORD}).status_code == 302
    assert audit_guard.failures == []


# Signals do not see QuerySet.update(), bulk_create() or raw SQL: no code outside the user services may
# write users, groups, memberships or grants at all, so a new bulk path is caught here instead.
BULK_OR_DIRECT = re.compile(
    r"\.(groups|user_permissions|user_set|group_set|permissions)\.(add|remove|set|clear)\("
    r"|\.set_(unusable_)?password\("
    r"|\b(User|Group|get_user_model\(\))\.(objects|_default_manager)\b[^\n]*"
    r"\.(update|bulk_create|bulk_update|create|create_user|create_superuser|delete|get_or_create|update_or_create)\("
)
ALLOWED = {
    "silqeqms/users/services.py",  # the one place
}


def test_only_the_user_services_write_users_groups_and_grants():
    offenders = []
    for app in ("silqeqms", "customers", "products", "distribution", "sales_dashboard", "recalls"):
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in ALLOWED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if BULK_OR_DIRECT.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == [], "write users and groups through silqeqms.users.services:\n" + "\n".join(offenders)


def test_the_source_scan_would_see_a_bulk_update():
    assert BULK_OR_DIRECT.search("User.objects.filter(pk=1).update(is_superuser=True)")
    assert BULK_OR_DIRECT.search("group.user_set.clear()")
    assert BULK_OR_DIRECT.search("Group.objects.get_or_create(name='x')")
    assert not BULK_OR_DIRECT.search("User.objects.filter(is_active=True).exists()")
