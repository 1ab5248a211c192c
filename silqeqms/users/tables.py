from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from silqeqms.models import User
from silqeqms.tables import BoundedTable


def user_url(user: User) -> str:
    return reverse("users:user_detail", args=[user.pk])


class UserTable(BoundedTable):
    """Reads only what silqeqms.users.selectors.user_list() annotates and prefetches: no query per row."""

    username = tables.Column(verbose_name="User name", linkify=lambda record: user_url(record))
    full_name = tables.Column(verbose_name="Name", accessor="get_full_name", order_by=("last_name", "first_name"),
                              default="—")
    email = tables.Column(verbose_name="E-mail", default="—")
    roles = tables.Column(verbose_name="Roles", empty_values=(), orderable=False)
    last_login = tables.DateTimeColumn(verbose_name="Last sign-in", format="Y-m-d H:i", default="never")
    is_active = tables.Column(verbose_name="Status", order_by=("-is_active", "username"))
    is_locked = tables.Column(verbose_name="Sign-in", order_by=("-is_locked", "username"))

    class Meta:
        model = User
        fields = ["username", "full_name", "email", "roles", "last_login", "is_active", "is_locked"]
        order_by = "username"
        attrs = {"class": "table user-table"}
        empty_text = "No users match these filters."

    def render_roles(self, record):
        groups = list(record.groups.all())
        badges = format_html_join(" ", '<span class="badge">{}</span>', ((g.name,) for g in groups))
        if record.is_superuser:
            badges = format_html('{} <span class="badge badge-needs_review">superuser</span>', badges)
        return badges or mark_safe('<span class="muted">none</span>')

    def render_is_active(self, value):
        if value:
            return mark_safe('<span class="badge badge-active">active</span>')
        return mark_safe('<span class="badge badge-voided">inactive</span>')

    def render_is_locked(self, value):
        return mark_safe('<span class="badge badge-error">locked out</span>') if value else "—"
