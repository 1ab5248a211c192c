"""Apply `roles.py` to the database: permissions and groups, idempotently."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from silqeqms.audit import record_event
from silqeqms.roles import PERMISSIONS, ROLES


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


@transaction.atomic
def seed_permissions(*, actor=None) -> SeedReport:
    report = SeedReport()
    perms = {key: _permission_for_key(key, report) for key in PERMISSIONS}
    for role, keys in ROLES.items():
        group, created = Group.objects.get_or_create(name=role)
        if created:
            report.groups_created.append(role)
        wanted = {perms[key].pk: key for key in keys}
        current = {
            p.pk: f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        to_add = [pk for pk in wanted if pk not in current]
        to_remove = [pk for pk in current if pk not in wanted]
        if to_add:
            group.permissions.add(*to_add)
            report.grants_added[role] = sorted(wanted[pk] for pk in to_add)
        if to_remove:
            group.permissions.remove(*to_remove)
            report.grants_removed[role] = sorted(current[pk] for pk in to_remove)
    if report.changed:
        record_event(
            actor=actor,
            action="roles.seeded",
            target_type="auth.group",
            target_repr="roles.py",
            reason="seed_permissions applied roles.py",
            data={
                "permissions_created": report.permissions_created,
                "groups_created": report.groups_created,
                "grants_added": report.grants_added,
                "grants_removed": report.grants_removed,
            },
        )
    return report
