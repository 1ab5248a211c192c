from __future__ import annotations

import django_filters
from django import forms

from silqeqms.forms import DateRangeForm
from silqeqms.models import AuditEvent, User


class AuditFilterForm(DateRangeForm):
    date_range_fields = (("date_from", "date_to"),)


class AuditEventFilterSet(django_filters.FilterSet):
    actor = django_filters.ModelChoiceFilter(queryset=User.objects.all(), label="Actor",
                                              empty_label="Anyone")
    action = django_filters.CharFilter(lookup_expr="istartswith", label="Action starts with")
    target_type = django_filters.CharFilter(lookup_expr="iexact", label="Target type")
    target_id = django_filters.CharFilter(lookup_expr="exact", label="Target id")
    batch_id = django_filters.CharFilter(lookup_expr="exact", label="Batch id")
    date_from = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        form = AuditFilterForm
        fields = ["actor", "action", "target_type", "target_id", "batch_id", "date_from", "date_to"]
