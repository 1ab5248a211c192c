"""A page's line table: read cell by cell when ruled, rebuilt from word positions when not.

Either way the table's printed lines become `Entry`s (named cells), and wrapping.py turns those
into order lines. A page without its own header row continues the previous page's table when its
cells line up with that table's columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..values import whole_number
from .columns import (
    Column,
    Layout,
    clean_cell,
    column_name,
    header_cells,
    is_table_header,
    layout_from_header,
    refine_bounds,
)
from .geometry import Line, lines_from_words
from .header import match_label, order_number_field
from .wrapping import TOTAL, Entry, Row, rows_from_entries

if TYPE_CHECKING:  # pdfplumber is imported lazily: the web process never needs to load pdfminer.
    from pdfplumber.page import Page

# Lines that end an unruled table: what follows is no longer order lines.
_CLOSING = re.compile(
    r"^(?:sub-?\s*total|grand\s+total|totals?\b|notes?\b|comments?\b|remarks?\b|terms\b|thank\s+you|"
    r"signature|received\s+by|page\s+\d)",
    re.IGNORECASE,
)


@dataclass
class _TableRead:
    rows: list[Row]
    layout: Layout
    top: float  # everything above this is the page's header block
    header_found: bool
    problem: str = ""  # set when an order line seems to sit below where the table was read to end


@dataclass
class PageReading:
    """One page: its header block (the lines above the table) and the order lines read from its table."""

    number: int
    has_text: bool
    header_lines: list[Line]
    rows: list[Row]
    table_header_found: bool
    layout: Layout | None
    problem: str = ""


def read_page(page: Page, number: int, carried: Layout | None) -> PageReading:
    """Read page `number`; `carried` is the last table's layout, for a table that continues here."""
    lines = lines_from_words(page.extract_words())
    if not lines:
        return PageReading(number, False, [], [], False, None)
    table = _read_ruled_tables(page, number, carried) or _read_unruled_table(lines, number, carried)
    if table is None:
        return PageReading(number, True, lines, [], False, None)
    header_lines = [line for line in lines if line.bottom <= table.top + 1]
    return PageReading(
        number, True, header_lines, table.rows, table.header_found, table.layout, table.problem
    )


def _read_ruled_tables(page: Page, number: int, carried: Layout | None) -> _TableRead | None:
    found: _TableRead | None = None
    for table in sorted(page.find_tables(), key=lambda t: t.bbox[1]):
        texts = table.extract()
        bands = table.rows
        if not texts or len(texts) != len(bands):
            continue
        header_index = next(
            (i for i, row in enumerate(texts) if is_table_header([column_name(c or "") for c in row])), None
        )
        if header_index is not None:
            names = [column_name(c or "") for c in texts[header_index]]
            edges = bands[header_index].cells
            columns = tuple(
                Column(name, float(box[0]), float(box[2]))
                for name, box in zip(names, edges, strict=True)
                if box
            )
            layout = Layout(columns, ruled=True)
            body = list(zip(texts[header_index + 1 :], bands[header_index + 1 :], strict=True))
            top = float(bands[header_index].bbox[1])
        elif carried is not None and carried.ruled and _continues_layout(bands[0].cells, carried):
            layout = carried  # the header row was not repeated on this page
            body = list(zip(texts, bands, strict=True))
            top = float(table.bbox[1])
        else:
            continue  # some other box on the page (an address frame, a signature box)
        entries = []
        for row_texts, band in body:
            cells: dict[str, str] = {}
            for text, box in zip(row_texts, band.cells, strict=True):
                column = layout.column_at((box[0] + box[2]) / 2) if box else None
                if column is not None and column.name and text:
                    cells[column.name] = clean_cell(column.name, text)
            entries.append(Entry(float(band.bbox[1]), cells, " ".join(t or "" for t in row_texts)))
        rows = rows_from_entries(entries, number, ruled=True)
        if found is None:
            found = _TableRead(rows, layout, top, header_index is not None)
        else:  # a second table on the page: the line table split in two by a page element
            found.rows.extend(rows)
    return found


def _continues_layout(edges: Sequence[Any], layout: Layout) -> bool:
    boxes = [box for box in edges if box]
    if len(boxes) != len(layout.columns):
        return False
    return all(
        abs(box[0] - column.left) <= 5 and abs(box[2] - column.right) <= 5
        for box, column in zip(boxes, layout.columns, strict=True)
    )


