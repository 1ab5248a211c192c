"""Server-side SVG charts: no JavaScript, no CDN; the markup names itself for screen readers."""

from __future__ import annotations

import math
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sales_dashboard.selectors import MonthUnits

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 22, 42
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above value (a readable top for the y axis)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return max(1, int(step * power))
    return value  # unreachable


def month_label(month) -> str:
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def units_per_month_svg(months: Sequence[MonthUnits], *, title: str, element_id: str = "units-chart") -> SafeString:
    """A bar chart of units per month. Each bar carries its own <title> (hover, screen readers)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = nice_ceiling(max((m.units for m in months), default=0))
    n = max(len(months), 1)
    slot = plot_w / n
    bar_w = max(1.0, slot * 0.72)
    label_every = max(1, math.ceil(n / 12))  # at most about twelve month labels
    show_values = n <= 18
    total = sum(m.units for m in months)
    description = (f"{len(months)} months from {month_label(months[0].month)} to {month_label(months[-1].month)}, "
                   f"{total:,} units in all; the largest month has {max(m.units for m in months):,} units."
                   if months else "No shipments in this window.")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-labelledby="{element_id}-title {element_id}-desc" class="bar-chart" '
        f'font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{element_id}-title">{escape(title)}</title>',
        f'<desc id="{element_id}-desc">{escape(description)}</desc>',
    ]
    for i in range(5):  # gridlines and y-axis labels
        value = top_value * i / 4
        y = TOP + plot_h - plot_h * i / 4
        label = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d8dee4"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6770">{label}</text>')
    last_year_shown = None
    for i, m in enumerate(months):
        h = plot_h * m.units / top_value
        x = LEFT + i * slot + (slot - bar_w) / 2
        y = TOP + plot_h - h
        name = f"{month_label(m.month)}: {m.units:,} units"
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="#1f5f8b">'
                     f'<title>{escape(name)}</title></rect>')
        center = x + bar_w / 2
        if show_values and m.units:
            parts.append(f'<text x="{center:.1f}" y="{y - 4:.1f}" text-anchor="middle" fill="#1b2631">{m.units:,}</text>')
        if i % label_every == 0:
            month_text = MONTH_NAMES[m.month.month - 1]
            parts.append(f'<text x="{center:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle" fill="#5b6770">'
                         f'{month_text}</text>')
            if m.month.year != last_year_shown:
                last_year_shown = m.month.year
                parts.append(f'<text x="{center:.1f}" y="{TOP + plot_h + 31}" text-anchor="middle" '
                             f'fill="#5b6770">{m.month.year}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#5b6770"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped or a number
