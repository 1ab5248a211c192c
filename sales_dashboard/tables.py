from __future__ import annotations

import django_tables2 as tables

from distribution.models import LotSummary
from silqeqms.tables import BoundedTable


class LotSummaryTable(BoundedTable):
    """Lots, all time: sortable and paginated by django-tables2. The cells (lot → its lot trace, units,
    dates) are written by the template from the record, not by per-cell column rendering, which was
    most of the page's rendering time."""

    lot_number = tables.Column(verbose_name="Lot")
    units = tables.Column(verbose_name="Units", order_by=("units", "lot_number"), attrs={"th": {"class": "num"}})
    first_ship_date = tables.Column(verbose_name="First shipped", order_by=("first_ship_date", "lot_number"))
    last_ship_date = tables.Column(verbose_name="Last shipped", order_by=("last_ship_date", "lot_number"))

    class Meta:
        model = LotSummary
        fields = ["lot_number", "units", "first_ship_date", "last_ship_date"]
        order_by = "lot_number"
        template_name = "sales_dashboard/_lot_table.html"
        attrs = {"class": "table lot-table"}
        empty_text = "No lots match."
