"""The one base of every filtered, sorted, paginated list page (django-filter + django-tables2).

What it adds to the two libraries: a sort the table does not offer (`?sort=bogus`) is said, not silently
ignored; and a filter that does not validate (`?is_active=maybe`) is shown as the problem it is (the
list stays empty until the filter is fixed, and the page says why).
"""

from __future__ import annotations

from django.contrib import messages
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin


class TableListView(SingleTableMixin, FilterView):
    def get_table(self, **kwargs):
        table = super().get_table(**kwargs)
        value = self.request.GET.get(table.prefixed_order_by_field, "")
        orderable = {column.name for column in table.columns if column.orderable}
        unknown = [name.strip() for name in value.split(",") if name.strip() and name.strip().lstrip("-") not in orderable]
        if unknown:
            messages.warning(self.request, f"This list cannot be sorted by “{', '.join(unknown)}”, so it is shown in "
                                           "its usual order. Choose a column heading to sort by it.")
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = context.get("filter")
        context["filter_invalid"] = bool(filterset is not None and filterset.is_bound and filterset.errors)
        return context
