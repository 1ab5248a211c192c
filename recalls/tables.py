from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from distribution.tables import HandWrittenRowsMixin
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


class ConsigneeTable(HandWrittenRowsMixin, BoundedTable):
    """The recall page's consignees; rows built in Python (HandWrittenRowsMixin), as the log's are, so a page
    of 50 renders in a few milliseconds."""

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
        template_name = "distribution/_entry_table.html"  # rows from body_html

    row_format = ('\n<tr><td><a href="{}">{}</a></td><td><a href="{}">{}</a>{}<br><span class="muted">{}{}</span></td>'
                  '<td>{}</td><td class="num">{}</td><td>{}</td><td class="nowrap">{}</td><td>{}</td>'
                  '<td><span class="badge badge-consignee-{}">{}</span>{}</td><td><a href="{}letter/">PDF</a></td></tr>')

    def __init__(self, *args, recall: Recall, **kwargs):
        super().__init__(*args, **kwargs)
        self.consignees_url = reverse("recalls:recall_detail", args=[recall.pk]) + "consignees/"

    def row_values(self, c, links):
        url = f"{self.consignees_url}{c.pk}/"
        extra = len(c.addresses) - 1
        more = f" (+{extra} more address{'es' if extra > 1 else ''})" if extra > 0 else ""
        shipped = "" if c.first_ship_date is None else c.first_ship_date.isoformat() + (
            "" if c.last_ship_date == c.first_ship_date else f" – {c.last_ship_date.isoformat()}")
        return (url, f"{c.number:03d}", url, c.facility_name, _ADDED if c.added_after_opening else "",
                c.addresses[0] if c.addresses else "", more,
                " · ".join(p for p in (c.contact_name, c.phone, c.email) if p) or "—", c.units,
                ", ".join(c.lots) or "—", shipped, c.reps or "—", c.status, c.get_status_display(),
                _RENOTIFY if c.renotify else "", url)


_ADDED = mark_safe(' <span class="badge badge-warning">added after opening</span>')
_RENOTIFY = mark_safe(' <span class="badge badge-warning">tell of new lines</span>')
