from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from distribution.models import DistributionLogEntry, Source, Status
from distribution.selectors import lots_matching
from products.models import Product
from silqeqms.forms import DateRangeForm
from silqeqms.models import User

_DATE = forms.DateInput(attrs={"type": "date"})


class DateRangeFilterForm(DateRangeForm):
    date_range_fields = (("ship_date_from", "ship_date_to"),)


class DistributionLogEntryFilterSet(django_filters.FilterSet):
    ship_date_from = django_filters.DateFilter(field_name="ship_date", lookup_expr="gte", label="Shipped from",
                                               widget=_DATE)
    ship_date_to = django_filters.DateFilter(field_name="ship_date", lookup_expr="lte", label="Shipped to",
                                             widget=_DATE)
    order_number = django_filters.CharFilter(lookup_expr="iexact", label="Order number")
    facility = django_filters.CharFilter(method="filter_facility", label="Facility contains")
    sku = django_filters.CharFilter(lookup_expr="iexact", label="SKU")
    product = django_filters.ModelChoiceFilter(queryset=Product.objects.order_by("sku"), method="filter_product",
                                               label="Product", empty_label="Any")
    lot_number = django_filters.CharFilter(method="filter_lot", label="Lot")
    rep = django_filters.ModelChoiceFilter(queryset=User.objects.filter(groups__name="sales_rep").distinct(),
                                           label="Rep", empty_label="Any")
    source = django_filters.ChoiceFilter(choices=Source.choices, label="Source", empty_label="Any")
    status = django_filters.ChoiceFilter(choices=Status.choices, label="Status", empty_label="Any")

    class Meta:
        model = DistributionLogEntry
        form = DateRangeFilterForm
        fields = ["ship_date_from", "ship_date_to", "order_number", "facility", "sku", "product", "lot_number",
                  "rep", "source", "status"]

    def filter_lot(self, queryset, name, value):
        """Any recorded spelling of the lot, ignoring case (looked up in the lot summary, so the
        entries' lot index still serves the filter)."""
        value = value.strip()
        return queryset.filter(lot_number__in={value, *lots_matching(value)})

    def filter_product(self, queryset, name, product):
        """The entries of a catalogue product: its SKU as shipped, ignoring case (the SKU index serves it)."""
        return queryset.filter(sku__iexact=product.sku)

    def filter_facility(self, queryset, name, value):
        return queryset.filter(Q(facility_name__icontains=value) | Q(customer__facility_name__icontains=value))
