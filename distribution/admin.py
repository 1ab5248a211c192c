"""Django admin for superusers: read-only for audited records (writes go through the services and pages)."""

from django.contrib import admin

from distribution.models import DistributionLogEntry, SourceDocument, SyncRun
from silqeqms.admin import ReadOnlyModelAdmin


@admin.register(DistributionLogEntry)
class DistributionLogEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "ship_date", "order_number", "facility_name", "sku", "lot_number", "quantity", "status",
                    "source"]
    list_filter = ["status", "source"]
    search_fields = ["order_number", "facility_name", "sku", "lot_number"]
    date_hierarchy = "ship_date"
    list_select_related = ["customer"]
    show_full_result_count = False


@admin.register(SourceDocument)
class SourceDocumentAdmin(ReadOnlyModelAdmin):
    list_display = ["original_name", "sha256", "size", "uploaded_at", "uploaded_by"]


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyModelAdmin):
    list_display = ["started_at", "window_start", "window_end", "status", "created", "updated", "voided",
                    "unchanged"]
