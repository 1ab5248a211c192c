from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from silqeqms.models import AuditEvent, User


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For audited models: the admin shows them; writes go through the services (and so the audit trail)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class SilqeUserAdmin(UserAdmin):
    def has_delete_permission(self, request, obj=None):
        return False  # users are deactivated, never deleted: the audit trail keeps its actors


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ["seq", "at", "actor_label", "action", "target_type", "target_id", "reason"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_repr", "reason", "actor_label", "target_id"]
    ordering = ["-seq"]
