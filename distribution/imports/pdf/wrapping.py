"""Table lines -> order lines: which printed line, or which wrapped description line, belongs to which row.

A row's anchor is the line that carries its SKU or quantity; lines with only description (or lot)
text are continuations of a neighbouring anchor. Writers align a row's cells at the top, in the
middle or at the bottom, so the continuation lines may sit above the anchor, below it, or both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# A line that says "Total" and has no SKU ends the table, whatever its Qty column holds.
TOTAL = re.compile(r"\btotals?\b", re.IGNORECASE)


@dataclass
class Row:
    """One order line as printed: its cells' text, not yet judged (orders.py turns it into a PdfLine)."""

    page: int
    sku: str = ""
    description: str = ""
    lot: str = ""
    quantity: str = ""
    unsure_wrapping: bool = False


@dataclass(frozen=True)
class Entry:
    """One printed line (unruled) or one table row (ruled), already split into named cells."""

    top: float
    cells: dict[str, str]
    text: str
    # Unruled only: the description words' (x0, x1, width of the first word, line height).
    span: tuple[float, float, float, float] | None = None

    @property
    def is_anchor(self) -> bool:  # carries a line of its own
        return bool(self.cells.get("sku") or self.cells.get("quantity"))

    @property
    def is_continuation(self) -> bool:  # more description (or lot) for a neighbouring line
        return not self.is_anchor and bool(self.cells.get("description") or self.cells.get("lot"))


def rows_from_entries(entries: Sequence[Entry], page: int, *, ruled: bool) -> list[Row]:
    """Turn table lines into rows, attaching wrapped-description lines to the row they belong to."""
    kept: list[Entry] = []
    for entry in entries:
        if not entry.is_anchor and not entry.is_continuation:
            continue  # only unread columns (UOM, price) or nothing at all
        if not entry.cells.get("sku") and entry.cells.get("quantity") and TOTAL.search(entry.text):
            break  # a totals row inside the table
        kept.append(entry)
    anchors = [i for i, entry in enumerate(kept) if entry.is_anchor]
    if not anchors:
        return []
    owner, unsure = _attach_continuations(kept, anchors, ruled=ruled)
    rows: dict[int, Row] = {}
    for index in anchors:
        cells = kept[index].cells
        rows[index] = Row(page, sku=cells.get("sku", ""), quantity=cells.get("quantity", ""))
    for index, entry in enumerate(kept):
        row = rows[owner[index]]
        # Only rows that took in a continuation line are in doubt when the wrapping was unclear.
        row.unsure_wrapping = row.unsure_wrapping or (unsure and owner[index] != index)
        if entry.cells.get("description"):
            row.description = f"{row.description} {entry.cells['description']}".strip()
        if entry.cells.get("lot"):
            row.lot += entry.cells["lot"]
    return [rows[index] for index in anchors]


def _attach_continuations(
    entries: Sequence[Entry], anchors: Sequence[int], *, ruled: bool
) -> tuple[list[int], bool]:
    """Decide which line each continuation belongs to; returns (owner anchor per entry, unsure).

    Writers align the cells of a row at the top (the SKU sits on the first description line), in the
    middle (the SKU sits halfway down a wrapped description) or at the bottom. Try the alignments in
    that order and keep the first that explains every line.
    """
    if len(anchors) == len(entries):
        return list(range(len(entries))), False
    candidates = ["top"] if ruled else ["top", "middle", "bottom"]
    # An anchor line with no description of its own, between two continuation lines, is centred.
    centred = any(
        not entries[i].cells.get("description")
        and 0 < i < len(entries) - 1
        and entries[i - 1].is_continuation
        and entries[i + 1].is_continuation
        for i in anchors
    )
    if centred:
        candidates = ["middle"]
    fitting = [owner for mode in candidates if (owner := _owners(entries, anchors, mode)) is not None]
    for owner in fitting:
        if ruled or _wraps_plausibly(entries, owner):
            return owner, False
    if fitting:  # explicit line breaks in a description can look like this; keep it but say so
        return fitting[0], True
    owner = [min(anchors, key=lambda a, e=entry: abs(entries[a].top - e.top)) for entry in entries]
    return owner, True


def _wraps_plausibly(entries: Sequence[Entry], owner: Sequence[int]) -> bool:
    """False when a grouping joins a line to the next although the next line's first word would have fit on it.

    Word wrapping only breaks a line when the next word does not fit. The widest description line
    seen is a lower bound on the column width, so "it would have fitted" is a safe verdict, and it
    tells a centred 3-line description apart from a short line followed by a top-aligned wrap.
    """
    spans = [entry.span for entry in entries if entry.span]
    if not spans:
        return True
    left = min(span[0] for span in spans)
    right = max(span[1] for span in spans)
    last_in_row: dict[int, tuple[float, float, float, float]] = {}
    for entry, row in zip(entries, owner, strict=True):
        if entry.span is None:
            continue
        previous = last_in_row.get(row)
        if previous is not None:
            space = 0.2 * previous[3]
            if previous[1] + space + entry.span[2] < right - 1 and entry.span[0] <= left + 1:
                return False
        last_in_row[row] = entry.span
    return True


def _owners(entries: Sequence[Entry], anchors: Sequence[int], mode: str) -> list[int] | None:
    count = len(entries)
    if mode == "top":
        if anchors[0] != 0:
            return None
        owner, current = [], anchors[0]
        for index in range(count):
            current = index if entries[index].is_anchor else current
            owner.append(current)
        return owner
    if mode == "bottom":
        if anchors[-1] != count - 1:
            return None
        owner, current = [0] * count, anchors[-1]
        for index in reversed(range(count)):
            current = index if entries[index].is_anchor else current
            owner[index] = current
        return owner
    # middle: each row's lines are centred on its anchor line.
    owner = [0] * count
    start = 0
    for position, anchor in enumerate(anchors):
        limit = anchors[position + 1] - 1 if position + 1 < len(anchors) else count - 1
        # The row's last line is as far below the anchor as its first line is above it.
        wanted = 2 * entries[anchor].top - entries[start].top
        end = next((j for j in range(anchor, limit + 1) if abs(entries[j].top - wanted) <= 2.5), None)
        if end is None:
            return None
        for j in range(start, end + 1):
            owner[j] = anchor
        start = end + 1
    return owner if start == count else None
