"""Apply `roles.py` to the database: permissions and groups, idempotently."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from silqeqms.audit import record_event
from silqeqms.roles import PERMISSIONS, ROLES
from silqeqms.users.services import create_group, set_group_permissions


@dataclass
class SeedReport:
    permissions_created: list[str] = field(default_factory=list)
    groups_created: list[str] = field(default_factory=list)
    grants_added: dict[str, list[str]] = field(default_factory=dict)
    grants_removed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.permissions_created or self.groups_created or self.grants_added or self.grants_removed)


def _permission_for_key(key: str, report: SeedReport) -> Permission:
    app_label, codename = key.split(".", 1)
    found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if found:
        return found
    # A key that no model declares (e.g. a purely page-level permission): anchor it on a
    # content type of its own app so that `user.has_perm("<app>.<codename>")` works.
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model="global")
    permission = Permission.objects.create(content_type=content_type, codename=codename, name=PERMISSIONS[key])
    report.permissions_created.append(key)
    return permission


SEED_REASON = "seed_permissions applied roles.py"


@transaction.atomic
def seed_permissions(*, actor=None) -> SeedReport:
    """Every group created and every grant added or removed is its own audit event (group.created,
    group.permissions_changed), written by the same services as the Django admin's group pages."""
    report = SeedReport()
    perms = {key: _permission_for_key(key, report) for key in PERMISSIONS}
    for key in report.permissions_created:
        permission = perms[key]
        record_event(actor=actor, action="permission.created", target=permission, reason=SEED_REASON,
                     changes={"key": [None, key], "name": [None, permission.name]})
    for role, keys in ROLES.items():
        wanted = [perms[key] for key in keys]
        group = Group.objects.filter(name=role).first()
        if group is None:
            create_group(actor=actor, name=role, permissions=wanted, reason=SEED_REASON)
            report.groups_created.append(role)
            report.grants_added[role] = sorted(keys)
            continue
        added, removed = set_group_permissions(actor=actor, group=group, permissions=wanted, reason=SEED_REASON)
        if added:
            report.grants_added[role] = added
        if removed:
            report.grants_removed[role] = removed
    return report
