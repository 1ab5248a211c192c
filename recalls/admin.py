"""Django admin for superusers: read-only (recall writes are audited through the staff pages)."""

from django.contrib import admin

from recalls.models import Recall, RecallConsignee, RecallDocument, RecallLine
from silqeqms.admin import ReadOnlyModelAdmin


@admin.register(Recall)
class RecallAdmin(ReadOnlyModelAdmin):
    list_display = ["number", "title", "kind", "status", "opened_at", "closed_at"]
    search_fields = ["number", "title"]
    list_filter = ["status", "kind"]


@admin.register(RecallConsignee)
class RecallConsigneeAdmin(ReadOnlyModelAdmin):
    list_display = ["recall", "number", "facility_name", "units", "status"]
    list_select_related = ["recall"]
    search_fields = ["facility_name", "recall__number"]


@admin.register(RecallLine)
class RecallLineAdmin(ReadOnlyModelAdmin):
    list_display = ["recall", "consignee", "order_number", "sku", "lot_number", "quantity", "ship_date"]
    list_select_related = ["recall", "consignee__recall"]


@admin.register(RecallDocument)
class RecallDocumentAdmin(ReadOnlyModelAdmin):
    list_display = ["recall", "kind", "consignee", "sha256", "pages", "created_at"]
    list_select_related = ["recall", "consignee__recall"]
