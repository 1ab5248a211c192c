from __future__ import annotations

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin

import silqeqms.users.admin  # noqa: F401 - registers the User and Group pages (through the audited services)
from silqeqms.models import AuditEvent


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For audited models: the admin shows them; writes go through the services (and so the audit trail)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ["seq", "at", "actor_label", "action", "target_type", "target_id", "reason"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_repr", "reason", "actor_label", "target_id"]
    ordering = ["-seq"]


# django-axes' sign-in records: readable here, but unlocking (deleting attempts) is audited and lives on
# the staff UI's user pages (user.unlocked, address.unlocked).
for _model, _admin in ((AccessAttempt, AccessAttemptAdmin), (AccessLog, AccessLogAdmin),
                       (AccessFailureLog, AccessFailureLogAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(f"ReadOnly{_admin.__name__}", (ReadOnlyModelAdmin, _admin), {}))
