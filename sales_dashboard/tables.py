from __future__ import annotations

import django_tables2 as tables

from silqeqms.tables import BoundedTable


class LotSummaryTable(BoundedTable):
    """Lots, all time (LotSummary rows, or the same values for a scope's customers): sortable and paginated by django-tables2. The cells (lot → its lot trace, units,
    dates) are written by the template from the record, not by per-cell column rendering, which was
    most of the page's rendering time."""

    lot_number = tables.Column(verbose_name="Lot")
    units = tables.Column(verbose_name="Units", order_by=("units", "lot_number"), attrs={"th": {"class": "num"}})
    first_ship_date = tables.Column(verbose_name="First shipped", order_by=("first_ship_date", "lot_number"))
    last_ship_date = tables.Column(verbose_name="Last shipped", order_by=("last_ship_date", "lot_number"))

    class Meta:
        # Rows are LotSummary records (the company) or the same values per lot from a scope's entries.
        sequence = ["lot_number", "units", "first_ship_date", "last_ship_date"]
        order_by = "lot_number"
        template_name = "sales_dashboard/_lot_table.html"
        attrs = {"class": "table lot-table"}
        empty_text = "No lots match."
