from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from distribution.converters import lot_path_segment
from distribution.models import DistributionLogEntry
from silqeqms.tables import BoundedTable


class HandWrittenRowsMixin:
    """The page's rows as one string built in Python (`{{ table.body_html }}` in the table template).

    The two busiest tables (the log and the lot trace) render 50–100 rows of ten cells; through Django's
    template engine that was ~20 ms a page, through format_html a few ms. Every value is still
    escaped by format_html. Headers, sorting and paging stay django-tables2's.
    """

    row_format = ""

    def row_values(self, record, links: dict[str, str]) -> tuple:
        raise NotImplementedError

    def body_html(self) -> SafeString:
        records = [row.record for row in self.paginated_rows]
        if not records:
            return format_html('<tr><td colspan="{}">{}</td></tr>', len(self.columns), self.empty_text)
        log_url = reverse("distribution:entry_list")
        links = {"entry": log_url, "lot": log_url + "lots/"}
        return mark_safe("".join(format_html(self.row_format, *self.row_values(e, links)) for e in records))


def _lot_cell(entry, lots_url: str) -> SafeString:
    if not entry.lot_number:
        return mark_safe('<span class="badge badge-needs_review">lot pending</span>')
    return format_html('<a href="{}{}/">{}</a>', lots_url, lot_path_segment(entry.lot_number), entry.lot_number)


def _description(entry) -> SafeString | str:
    """The product's catalogue description under its SKU (selectors.entry_list annotates it)."""
    description = getattr(entry, "product_description", None)
    return format_html('<br><span class="muted">{}</span>', description) if description else ""


class DistributionLogEntryTable(HandWrittenRowsMixin, BoundedTable):
    id = tables.Column(linkify=True, verbose_name="#")
    ship_date = tables.DateColumn(verbose_name="Ship date")
    # Every order ends with the id, so rows with equal values keep one order from page to page.
    order_number = tables.Column(verbose_name="Order", order_by=("order_number", "id"))
    facility_name = tables.Column(verbose_name="Consignee", order_by=("facility_name", "id"))
    sku = tables.Column(verbose_name="SKU", order_by=("sku", "id"))
    lot_number = tables.Column(verbose_name="Lot", order_by=("lot_number", "id"))
    quantity = tables.Column(verbose_name="Qty", attrs={"td": {"class": "num"}, "th": {"class": "num"}},
                             order_by=("quantity", "id"))
    rep = tables.Column(verbose_name="Rep", accessor="rep__username", order_by=("rep__username", "-id"))
    source = tables.Column(order_by=("source", "id"))
    status = tables.Column(order_by=("status", "id"))

    class Meta:
        model = DistributionLogEntry
        fields = ["id", "ship_date", "order_number", "facility_name", "sku", "lot_number", "quantity", "rep",
                  "source", "status"]
        order_by = "-ship_date"  # ties broken by id in order_ship_date, so pages are stable
        per_page = 50
        attrs = {"class": "table"}
        row_attrs = {"class": lambda record: record.status}
        empty_text = "No distribution entries match these filters."
        template_name = "distribution/_entry_table.html"  # rows from body_html; render_* serve other tables

    row_format = ('\n<tr class="{}"><td><a href="{}{}/">{}</a></td><td>{}</td><td>{}</td><td>{}{}</td><td>{}{}</td>'
                  '<td>{}</td><td class="num">{}</td><td>{}</td><td>{}</td>'
                  '<td><span class="badge badge-{}">{}</span></td></tr>')

    def row_values(self, e, links):
        place = ", ".join(p for p in (e.city, e.state) if p)
        return (e.status, links["entry"], e.pk, e.pk, e.ship_date.isoformat(), e.order_number, e.facility_name,
                format_html('<br><span class="muted">{}</span>', place) if place else "", e.sku,
                _description(e), _lot_cell(e, links["lot"]), e.quantity, e.rep.username if e.rep_id else "",
                e.get_source_display(), e.status, e.get_status_display())

    def render_facility_name(self, value, record):
        place = ", ".join(p for p in (record.city, record.state) if p)
        return format_html("{}<br><span class=\"muted\">{}</span>", value, place) if place else value

    def render_sku(self, value, record):
        return format_html("{}{}", value, _description(record))

    def render_lot_number(self, value, record):
        if not value:
            return format_html('<span class="badge badge-needs_review">lot pending</span>')
        return format_html('<a href="{}">{}</a>', reverse("distribution:lot_trace", args=[value]), value)

    def render_source(self, value, record):
        return record.get_source_display()

    def render_status(self, value, record):
        return format_html('<span class="badge badge-{}">{}</span>', record.status, record.get_status_display())

    def order_ship_date(self, queryset, is_descending):
        return queryset.order_by(("-" if is_descending else "") + "ship_date",
                                 ("-" if is_descending else "") + "id"), True


class LotTraceTable(HandWrittenRowsMixin, BoundedTable):
    # As in the log, every order ends with the id so that pages are stable.
    ship_date = tables.DateColumn(verbose_name="Ship date", order_by=("ship_date", "id"))
    facility_name = tables.Column(verbose_name="Consignee", order_by=("facility_name", "id"))
    address = tables.Column(accessor="consignee_address", verbose_name="Address", orderable=False)
    order_number = tables.Column(verbose_name="Order", order_by=("order_number", "id"))
    sku = tables.Column(verbose_name="SKU", order_by=("sku", "id"))
    quantity = tables.Column(verbose_name="Qty", attrs={"td": {"class": "num"}, "th": {"class": "num"}},
                             order_by=("quantity", "id"))
    rep = tables.Column(accessor="rep__username", verbose_name="Rep", order_by=("rep__username", "id"))
    status = tables.Column(order_by=("status", "id"))

    class Meta:
        model = DistributionLogEntry
        fields = ["ship_date", "facility_name", "address", "order_number", "sku", "quantity", "rep", "status"]
        attrs = {"class": "table"}
        empty_text = "No entries carry this lot."
        per_page = 100
        template_name = "distribution/_lot_trace_table.html"

    row_format = ('\n<tr class="{}"><td>{}</td><td><a href="{}{}/">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
                  '<td class="num">{}</td><td>{}</td><td><span class="badge badge-{}">{}</span></td></tr>')

    def row_values(self, e, links):
        return (e.status, e.ship_date.isoformat(), links["entry"], e.pk, e.facility_name, e.consignee_address,
                e.order_number, e.sku, e.quantity, e.rep.username if e.rep_id else "", e.status,
                e.get_status_display())


class ReviewQueueTable(DistributionLogEntryTable):
    confirm = tables.TemplateColumn(template_name="distribution/_confirm_cell.html", verbose_name="Lot → confirm",
                                    orderable=False)

    class Meta(DistributionLogEntryTable.Meta):
        template_name = "_table.html"
        fields = ["id", "ship_date", "order_number", "facility_name", "sku", "quantity", "source"]
        sequence = ["id", "ship_date", "order_number", "facility_name", "sku", "quantity", "source", "confirm"]
        exclude = ["lot_number", "rep", "status"]
        order_by = ("ship_date", "id")
        empty_text = "Nothing waits for review: every entry has its lot."
