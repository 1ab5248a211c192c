"""Django admin for superusers: read-only (product and lot writes are audited through the staff pages)."""

from django.contrib import admin

from products.models import Lot, LotStatusChange, Product
from silqeqms.admin import ReadOnlyModelAdmin


@admin.register(Product)
class ProductAdmin(ReadOnlyModelAdmin):
    list_display = ["sku", "description", "gtin", "is_active"]
    search_fields = ["sku", "description", "gtin"]


@admin.register(Lot)
class LotAdmin(ReadOnlyModelAdmin):
    list_display = ["lot_number", "product", "expiry_date", "status", "status_since"]
    list_select_related = ["product"]
    search_fields = ["lot_number", "product__sku"]
    list_filter = ["status"]


@admin.register(LotStatusChange)
class LotStatusChangeAdmin(ReadOnlyModelAdmin):
    list_display = ["lot", "from_status", "to_status", "effective_date", "changed_by", "changed_at"]
    list_select_related = ["lot__product", "changed_by"]
