from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from distribution.models import DistributionLogEntry, Source, Status
from silqeqms.models import User

_DATE = forms.DateInput(attrs={"type": "date"})


class DistributionLogEntryFilterSet(django_filters.FilterSet):
    ship_date_from = django_filters.DateFilter(field_name="ship_date", lookup_expr="gte", label="Shipped from",
                                               widget=_DATE)
    ship_date_to = django_filters.DateFilter(field_name="ship_date", lookup_expr="lte", label="Shipped to",
                                             widget=_DATE)
    order_number = django_filters.CharFilter(lookup_expr="iexact", label="Order number")
    facility = django_filters.CharFilter(method="filter_facility", label="Facility contains")
    sku = django_filters.CharFilter(lookup_expr="iexact", label="SKU")
    lot_number = django_filters.CharFilter(lookup_expr="exact", label="Lot")
    rep = django_filters.ModelChoiceFilter(queryset=User.objects.filter(groups__name="sales_rep").distinct(),
                                           label="Rep")
    source = django_filters.ChoiceFilter(choices=Source.choices, label="Source")
    status = django_filters.ChoiceFilter(choices=Status.choices, label="Status")

    class Meta:
        model = DistributionLogEntry
        fields = ["ship_date_from", "ship_date_to", "order_number", "facility", "sku", "lot_number", "rep",
                  "source", "status"]

    def filter_facility(self, queryset, name, value):
        return queryset.filter(Q(facility_name__icontains=value) | Q(customer__facility_name__icontains=value))
