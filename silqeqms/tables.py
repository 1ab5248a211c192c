from __future__ import annotations

from collections.abc import Callable

import django_tables2 as tables
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.urls import NoReverseMatch
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


def _positive_int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


class BoundedTable(tables.Table):
    """Every list's paging is read defensively: `?per_page=100000` must not make one request render a
    hundred thousand rows, and a page size or page number that is not a positive whole number
    (`per_page=-5`, `page=0`, `page=-1`, `page=x`) means the default, never a surprise page."""

    MAX_PER_PAGE = 200

    def paginate(self, paginator_class=Paginator, per_page=None, page=1, *args, **kwargs):
        per_page = min(_positive_int(per_page) or self._meta.per_page or 25, self.MAX_PER_PAGE)
        page = page if page == "last" else (_positive_int(page) or 1)
        return super().paginate(paginator_class, per_page, page, *args, **kwargs)


class AuditEventTable(BoundedTable):
    seq = tables.Column(verbose_name="#")
    at = tables.DateTimeColumn(verbose_name="When", format="Y-m-d H:i:s T")
    actor_label = tables.Column(verbose_name="Who", order_by=("actor_label", "seq"))
    action = tables.Column()
    target_repr = tables.Column(verbose_name="Target", orderable=False)
    reason = tables.Column(orderable=False)
    changes = tables.Column(verbose_name="Changes (old → new)", orderable=False)

    class Meta:
        model = AuditEvent
        fields = ["seq", "at", "actor_label", "action", "target_repr", "reason", "changes"]
        order_by = "-seq"
        per_page = 50
        attrs = {"class": "table audit-table"}
        empty_text = "No audit events match these filters."

    def render_target_repr(self, value, record):
        url = target_url(record)
        label = format_html('<a href="{}">{}</a>', url, value) if url else value
        return format_html("{} <span class=\"muted\">{} {}</span>", label, record.target_type, record.target_id)

    def render_changes(self, value):
        if not value:
            return "—"
        return format_html(
            "<ul class=\"changes\">{}</ul>",
            format_html_join("", "<li><b>{}</b>: {} → {}</li>",
                             ((k, _show(v[0]), _show(v[1])) for k, v in value.items())),
        )


def target_url(event: AuditEvent) -> str:
    """The page of an event's target, when its model has one (the registry is asked by label, so the
    core app needs no import of the apps whose records it lists). No query: the URL needs only the id."""
    try:
        model = apps.get_model(event.target_type)
    except (LookupError, ValueError):
        return ""
    if not event.target_id or not hasattr(model, "get_absolute_url"):
        return ""
    try:
        return model(pk=model._meta.pk.to_python(event.target_id)).get_absolute_url()
    except (ValidationError, NoReverseMatch, TypeError, ValueError):
        return ""


def _show(value) -> str:
    return "∅" if value in (None, "") else str(value)
