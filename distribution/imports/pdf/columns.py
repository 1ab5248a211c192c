"""The line table's columns: which header names are read, and where each column begins and ends.

A ruled table's columns are its cells' edges. An unruled table's are measured: first from the header
row's headings, then moved into the widest gaps the table's own lines leave between them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .geometry import Line

# Header-cell names, compared after lower-casing, collapsing spaces and dropping a trailing ":" or ".".
# Only shipped quantities count: "Qty Ordered" is deliberately not a quantity column.
_COLUMN_ALIASES: dict[str, list[str]] = {
    "sku": ["sku", "sku #", "item", "item #", "item no", "item number", "part #", "part no", "part number"],
    "description": ["description", "desc", "item description", "product description"],
    "lot": [
        "lot",
        "lot #",
        "lot no",
        "lot number",
        "batch",
        "batch #",
        "batch no",
        "batch number",
        "lot/batch",
    ],
    "quantity": ["qty", "quantity", "qty shipped", "quantity shipped", "ship qty", "shipped qty"],
}
_ALIAS_TO_FIELD = {alias: name for name, aliases in _COLUMN_ALIASES.items() for alias in aliases}

# A cell of the table's header row: (the column it names, or None for one we do not read; x0; x1).
Heading = tuple[str | None, float, float]


def column_name(text: str) -> str | None:
    normal = re.sub(r"\s*#", " #", text.lower())
    normal = " ".join(normal.split()).rstrip(":.").strip()
    return _ALIAS_TO_FIELD.get(normal)


def is_table_header(names: Sequence[str | None]) -> bool:
    present = [name for name in names if name]
    return (
        "sku" in present
        and "quantity" in present
        and ("description" in present or "lot" in present)
        and len(present) == len(set(present))
    )


@dataclass(frozen=True)
class Column:
    name: str | None  # None: a column we do not read (UOM, price, line number)
    left: float
    right: float


@dataclass(frozen=True)
class Layout:
    columns: tuple[Column, ...]
    ruled: bool
    # Unruled only: the header row's cells (name, x0, x1), so a continuation page without a header
    # row can measure its own column gaps against them.
    headings: tuple[Heading, ...] = ()

    def column_at(self, x: float) -> Column | None:
        for column in self.columns:
            if column.left <= x < column.right:
                return column
        return None


def clean_cell(name: str, text: str) -> str:
    if name == "description":
        return " ".join(text.split())
    # An identifier broken over two lines in a cell is one identifier: rejoin without a space.
    return "".join(" ".join(part.split()) for part in text.split("\n"))


def header_cells(line: Line) -> list[Heading]:
    """Split a line into header cells, matching multi-word names ("Lot Number") only across normal spaces."""
    cells: list[Heading] = []
    for segment in line.segments:
        words = segment.words
        index = 0
        while index < len(words):
            for size in (3, 2, 1):
                chunk = words[index : index + size]
                if len(chunk) < size:
                    continue
                tight = all(b.x0 - a.x1 < 0.6 * a.height for a, b in zip(chunk, chunk[1:], strict=False))
                name = column_name(" ".join(word.text for word in chunk)) if tight else None
                if name or size == 1:
                    cells.append((name, chunk[0].x0, chunk[-1].x1))
                    index += size
                    break
    return cells


def layout_from_header(cells: Sequence[Heading]) -> Layout:
    cells = sorted(cells, key=lambda cell: cell[1])
    # Until the rows are seen, assume left-aligned text: a column begins where its heading begins.
    bounds = [cell[1] - 1 for cell in cells[1:]]
    return _layout_with_bounds(cells, bounds)


def _layout_with_bounds(cells: Sequence[Heading], bounds: Sequence[float]) -> Layout:
    edges = [-math.inf, *bounds, math.inf]
    columns = tuple(Column(cell[0], edges[i], edges[i + 1]) for i, cell in enumerate(cells))
    return Layout(columns, ruled=False, headings=tuple(cells))


def refine_bounds(cells: Sequence[Heading], layout: Layout, rows: Sequence[Line]) -> Layout:
    """Move each boundary into the widest clear gap the table's lines leave between two headings.

    Headings are often centred or right-aligned while values are not, so a heading's left edge is
    only a first guess. Every line of the table is measured, continuation lines included, so no
    word is left unseen that could fall on the wrong side of the chosen gap.
    """
    cells = sorted(cells, key=lambda cell: cell[1])
    covered = sorted((word.x0, word.x1) for line in rows for word in line.words)
    min_gap = 0.4 * (sorted(line.height for line in rows)[len(rows) // 2] if rows else 10.0)
    bounds = []
    for (_, _, left_end), (_, right_start, _), column in zip(cells, cells[1:], layout.columns, strict=False):
        best: tuple[float, float] | None = None
        cursor = left_end
        for x0, x1 in [*covered, (right_start, right_start)]:
            if x1 <= cursor and x0 < right_start:
                continue
            gap_end = min(x0, right_start)
            if gap_end - cursor >= min_gap and (best is None or gap_end - cursor > best[1] - best[0]):
                best = (cursor, gap_end)
            if x0 >= right_start:
                break
            cursor = max(cursor, x1)
        bounds.append((best[0] + best[1]) / 2 if best else column.right)
    return _layout_with_bounds(cells, bounds)
