"""The dashboard's CSV export: one row per order dated in the window, recorded as `sales_dashboard.exported`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sales_dashboard import selectors
from sales_dashboard.selectors import Window
from silqeqms.exports import CsvExporter
from silqeqms.models import User


class SalesDashboardExporter(CsvExporter):
    """Columns: selectors.EXPORT_HEADER. The event records the window (not filters) and the format."""

    action = "sales_dashboard.exported"
    header = selectors.EXPORT_HEADER

    def __init__(self, *, actor: User, window: Window) -> None:
        super().__init__(actor=actor)
        self.window = window

    def get_filename(self) -> str:
        return f"sales-dashboard-orders-{self.window.start.isoformat()}-to-{self.window.end or 'open'}.csv"

    def audit_data(self) -> dict[str, Any]:
        return {**self.window.as_data(), "format": "csv"}

    def rows(self) -> Iterator[list[Any]]:
        return selectors.export_rows(window=self.window, scope=selectors.Scope.for_user(self.actor))
