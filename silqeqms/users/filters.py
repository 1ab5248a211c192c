from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth.models import Group
from django.db.models import Q

from silqeqms.models import User


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "User name, name or e-mail"}),
    )
    role = django_filters.ModelChoiceFilter(
        field_name="groups", to_field_name="name", queryset=Group.objects.order_by("name"), label="Role",
        empty_label="Any role",
    )
    status = django_filters.ChoiceFilter(
        method="by_status", label="Status", empty_label="Active and inactive",
        choices=[("active", "Active"), ("inactive", "Inactive")],
    )
    locked = django_filters.ChoiceFilter(
        method="by_lock", label="Sign-in", empty_label="Locked or not",
        choices=[("yes", "Locked out"), ("no", "Not locked")],
    )

    class Meta:
        model = User
        fields = ["q", "role", "status", "locked"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(username__icontains=value) | Q(first_name__icontains=value)
                               | Q(last_name__icontains=value) | Q(email__icontains=value))

    def by_status(self, queryset, name, value):
        return queryset.filter(is_active=(value == "active"))

    def by_lock(self, queryset, name, value):
        return queryset.filter(is_locked=(value == "yes"))
