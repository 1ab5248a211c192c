"""Every write to users, their roles, groups and sign-in locks; each one audited through record_event().

Users are never deleted (the audit trail PROTECTs its actors): they are deactivated. Passwords never reach
the audit trail, not even hashed. Only a superuser may change a superuser's account, so that managing users
cannot be turned into becoming a superuser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from axes.utils import reset as reset_axes_attempts
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from silqeqms.audit import creation_changes, diff_fields, model_values, record_event
from silqeqms.edits import StaleVersionError, require_reason
from silqeqms.models import AuditEvent, User
from silqeqms.users.lockout import locked_addresses, locks_for_username

DETAIL_FIELDS = ("first_name", "last_name", "email")
ADMIN_DETAIL_FIELDS = ("username", *DETAIL_FIELDS)  # the Django admin may also rename
PRIVILEGE_FIELDS = ("is_staff", "is_superuser")


class ChangedSinceReadError(StaleVersionError):
    """Someone changed the user after the form was opened; nothing was overwritten."""


def permission_key(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def role_names(user: User) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))


def group_permission_keys(group: Group) -> list[str]:
    return sorted(permission_key(p) for p in group.permissions.select_related("content_type"))


def _label(user: User) -> str:
    return user.get_username()


def _lock(user: User) -> User:
    """The user's row, locked until the transaction ends: concurrent changes to one user queue up."""
    return User.objects.select_for_update().get(pk=user.pk)


def _refuse_superuser_change_by_non_superuser(actor: User | None, user: User) -> None:
    if user.is_superuser and actor is not None and not actor.is_superuser:
        raise ValidationError(f"{_label(user)} is a superuser: only a superuser can change this account.",
                              code="superuser_only")


def _changed_since_read_error(user: User, what: str, actions: Iterable[str]) -> ChangedSinceReadError:
    event = (AuditEvent.objects.filter(target_type=User._meta.label_lower, target_id=str(user.pk),
                                       action__in=list(actions)).order_by("-seq").first())
    by = ""
    if event is not None:
        when = date_format(timezone.localtime(event.at), "DATETIME_FORMAT")
        by = f" by {event.actor_label} at {when}"
    return ChangedSinceReadError(
        f"The {what} of {_label(user)} were changed{by} after you opened this page. Nothing was saved: "
        "reload to see their change, then make yours again.", code="changed_since_read")


def _groups_for(names: Iterable[str]) -> list[Group]:
    names = sorted(set(names))
    groups = list(Group.objects.filter(name__in=names).order_by("name"))
    missing = sorted(set(names) - {g.name for g in groups})
    if missing:
        raise ValidationError({"roles": f"No such role: {', '.join(missing)} (run manage.py seed_permissions)."},
                              code="unknown_role")
    return groups


def _can_manage_users(*, is_active: bool, is_superuser: bool, group_names: Iterable[str]) -> bool:
    if not is_active:
        return False
    return is_superuser or Group.objects.filter(
        name__in=list(group_names), permissions__content_type__app_label="silqeqms",
        permissions__codename="manage_users").exists()


def _refuse_removing_the_last_manager(user: User, *, is_active: bool, is_superuser: bool,
                                      roles: Iterable[str]) -> None:
    """Someone must be left who can manage users, or nobody could ever give the rights back."""
    was = _can_manage_users(is_active=user.is_active, is_superuser=user.is_superuser, group_names=role_names(user))
    if not was or _can_manage_users(is_active=is_active, is_superuser=is_superuser, group_names=roles):
        return
    others = User.objects.filter(is_active=True).exclude(pk=user.pk)
    managing = (Q(is_superuser=True)
                | Q(groups__permissions__content_type__app_label="silqeqms", groups__permissions__codename="manage_users")
                | Q(user_permissions__content_type__app_label="silqeqms", user_permissions__codename="manage_users"))
    if not others.filter(managing).exists():
        raise ValidationError(f"{_label(user)} is the last active user who can manage users: give another "
                              "user the admin role first.", code="last_manager")


@transaction.atomic
def create_user(*, actor: User | None, username: str, password: str | None, first_name: str = "",
                last_name: str = "", email: str = "", roles: Iterable[str] = (), reason: str = "",
                is_staff: bool = False, is_superuser: bool = False) -> User:
    """A new account with its roles. `password=None` makes one that cannot sign in until a password is set.
    The reason is asked for but may be blank (a new account changes no existing record)."""
    username = (username or "").strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"A user named “{username}” already exists (user names ignore case)."},
                              code="duplicate_username")
    user = User(username=username, first_name=first_name.strip(), last_name=last_name.strip(),
                email=email.strip(), is_staff=is_staff, is_superuser=is_superuser)
    user.full_clean(exclude=["password"])
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.error_list}) from None
        user.set_password(password)
    groups = _groups_for(roles)
    user.save()
    user.groups.set(groups)
    changes = creation_changes(user, ("username", *DETAIL_FIELDS, "is_active", *PRIVILEGE_FIELDS))
    changes["roles"] = [[], [g.name for g in groups]]
    record_event(actor=actor, action="user.created", target=user, reason=(reason or "").strip(), changes=changes,
                 data={"password": "set" if password is not None else "unusable"})
    return user


