"""Every staff view declares one permission; denial is a 403 that names it."""

from __future__ import annotations

from django.contrib.auth.mixins import PermissionRequiredMixin as DjangoPermissionRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied

from silqeqms.roles import PERMISSIONS


def permission_denied_message(perm: str) -> str:
    label = PERMISSIONS.get(perm, perm)
    return f"This page needs the permission “{perm}” ({label}). Ask an administrator to add it to your role."


class PermissionRequiredMixin(DjangoPermissionRequiredMixin):
    """Django's mixin, but a view without `permission_required` fails loudly, and the 403 names it."""

    raise_exception = True

    def get_permission_required(self):
        if not self.permission_required:
            raise ImproperlyConfigured(f"{type(self).__name__} must declare permission_required.")
        return super().get_permission_required()

    def handle_no_permission(self):
        missing = [p for p in self.get_permission_required() if not self.request.user.has_perm(p)]
        raise PermissionDenied(permission_denied_message(missing[0] if missing else ""))
