"""The dashboard as a person opens it: each look at the figures is recorded (`sales_dashboard.viewed`,
with the window and the format) before they are read."""

from __future__ import annotations

from typing import Any, Literal

from sales_dashboard import selectors
from sales_dashboard.selectors import DashboardFigures, Scope, Window
from silqeqms.audit import record_event
from silqeqms.models import User


def view_dashboard(*, actor: User, window: Window) -> DashboardFigures:
    """The page's figures for the window (all but the lot table, which the view paginates)."""
    _record_viewed(actor=actor, window=window, output_format="html")
    return selectors.dashboard(window=window, scope=Scope.for_user(actor))


def view_dashboard_json(*, actor: User, window: Window) -> dict[str, Any]:
    """The figures as the JSON answer gives them (selectors.dashboard_json)."""
    _record_viewed(actor=actor, window=window, output_format="json")
    return selectors.dashboard_json(window=window, scope=Scope.for_user(actor))


def _record_viewed(*, actor: User, window: Window, output_format: Literal["html", "json"]) -> None:
    # The event commits on its own (record_event is atomic), not in one transaction with the reads that
    # follow: the chain lock is held only while the event is written.
    scope = "company" if Scope.for_user(actor).is_company else "assigned customers"
    record_event(actor=actor, action="sales_dashboard.viewed",
                 data={**window.as_data(), "format": output_format, "scope": scope})
