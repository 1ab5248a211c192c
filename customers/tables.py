from __future__ import annotations

import django_tables2 as tables
from django.db.models import F
from django.utils.html import format_html

from customers.models import Customer
from silqeqms.tables import BoundedTable

_NUM = {"th": {"class": "num"}, "td": {"class": "num"}}


def _blanks_last(queryset, name: str, descending: bool):
    """Customers without a value (no orders yet, no primary rep) come last in either direction."""
    value = F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)
    return queryset.order_by(value, "-id" if descending else "id")


class CustomerTable(BoundedTable):
    """Reads only what customers.selectors.customer_list() annotates: no query per row."""

    # Every order ends with the id, so customers with equal values keep one order from page to page.
    facility_name = tables.Column(verbose_name="Facility", linkify=True, order_by=("facility_name", "id"))
    city_state = tables.Column(verbose_name="City, state", order_by=("state", "city", "facility_name", "id"),
                               empty_values=())
    primary_rep_name = tables.Column(verbose_name="Primary rep", default="—", order_by=("primary_rep_name", "id"))
    order_count = tables.Column(verbose_name="Orders", attrs=_NUM, order_by=("order_count", "id"))
    unit_count = tables.Column(verbose_name="Units", attrs=_NUM, order_by=("unit_count", "id"))
    last_order_date = tables.DateColumn(verbose_name="Last shipped", format="Y-m-d", default="—",
                                        order_by=("last_order_date", "id"))

    class Meta:
        model = Customer
        fields = ["facility_name", "city_state", "primary_rep_name", "order_count", "unit_count",
                  "last_order_date"]
        order_by = "facility_name"
        attrs = {"class": "table customer-table"}
        empty_text = "No customers match these filters."

    def order_primary_rep_name(self, queryset, is_descending):
        return _blanks_last(queryset, "primary_rep_name", is_descending), True

    def order_last_order_date(self, queryset, is_descending):
        return _blanks_last(queryset, "last_order_date", is_descending), True

    def render_facility_name(self, value, record):
        if record.is_active:
            return value
        return format_html('{} <span class="badge">inactive</span>', value)

    def render_city_state(self, record):
        return record.city_state or "—"
