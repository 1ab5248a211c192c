"""Opening the dashboard records who looked at which window, once per look, before the figures are read."""

from __future__ import annotations

import datetime

import pytest

from sales_dashboard import selectors, services
from sales_dashboard.selectors import DashboardFigures, Window
from silqeqms.models import AuditEvent

pytestmark = pytest.mark.django_db

D = datetime.date


def _viewed() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="sales_dashboard.viewed"))


def test_viewing_the_page_records_one_event_with_the_window_and_gives_the_figures(viewer, ship):
    ship(order_number="SO-1", ship_date=D(2026, 2, 3), quantity=4)
    window = Window(D(2026, 2, 1), D(2026, 2, 28))
    figures = services.view_dashboard(actor=viewer, window=window)
    assert isinstance(figures, DashboardFigures)
    assert figures == selectors.dashboard(window=window)
    assert figures.totals.total_units_window == 4
    (event,) = _viewed()
    assert (event.actor, event.data) == (viewer, {"start": "2026-02-01", "end": "2026-02-28", "format": "html",
                                                "scope": "company"})


def test_viewing_the_json_records_one_event_marked_json(viewer, ship):
    ship(order_number="SO-1", ship_date=D(2026, 2, 3), quantity=4)
    window = Window(D(2026, 1, 1))
    assert services.view_dashboard_json(actor=viewer, window=window) == selectors.dashboard_json(window=window)
    (event,) = _viewed()
    assert (event.actor, event.data) == (viewer, {"start": "2026-01-01", "end": None, "format": "json", "scope": "company"})
