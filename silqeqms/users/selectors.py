"""Reads for the user pages: the list with roles and lock state, one user's page, the roles on offer."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Prefetch, QuerySet

from silqeqms.audit import history_for
from silqeqms.models import AuditEvent, User
from silqeqms.roles import ROLE_DESCRIPTIONS, ROLES
from silqeqms.users.lockout import is_locked_annotation


def user_list() -> QuerySet[User]:
    """Every user with `is_locked` annotated and their groups prefetched (one query for the whole page)."""
    return (User.objects.annotate(is_locked=is_locked_annotation())
            .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name"))))


def role_choices() -> list[tuple[str, str]]:
    """(name, label) of every group: the roles of roles.py first, in its order, then any other group."""
    names = list(Group.objects.order_by("name").values_list("name", flat=True))
    ordered = [n for n in ROLES if n in names] + [n for n in names if n not in ROLES]
    return [(n, f"{n} — {ROLE_DESCRIPTIONS[n]}" if n in ROLE_DESCRIPTIONS else n) for n in ordered]


def user_history(user: User) -> QuerySet[AuditEvent]:
    """What was done to this account (events whose target is the user), newest first."""
    return history_for(user)
