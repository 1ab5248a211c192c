from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

from products.models import BLOCKING_STATUSES, Lot, LotStatus, Product
from silqeqms.tables import BoundedTable

_NUM = {"th": {"class": "num"}, "td": {"class": "num"}}


def status_badge(lot: Lot) -> str:
    status = lot.current_status()
    css = "badge-error" if status in BLOCKING_STATUSES | {LotStatus.EXPIRED} else "badge-active"
    since = f" since {lot.status_since:%Y-%m-%d}" if lot.status_since and status == lot.status else ""
    return format_html('<span class="badge {}">{}</span><span class="muted">{}</span>', css,
                       LotStatus(status).label, since)


class ProductTable(BoundedTable):
    """Reads only what selectors.product_list() annotates: no query per row."""

    sku = tables.Column(verbose_name="SKU", linkify=True, order_by=("sku", "id"))
    description = tables.Column(default="—", order_by=("description", "id"))
    gtin = tables.Column(verbose_name="GTIN (UDI-DI)", default="—", order_by=("gtin", "id"))
    lot_count = tables.Column(verbose_name="Lots", attrs=_NUM, order_by=("lot_count", "id"))
    is_active = tables.Column(verbose_name="Status", order_by=("-is_active", "sku"))

    class Meta:
        model = Product
        fields = ["sku", "description", "gtin", "lot_count", "is_active"]
        order_by = "sku"
        attrs = {"class": "table product-table"}
        empty_text = "No products match these filters."

    def render_is_active(self, value):
        return "Active" if value else format_html('<span class="badge">inactive</span>')


class LotTable(BoundedTable):
    lot_number = tables.Column(verbose_name="Lot", linkify=True, order_by=("lot_number", "id"))
    product = tables.Column(verbose_name="SKU", accessor="product__sku", order_by=("product__sku", "lot_number"),
                            linkify=lambda record: record.product.get_absolute_url())
    expiry_date = tables.DateColumn(verbose_name="Expires", format="Y-m-d", default="—",
                                    order_by=("expiry_date", "id"))
    manufacture_date = tables.DateColumn(verbose_name="Made", format="Y-m-d", default="—",
                                         order_by=("manufacture_date", "id"))
    status = tables.Column(order_by=("status", "lot_number"), empty_values=())
    created_at = tables.DateTimeColumn(verbose_name="Recorded", format="Y-m-d", order_by=("created_at", "id"))

    class Meta:
        model = Lot
        fields = ["lot_number", "product", "expiry_date", "manufacture_date", "status", "created_at"]
        order_by = "-created_at"
        attrs = {"class": "table lot-table"}
        empty_text = "No lots match these filters."

    def render_status(self, record):
        return status_badge(record)
