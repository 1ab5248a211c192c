from __future__ import annotations

from collections.abc import Callable

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.html import format_html, format_html_join
from django_tables2.rows import BoundRows

from silqeqms.models import AuditEvent


class DeferredJoinPaginator(Paginator):
    """Pages of a large queryset: OFFSET over the ordered primary keys only, then the page's rows by key.

    The OFFSET then walks an index rather than joined rows (page 10,000 of a million entries went from
    seconds to milliseconds on PostgreSQL). `known_count` skips COUNT(*) when the caller knows the total.
    """

    def __init__(self, object_list, per_page, *args, known_count: int | None = None,
                 seek: Callable[[QuerySet, int], tuple[QuerySet, int]] | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if known_count is not None:
            self.__dict__["count"] = known_count  # Paginator.count is a cached_property
        # seek(queryset, offset) -> (a narrower queryset, the offset within it) lets a caller that knows
        # where row `offset` lies (from a summary) skip most of the OFFSET walk on deep pages.
        self.seek = seek

    def page(self, number):
        number = self.validate_number(number)
        rows = self.object_list
        queryset = getattr(getattr(rows, "data", None), "data", None)
        if not isinstance(rows, BoundRows) or not isinstance(queryset, QuerySet):
            return super().page(number)
        bottom = (number - 1) * self.per_page
        keyed = queryset
        if self.seek is not None and bottom > 0:
            keyed, bottom = self.seek(queryset, bottom)
        keys = list(keyed.values_list("pk", flat=True)[bottom:bottom + self.per_page])
        return self._get_page(BoundRows(data=queryset.filter(pk__in=keys), table=rows.table), number, self)


class BoundedTable(tables.Table):
    """Every list's page size is capped: `?per_page=100000` must not make one request render a table
    of a hundred thousand rows."""

    MAX_PER_PAGE = 200

    def paginate(self, paginator_class=Paginator, per_page=None, page=1, *args, **kwargs):
        per_page = max(1, min(int(per_page or self._meta.per_page or 25), self.MAX_PER_PAGE))
        return super().paginate(paginator_class, per_page, page, *args, **kwargs)


class AuditEventTable(BoundedTable):
    seq = tables.Column(verbose_name="#")
    at = tables.DateTimeColumn(verbose_name="When", format="Y-m-d H:i:s")
    actor_label = tables.Column(verbose_name="Who", order_by=("actor_label", "seq"))
    action = tables.Column()
    target_repr = tables.Column(verbose_name="Target", orderable=False)
    reason = tables.Column(orderable=False)
    changes = tables.Column(verbose_name="Changes (old → new)", orderable=False)

    class Meta:
        model = AuditEvent
        fields = ["seq", "at", "actor_label", "action", "target_repr", "reason", "changes"]
        order_by = "-seq"
        attrs = {"class": "table audit-table"}
        empty_text = "No audit events match these filters."

    def render_target_repr(self, value, record):
        return format_html("{} <span class=\"muted\">{} {}</span>", value, record.target_type, record.target_id)

    def render_changes(self, value):
        if not value:
            return "—"
        return format_html(
            "<ul class=\"changes\">{}</ul>",
            format_html_join("", "<li><b>{}</b>: {} → {}</li>",
                             ((k, _show(v[0]), _show(v[1])) for k, v in value.items())),
        )


def _show(value) -> str:
    return "∅" if value in (None, "") else str(value)
