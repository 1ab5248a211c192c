from __future__ import annotations

import contextlib

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q

from customers.keys import canonical_customer_key
from customers.models import Customer, CustomerAlias
from customers.selectors import customers_visible_to, is_rep_scoped, reps


class CustomerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, city or key"}),
    )
    state = django_filters.ChoiceFilter(label="State", empty_label="Any state")
    rep = django_filters.ModelChoiceFilter(
        field_name="rep_assignments__rep", queryset=reps(), label="Sales rep", empty_label="Any rep",
    )
    is_active = django_filters.ChoiceFilter(
        label="Status", empty_label="Active and inactive", method="active",
        choices=[("yes", "Active"), ("no", "Inactive")],
    )

    class Meta:
        model = Customer
        fields = ["q", "state", "rep", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        visible = customers_visible_to(request.user) if request else Customer.objects.all()
        states = visible.exclude(state="").order_by("state").values_list("state", flat=True).distinct()
        self.filters["state"].extra["choices"] = lambda: [(s, s) for s in states]
        if request and is_rep_scoped(request.user):  # a rep's list is theirs already: no other reps offered
            self.filters["rep"].queryset = reps().filter(pk=request.user.pk)

    def search(self, queryset, name, value):
        value = value.strip()
        query = Q(facility_name__icontains=value) | Q(city__icontains=value)
        with contextlib.suppress(ValidationError):  # punctuation only: match the name as typed
            key = canonical_customer_key(value)
            # a spelling merged away (kept as an alias) still finds the survivor
            query |= Q(company_key__contains=key) | Exists(
                CustomerAlias.objects.filter(customer=OuterRef("pk"), key__contains=key))
        return queryset.filter(query)

    def active(self, queryset, name, value):
        return queryset.filter(is_active=(value == "yes"))
