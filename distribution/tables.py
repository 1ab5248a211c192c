from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from distribution.models import DistributionLogEntry
from silqeqms.tables import BoundedTable


class DistributionLogEntryTable(BoundedTable):
    id = tables.Column(linkify=True, verbose_name="#")
    ship_date = tables.DateColumn(verbose_name="Ship date")
    order_number = tables.Column(verbose_name="Order")
    facility_name = tables.Column(verbose_name="Consignee")
    sku = tables.Column(verbose_name="SKU")
    lot_number = tables.Column(verbose_name="Lot")
    quantity = tables.Column(verbose_name="Qty", attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    rep = tables.Column(verbose_name="Rep", accessor="rep__username", order_by=("rep__username", "-id"))
    source = tables.Column()
    status = tables.Column()

    class Meta:
        model = DistributionLogEntry
        fields = ["id", "ship_date", "order_number", "facility_name", "sku", "lot_number", "quantity", "rep",
                  "source", "status"]
        order_by = "-ship_date"  # ties broken by id in order_ship_date, so pages are stable
        attrs = {"class": "table"}
        row_attrs = {"class": lambda record: record.status}
        empty_text = "No distribution entries match these filters."
        template_name = "distribution/_entry_table.html"  # rows written out there; render_* serve other tables

    def render_facility_name(self, value, record):
        place = ", ".join(p for p in (record.city, record.state) if p)
        return format_html("{}<br><span class=\"muted\">{}</span>", value, place) if place else value

    def render_lot_number(self, value, record):
        if not value:
            return format_html('<span class="badge badge-needs_review">lot pending</span>')
        return format_html('<a href="{}">{}</a>', reverse("distribution:lot_trace", args=[value]), value)

    def render_source(self, value, record):
        return record.get_source_display()

    def render_status(self, value, record):
        return format_html('<span class="badge badge-{}">{}</span>', record.status, record.get_status_display())

    def order_ship_date(self, queryset, is_descending):
        return queryset.order_by(("-" if is_descending else "") + "ship_date",
                                 ("-" if is_descending else "") + "id"), True


class LotTraceTable(BoundedTable):
    ship_date = tables.DateColumn(verbose_name="Ship date")
    facility_name = tables.Column(verbose_name="Consignee")
    address = tables.Column(accessor="consignee_address", verbose_name="Address", orderable=False)
    order_number = tables.Column(verbose_name="Order")
    sku = tables.Column(verbose_name="SKU")
    quantity = tables.Column(verbose_name="Qty", attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    rep = tables.Column(accessor="rep__username", verbose_name="Rep")
    status = tables.Column()

    class Meta:
        model = DistributionLogEntry
        fields = ["ship_date", "facility_name", "address", "order_number", "sku", "quantity", "rep", "status"]
        attrs = {"class": "table"}
        empty_text = "No entries carry this lot."
        template_name = "distribution/_lot_trace_table.html"


class ReviewQueueTable(DistributionLogEntryTable):
    confirm = tables.TemplateColumn(template_name="distribution/_confirm_cell.html", verbose_name="Lot → confirm",
                                    orderable=False)

    class Meta(DistributionLogEntryTable.Meta):
        template_name = "_table.html"
        fields = ["id", "ship_date", "order_number", "facility_name", "sku", "quantity", "source"]
        sequence = ["id", "ship_date", "order_number", "facility_name", "sku", "quantity", "source", "confirm"]
        exclude = ["lot_number", "rep", "status"]
        order_by = ("ship_date", "id")
        empty_text = "Nothing waits for review: every entry has its lot."