def _assign(line: Line, layout: Layout) -> tuple[dict[str, str], bool]:
    """Words -> named cells by the column holding each word's centre; also: does a word straddle a boundary?"""
    parts: dict[str, list[str]] = {}
    straddles = False
    for word in line.words:
        column = layout.column_at(word.center)
        if column is None:
            continue
        if word.x0 < column.left - 2 or word.x1 > column.right + 2:
            straddles = True
        if column.name:
            parts.setdefault(column.name, []).append(word.text)
    cells = {name: clean_cell(name, " ".join(texts)) for name, texts in parts.items()}
    return cells, straddles


def _description_span(line: Line, layout: Layout) -> tuple[float, float, float, float] | None:
    words = [
        w for w in line.words if (c := layout.column_at(w.center)) is not None and c.name == "description"
    ]
    if not words:
        return None
    return (words[0].x0, words[-1].x1, words[0].x1 - words[0].x0, line.height)


def _is_confident_row(line: Line, layout: Layout) -> bool:
    """A line that is surely an order line: a SKU and a valid quantity (straddling is not checked)."""
    cells, _ = _assign(line, layout)
    return bool(cells.get("sku")) and whole_number(cells.get("quantity", "")) is not None


def _read_unruled_table(lines: Sequence[Line], number: int, carried: Layout | None) -> _TableRead | None:
    header_index, cells = None, []
    for index, line in enumerate(lines):
        cells = header_cells(line)
        if is_table_header([cell[0] for cell in cells]):
            header_index = index
            break
    if header_index is not None:
        start, table_top, previous_top = header_index + 1, lines[header_index].top, lines[header_index].top
        # First pass with the headings' left edges, only to find where the table ends; then measure
        # the real column gaps on those lines.
        guess = layout_from_header(cells)
        _, region_end = _scan_table(lines, start, previous_top, guess, check_straddling=False)
        layout = refine_bounds(cells, guess, lines[start:region_end])
    elif carried is not None:
        layout = carried  # the header row was not repeated on this continuation page
        first = next((i for i, line in enumerate(lines) if _is_confident_row(line, layout)), None)
        if first is None:
            return None
        start = first
        # Vertically centred cells print the first part of a wrapped description above the SKU.
        # (Straddling is not held against it yet: the gaps are measured on this page just below.)
        while start > 0:
            above = lines[start - 1]
            cells_above, _ = _assign(above, layout)
            close = lines[start].top - above.bottom <= lines[start].height
            if not Entry(above.top, cells_above, above.text).is_continuation or not close:
                break
            if _has_label(above):
                break
            start -= 1
        table_top, previous_top = lines[start].top, None
        if layout.headings:  # this page's descriptions may be longer than the last page's
            _, region_end = _scan_table(lines, start, None, layout, check_straddling=False)
            guess = layout_from_header(layout.headings)
            layout = refine_bounds(layout.headings, guess, lines[start:region_end])
    else:
        return None

    entries, end = _scan_table(lines, start, previous_top, layout, check_straddling=True)
    table = _TableRead(
        rows_from_entries(entries, number, ruled=False), layout, table_top, header_index is not None
    )
    # Stopping early must never lose lines silently: anything below that still reads as an order
    # line means the table was not understood.
    for line in lines[end:]:
        if _is_confident_row(line, layout) and not TOTAL.search(line.text) and not _starts_new_order(line):
            table.problem = f"the line '{line.text}' below the table could not be read as part of it"
            break
    return table


def _scan_table(
    lines: Sequence[Line], start: int, previous_top: float | None, layout: Layout, *, check_straddling: bool
) -> tuple[list[Entry], int]:
    """The table's lines from `start` until it visibly ends; returns them and the index after the last."""
    entries: list[Entry] = []
    widest_step = 0.0
    for index in range(start, len(lines)):
        line = lines[index]
        if previous_top is not None:
            step = line.top - previous_top
            # A gap much wider than any step so far between table lines: the table has ended.
            limit = 1.8 * widest_step if widest_step else max(4 * line.height, 36.0)
            if step > max(limit, 1.5 * line.height):
                return entries, index
        cells, straddles = _assign(line, layout)
        if (straddles and check_straddling) or _CLOSING.match(line.text) or _starts_new_order(line):
            return entries, index
        if is_table_header([cell[0] for cell in header_cells(line)]):
            return entries, index
        if not cells.get("sku") and TOTAL.search(line.text):
            return entries, index
        entries.append(Entry(line.top, cells, line.text, _description_span(line, layout)))
        if previous_top is not None:
            widest_step = max(widest_step, step)
        previous_top = line.top
    return entries, len(lines)


def _has_label(line: Line) -> bool:
    return any(match_label(segment.text) is not None for segment in line.segments)


def _starts_new_order(line: Line) -> bool:
    return order_number_field([line])[0] is not None
