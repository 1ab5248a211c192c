from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

from customers.models import Customer
from silqeqms.tables import BoundedTable

_NUM = {"th": {"class": "num"}, "td": {"class": "num"}}


class CustomerTable(BoundedTable):
    """Reads only what customers.selectors.customer_list() annotates: no query per row."""

    facility_name = tables.Column(verbose_name="Facility", linkify=True)
    city_state = tables.Column(verbose_name="City, state", order_by=("state", "city", "facility_name"),
                               empty_values=())
    primary_rep_name = tables.Column(verbose_name="Primary rep", default="—")
    order_count = tables.Column(verbose_name="Orders", attrs=_NUM)
    unit_count = tables.Column(verbose_name="Units", attrs=_NUM)
    last_order_date = tables.DateColumn(verbose_name="Last order", format="Y-m-d", default="—")

    class Meta:
        model = Customer
        fields = ["facility_name", "city_state", "primary_rep_name", "order_count", "unit_count",
                  "last_order_date"]
        order_by = "facility_name"
        attrs = {"class": "table customer-table"}
        empty_text = "No customers match these filters."

    def render_facility_name(self, value, record):
        if record.is_active:
            return value
        return format_html('{} <span class="badge">inactive</span>', value)

    def render_city_state(self, record):
        return record.city_state or "—"
