from __future__ import annotations

import contextlib

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from products.gs1 import GS1Error, normalize_gtin
from products.models import Lot, LotStatus, Product


class ProductFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "SKU, description or GTIN"}),
    )
    is_active = django_filters.ChoiceFilter(label="Status", empty_label="Active and inactive", method="active",
                                            choices=[("yes", "Active"), ("no", "Inactive")])
    has_gtin = django_filters.ChoiceFilter(label="GTIN", empty_label="With or without", method="gtin",
                                           choices=[("yes", "Has a GTIN"), ("no", "No GTIN yet")])

    class Meta:
        model = Product
        fields = ["q", "is_active", "has_gtin"]

    def search(self, queryset, name, value):
        value = value.strip()
        query = Q(sku__icontains=value) | Q(description__icontains=value) | Q(gtin__contains=value)
        with contextlib.suppress(GS1Error):  # a GTIN typed in another length (13 digits, UPC) finds its 14
            query |= Q(gtin=normalize_gtin(value))
        return queryset.filter(query)

    def active(self, queryset, name, value):
        return queryset.filter(is_active=(value == "yes"))

    def gtin(self, queryset, name, value):
        return queryset.exclude(gtin="") if value == "yes" else queryset.filter(gtin="")


class LotFilterSet(django_filters.FilterSet):
    lot_number = django_filters.CharFilter(lookup_expr="icontains", label="Lot number",
                                           widget=forms.TextInput(attrs={"type": "search"}))
    sku = django_filters.CharFilter(field_name="product__sku", lookup_expr="iexact", label="SKU")
    status = django_filters.ChoiceFilter(label="Status", empty_label="Any status", method="by_status",
                                         choices=LotStatus.choices)
    expires_by = django_filters.DateFilter(field_name="expiry_date", lookup_expr="lte", label="Expires by",
                                           widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Lot
        fields = ["lot_number", "sku", "status", "expires_by"]

    def by_status(self, queryset, name, value):
        """As the lot page shows it: a released lot past its expiry date counts as expired, not released."""
        today = timezone.localdate()
        past = Q(expiry_date__lt=today)
        if value == LotStatus.EXPIRED:
            return queryset.filter(past)
        if value == LotStatus.RELEASED:
            return queryset.filter(status=value).exclude(past)
        return queryset.filter(status=value)
