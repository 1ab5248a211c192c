"""Demo users, one per role, with known passwords (`manage.py seed_demo`; refused unless DEBUG or --force).
They sit next to the roles they demonstrate (silqeqms/roles.py)."""

from __future__ import annotations

from django.contrib.auth.models import Group

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
    """Create the demo users that do not exist yet (through the audited user service); returns
    (username, role) of those created."""
    from silqeqms.permission_seeding import seed_permissions
    from silqeqms.users.services import create_user

    if any(not Group.objects.filter(name=role).exists() for role in ROLES):
        seed_permissions()
    created = []
    for username, role, first, last, is_super in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        create_user(actor=None, username=username, password=username + DEMO_PASSWORD_SUFFIX, first_name=first,
                    last_name=last, email=f"{username}@example.com", roles=[role], reason="seed_demo",
                    is_staff=is_super, is_superuser=is_super)
        created.append((username, role))
    return created
