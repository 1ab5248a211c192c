"""The server-side SVG chart: a readable axis, one labelled bar per month, text escaped."""

from __future__ import annotations

import datetime
import re

from sales_dashboard.charts import nice_ceiling, units_per_month_svg
from sales_dashboard.selectors import MonthUnits

D = datetime.date


def test_the_axis_top_is_a_round_number_at_or_above_the_largest_value():
    assert [nice_ceiling(v) for v in (0, 1, 3, 7, 10, 11, 240, 251, 999, 1001)] == [
        1, 1, 5, 10, 10, 20, 250, 500, 1000, 2000]


def test_each_month_is_one_bar_with_its_own_title():
    svg = units_per_month_svg([MonthUnits(D(2025, 12, 1), 5), MonthUnits(D(2026, 1, 1), 0),
                               MonthUnits(D(2026, 2, 1), 1234)], title="Units")
    assert svg.count("<rect") == 3
    assert "<title>Dec 2025: 5 units</title>" in svg
    assert "<title>Feb 2026: 1,234 units</title>" in svg
    assert "3 months from Dec 2025 to Feb 2026, 1,239 units in all" in svg
    assert re.search(r">2025</text>.*>2026</text>", svg)  # the year under its first month


def test_the_title_is_escaped():
    svg = units_per_month_svg([MonthUnits(D(2026, 1, 1), 1)], title="<script>x</script>")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_an_empty_chart_says_so():
    svg = units_per_month_svg([], title="Units")
    assert "No shipments in this window." in svg
    assert "<rect" not in svg


def test_long_ranges_label_about_twelve_months():
    months = [MonthUnits(D(2020 + i // 12, i % 12 + 1, 1), i) for i in range(60)]
    svg = units_per_month_svg(months, title="Units")
    assert svg.count("<rect") == 60
    month_labels = re.findall(r'fill="#5b6770">(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)</text>', svg)
    assert 10 <= len(month_labels) <= 13
