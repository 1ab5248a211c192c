from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from recalls.models import Recall, RecallConsignee
from silqeqms.tables import BoundedTable


class RecallTable(BoundedTable):
    number = tables.Column(linkify=True, verbose_name="Number", order_by=("year", "sequence"))
    title = tables.Column(order_by=("title", "id"))
    kind = tables.Column(order_by=("kind", "id"))
    classification = tables.Column(verbose_name="Class", order_by=("classification", "id"))
    status = tables.Column(order_by=("status", "id"))
    opened_at = tables.DateTimeColumn(verbose_name="Opened", format="Y-m-d", order_by=("opened_at", "id"))
    consignee_count = tables.Column(verbose_name="Consignees", attrs={"td": {"class": "num"}, "th": {"class": "num"}})

    class Meta:
        model = Recall
        fields = ["number", "title", "kind", "classification", "status", "opened_at", "consignee_count"]
        attrs = {"class": "table"}
        per_page = 50
        empty_text = "No recall yet. Start one from a lot trace, or with “New recall”."

    def render_kind(self, record):
        return record.get_kind_display()

    def render_status(self, record):
        return format_html('<span class="badge badge-recall-{}">{}</span>', record.status, record.get_status_display())


class ConsigneeTable(BoundedTable):
    number = tables.Column(verbose_name="Ref.", order_by=("number",))
    facility_name = tables.Column(verbose_name="Consignee", order_by=("facility_name", "number"))
    contact = tables.Column(accessor="contact_name", verbose_name="Contact", orderable=False)
    units = tables.Column(verbose_name="Units", attrs={"td": {"class": "num"}, "th": {"class": "num"}},
                          order_by=("units", "number"))
    lots = tables.Column(verbose_name="Lots", orderable=False)
    shipped = tables.Column(accessor="first_ship_date", verbose_name="Shipped", order_by=("first_ship_date", "number"))
    reps = tables.Column(verbose_name="Rep", orderable=False)
    status = tables.Column(order_by=("status", "number"))
    letter = tables.Column(accessor="pk", verbose_name="Letter", orderable=False)

    class Meta:
        model = RecallConsignee
        fields = ["number", "facility_name", "contact", "units", "lots", "shipped", "reps", "status", "letter"]
        attrs = {"class": "table consignee-table"}
        per_page = 50
        order_by = "number"
        empty_text = "No consignees: the list is frozen when the recall is opened."

    def __init__(self, *args, recall: Recall, **kwargs):
        super().__init__(*args, **kwargs)
        self.recall = recall

    def render_number(self, record):
        return format_html('<a href="{}">{}</a>', reverse("recalls:consignee_detail", args=[self.recall.pk, record.pk]),
                           f"{record.number:03d}")

    def render_facility_name(self, value, record):
        address = record.addresses[0] if record.addresses else ""
        more = f" (+{len(record.addresses) - 1} more address{'es' if len(record.addresses) > 2 else ''})" \
            if len(record.addresses) > 1 else ""
        flag = mark_safe(' <span class="badge badge-warning">added after opening</span>') \
            if record.added_after_opening else ""
        return format_html('<a href="{}">{}</a>{}<br><span class="muted">{}{}</span>',
                           reverse("recalls:consignee_detail", args=[self.recall.pk, record.pk]), value, flag,
                           address, more)

    def render_contact(self, value, record):
        parts = [p for p in (record.contact_name, record.phone, record.email) if p]
        return format_html("{}", " · ".join(parts)) if parts else "—"

    def render_lots(self, value):
        return ", ".join(value) or "—"

    def render_shipped(self, value, record):
        if record.first_ship_date == record.last_ship_date:
            return value.isoformat()
        return f"{value.isoformat()} – {record.last_ship_date.isoformat()}"

    def render_status(self, value, record):
        flag = mark_safe(' <span class="badge badge-warning">tell of new lines</span>') if record.renotify else ""
        return format_html('<span class="badge badge-consignee-{}">{}</span>{}', record.status,
                           record.get_status_display(), flag)

    def render_letter(self, value, record):
        return format_html('<a href="{}">PDF</a>', reverse("recalls:consignee_letter", args=[self.recall.pk, value]))