@transaction.atomic
def update_user(*, actor: User | None, user: User, data: Mapping[str, Any], reason: str,
                as_read: Mapping[str, Any] | None = None, fields: Iterable[str] = DETAIL_FIELDS) -> User:
    """Name and e-mail (and, from the Django admin, the username). `as_read`: the values the form showed;
    if the stored ones differ now, someone saved in between and nothing is overwritten."""
    reason = require_reason(reason)
    locked = _lock(user)
    _refuse_superuser_change_by_non_superuser(actor, locked)
    fields = tuple(fields)
    old = model_values(locked, fields)
    if as_read is not None and diff_fields({k: as_read.get(k) for k in fields}, old):
        raise _changed_since_read_error(locked, "details", ["user.updated"])
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items() if k in fields}
    for name, value in values.items():
        setattr(locked, name, value)
    changes = diff_fields(old, model_values(locked, fields))
    if not changes:
        return locked
    if "username" in changes and User.objects.filter(username__iexact=locked.username).exclude(pk=locked.pk).exists():
        raise ValidationError({"username": f"A user named “{locked.username}” already exists."},
                              code="duplicate_username")
    locked.full_clean(exclude=["password"])
    locked.save(update_fields=list(changes))
    record_event(actor=actor, action="user.updated", target=locked, reason=reason, changes=changes)
    return locked


@transaction.atomic
def change_privileges(*, actor: User | None, user: User, is_staff: bool, is_superuser: bool, reason: str) -> User:
    """Django-admin access and superuser status (the Django admin only; superusers only)."""
    reason = require_reason(reason)
    locked = _lock(user)
    if actor is not None and not actor.is_superuser:
        raise ValidationError("Only a superuser can grant or remove staff or superuser status.", code="superuser_only")
    changes = diff_fields(model_values(locked, PRIVILEGE_FIELDS), {"is_staff": is_staff, "is_superuser": is_superuser})
    if not changes:
        return locked
    _refuse_removing_the_last_manager(locked, is_active=locked.is_active, is_superuser=is_superuser,
                                      roles=role_names(locked))
    locked.is_staff, locked.is_superuser = is_staff, is_superuser
    locked.save(update_fields=list(changes))
    record_event(actor=actor, action="user.privileges_changed", target=locked, reason=reason, changes=changes)
    return locked


@transaction.atomic
def change_roles(*, actor: User | None, user: User, roles: Iterable[str], reason: str,
                 roles_as_read: Iterable[str] | None = None) -> User:
    """Set the user's roles (groups). `roles_as_read`: the roles the form showed; if they changed since,
    someone else changed them and nothing is overwritten."""
    reason = require_reason(reason)
    locked = _lock(user)
    _refuse_superuser_change_by_non_superuser(actor, locked)
    current = role_names(locked)
    if roles_as_read is not None and sorted(set(roles_as_read)) != current:
        raise _changed_since_read_error(locked, "roles", ["user.roles_changed", "user.created"])
    groups = _groups_for(roles)
    wanted = [g.name for g in groups]
    if wanted == current:
        return locked
    _refuse_removing_the_last_manager(locked, is_active=locked.is_active, is_superuser=locked.is_superuser,
                                      roles=wanted)
    locked.groups.set(groups)
    record_event(actor=actor, action="user.roles_changed", target=locked, reason=reason,
                 changes={"roles": [current, wanted]})
    return locked


@transaction.atomic
def deactivate_user(*, actor: User | None, user: User, reason: str) -> User:
    """The account can no longer sign in (its open sessions end at their next request); history keeps it."""
    reason = require_reason(reason)
    locked = _lock(user)
    _refuse_superuser_change_by_non_superuser(actor, locked)
    if actor is not None and actor.pk == locked.pk:
        raise ValidationError("You cannot deactivate your own account.", code="self_deactivation")
    if not locked.is_active:
        raise ValidationError(f"{_label(locked)} is already inactive.", code="already_inactive")
    _refuse_removing_the_last_manager(locked, is_active=False, is_superuser=locked.is_superuser,
                                      roles=role_names(locked))
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    record_event(actor=actor, action="user.deactivated", target=locked, reason=reason,
                 changes={"is_active": [True, False]})
    return locked


