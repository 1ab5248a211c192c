from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from silqeqms.roles import PERMISSIONS, ROLES

pytestmark = pytest.mark.django_db


def _group_keys(name: str) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=name).permissions.select_related("content_type")
    }


def test_every_permission_key_is_declared_by_a_model():
    for key in PERMISSIONS:
        app_label, codename = key.split(".", 1)
        assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), key


def test_every_role_grants_only_known_keys():
    for keys in ROLES.values():
        assert set(keys) <= set(PERMISSIONS)


def test_seed_permissions_creates_groups_that_match_roles_exactly(capsys):
    call_command("seed_permissions")
    assert "created group admin" in capsys.readouterr().out
    assert set(Group.objects.values_list("name", flat=True)) == set(ROLES)
    for role, keys in ROLES.items():
        assert _group_keys(role) == set(keys), role


def test_seed_permissions_a_second_time_changes_nothing_and_says_so(capsys):
    call_command("seed_permissions")
    capsys.readouterr()
    call_command("seed_permissions")
    assert "Nothing to do" in capsys.readouterr().out


def test_seed_permissions_restores_a_grant_removed_by_hand(capsys):
    call_command("seed_permissions")
    group = Group.objects.get(name="readonly")
    group.permissions.clear()
    call_command("seed_permissions")
    assert "readonly: granted" in capsys.readouterr().out
    assert _group_keys("readonly") == set(ROLES["readonly"])


def test_a_user_in_a_role_has_exactly_its_permissions(ops_user):
    for key in PERMISSIONS:
        assert ops_user.has_perm(key) == (key in ROLES["ops"]), key


def test_seed_permissions_records_each_group_it_creates_with_its_permissions():
    from silqeqms.models import AuditEvent

    call_command("seed_permissions")
    created = {e.target_repr: e for e in AuditEvent.objects.filter(action="group.created")}
    assert set(created) == set(ROLES)
    for role, keys in ROLES.items():
        event = created[role]
        assert event.target_id == str(Group.objects.get(name=role).pk)
        assert event.changes["permissions"] == [[], sorted(keys)]
        assert event.reason == "seed_permissions applied roles.py"
    assert len({e.batch_id for e in created.values()}) == 1  # one run, one batch


def test_seed_permissions_records_the_grants_it_restores_and_removes():
    from silqeqms.models import AuditEvent

    call_command("seed_permissions")
    group = Group.objects.get(name="readonly")
    extra = Permission.objects.get(content_type__app_label="customers", codename="delete")
    group.permissions.remove(Permission.objects.get(content_type__app_label="customers", codename="view"))
    group.permissions.add(extra)
    call_command("seed_permissions")
    [event] = AuditEvent.objects.filter(action="group.permissions_changed")
    old, new = event.changes["permissions"]
    assert set(new) == set(ROLES["readonly"])
    assert set(old) == set(ROLES["readonly"]) - {"customers.view"} | {"customers.delete"}
    assert event.target_id == str(group.pk)
