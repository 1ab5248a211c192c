"""The dashboard's date window, read from the query string (so a window is a shareable URL)."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.conf import settings

from sales_dashboard.selectors import Window
from silqeqms.forms import check_date_range


class DashboardWindowForm(forms.Form):
    start = forms.DateField(
        label="Shipped from", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Inclusive.",
    )
    end = forms.DateField(
        label="Shipped to", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Inclusive; empty for no end.",
    )

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> DashboardWindowForm:
        """Bind to the query string; a missing or empty start means the default start."""
        data = {"start": (query.get("start") or "").strip() or settings.SALES_DASHBOARD_DEFAULT_START.isoformat(),
                "end": (query.get("end") or "").strip()}
        return cls(data)

    def clean(self):
        cleaned = super().clean()
        check_date_range(self, "start", "end")
        return cleaned

    def window(self) -> Window:
        """The validated window (call after is_valid())."""
        return Window(start=self.cleaned_data["start"], end=self.cleaned_data["end"])

    def errors_as_data(self) -> dict[str, list[str]]:
        """{field: [messages]} for the JSON error answer."""
        return {name: [str(m) for m in messages] for name, messages in self.errors.items()}
