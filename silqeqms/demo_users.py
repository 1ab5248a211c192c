"""Demo users, one per role, with known passwords (`manage.py seed_demo`; refused unless DEBUG or --force).
They sit next to the roles they demonstrate (silqeqms/roles.py)."""

from __future__ import annotations

from django.contrib.auth.models import Group

from silqeqms.audit import record_event
from silqeqms.models import User
from silqeqms.roles import ROLES

DEMO_PASSWORD_SUFFIX = "-demo-2026"
DEMO_USERS = [
    ("admin", "admin", "Avery", "Admin", True),
    ("quality", "quality", "Quinn", "Quality", False),
    ("ops", "ops", "Oscar", "Ops", False),
    ("rep", "sales_rep", "Riley", "Rep", False),
    ("rep2", "sales_rep", "Sam", "Seller", False),
    ("viewer", "readonly", "Vera", "Viewer", False),
]


def seed_demo_users() -> list[tuple[str, str]]:
    """Create the demo users that do not exist yet; returns (username, role) of those created."""
    missing_roles = [role for role in ROLES if not Group.objects.filter(name=role).exists()]
    if missing_roles:
        from silqeqms.permission_seeding import seed_permissions

        seed_permissions()
    created = []
    for username, role, first, last, is_super in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        user = User(username=username, first_name=first, last_name=last, email=f"{username}@example.com",
                    is_staff=is_super, is_superuser=is_super)
        user.set_password(username + DEMO_PASSWORD_SUFFIX)
        user.save()
        user.groups.add(Group.objects.get(name=role))
        record_event(actor=None, action="user.created", target=user, reason="seed_demo",
                     changes={"username": [None, username], "groups": [[], [role]]})
        created.append((username, role))
    return created