@transaction.atomic
def reactivate_user(*, actor: User | None, user: User, reason: str) -> User:
    reason = require_reason(reason)
    locked = _lock(user)
    _refuse_superuser_change_by_non_superuser(actor, locked)
    if locked.is_active:
        raise ValidationError(f"{_label(locked)} is already active.", code="already_active")
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    record_event(actor=actor, action="user.reactivated", target=locked, reason=reason,
                 changes={"is_active": [False, True]})
    return locked


def _set_password(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from None
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def reset_password(*, actor: User | None, user: User, password: str, reason: str) -> User:
    """An administrator sets a new password (Django's validators apply). The user's open sessions end.
    The audit event says that it happened, never what the password is."""
    reason = require_reason(reason)
    locked = _lock(user)
    _refuse_superuser_change_by_non_superuser(actor, locked)
    _set_password(locked, password)
    record_event(actor=actor, action="user.password_reset", target=locked, reason=reason)
    return locked


@transaction.atomic
def change_own_password(*, user: User, password: str) -> User:
    """A signed-in user changes their own password (the form has checked the old one)."""
    locked = _lock(user)
    _set_password(locked, password)
    record_event(actor=locked, action="user.password_changed", target=locked)
    return locked


@transaction.atomic
def unlock_user(*, actor: User | None, user: User, reason: str) -> int:
    """Forget the user's failed sign-ins from every address; returns how many addresses were locked."""
    reason = require_reason(reason)
    locks = locks_for_username(user.get_username())
    if not locks:
        raise ValidationError(f"{_label(user)} is not locked out.", code="not_locked")
    reset_axes_attempts(username=user.get_username())
    record_event(actor=actor, action="user.unlocked", target=user, reason=reason,
                 data={"addresses": [lock.ip_address for lock in locks],
                       "failures": sum(lock.failures for lock in locks)})
    return len(locks)


@transaction.atomic
def unlock_address(*, actor: User | None, ip_address: str, reason: str) -> None:
    """Forget every failed sign-in from one address (it was locked for every username on it)."""
    reason = require_reason(reason)
    lock = next((lock for lock in locked_addresses() if lock.ip_address == ip_address), None)
    if lock is None:
        raise ValidationError(f"The address {ip_address} is not locked.", code="not_locked")
    reset_axes_attempts(ip=ip_address)
    record_event(actor=actor, action="address.unlocked", target_type="ip_address", target_id=ip_address,
                 target_repr=ip_address, reason=reason, data={"failures": lock.failures})


@transaction.atomic
def create_group(*, actor: User | None, name: str, permissions: Iterable[Permission] = (),
                 reason: str = "") -> Group:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A group needs a name."}, code="required")
    if Group.objects.filter(name=name).exists():
        raise ValidationError({"name": f"A group named “{name}” already exists."}, code="duplicate_group")
    group = Group.objects.create(name=name)
    permissions = list(permissions)
    group.permissions.set(permissions)
    record_event(actor=actor, action="group.created", target=group, reason=(reason or "").strip(),
                 changes={"name": [None, name], "permissions": [[], sorted(permission_key(p) for p in permissions)]})
    return group


@transaction.atomic
def rename_group(*, actor: User | None, group: Group, name: str, reason: str) -> Group:
    reason = require_reason(reason)
    group = Group.objects.select_for_update().get(pk=group.pk)
    name = (name or "").strip()
    if name == group.name:
        return group
    if not name or Group.objects.filter(name=name).exclude(pk=group.pk).exists():
        raise ValidationError({"name": f"A group named “{name}” already exists." if name else "A group needs a name."})
    old = group.name
    group.name = name
    group.save(update_fields=["name"])
    record_event(actor=actor, action="group.updated", target=group, reason=reason, changes={"name": [old, name]})
    return group


@transaction.atomic
def set_group_permissions(*, actor: User | None, group: Group, permissions: Iterable[Permission],
                          reason: str) -> tuple[list[str], list[str]]:
    """Give the group exactly these permissions; returns (keys added, keys removed)."""
    reason = require_reason(reason)
    group = Group.objects.select_for_update().get(pk=group.pk)
    permissions = list(permissions)
    old = group_permission_keys(group)
    new = sorted({permission_key(p) for p in permissions})
    if old == new:
        return [], []
    group.permissions.set(permissions)
    record_event(actor=actor, action="group.permissions_changed", target=group, reason=reason,
                 changes={"permissions": [old, new]})
    return sorted(set(new) - set(old)), sorted(set(old) - set(new))
