"""Pages -> orders: which pages belong to which order, and the checks and warnings of each order.

An order starts on a page whose header carries a new order number and runs until the next one.
Anything that makes an order unimportable raises PdfImportError naming the file, order and page;
anything the reader was merely unsure of becomes a warning on the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..values import whole_number
from .header import Header, order_number_field, read_header
from .results import PdfImportError, PdfLine, PdfOrder
from .table import PageReading
from .wrapping import Row


@dataclass
class _OrderDraft:
    order_number: str
    header: Header
    first_page: int
    last_page: int
    rows: list[Row] = field(default_factory=list)
    saw_table: bool = False
    page_warnings: list[str] = field(default_factory=list)


def assemble_orders(readings: Sequence[PageReading], file_name: str) -> list[PdfOrder]:
    drafts: list[_OrderDraft] = []
    skipped: list[int] = []
    for reading in readings:
        if reading.problem:
            raise PdfImportError(
                f"{file_name}, page {reading.number}: {reading.problem}. Check the file, or enter its lines by "
                "hand under New entry.",
                file_name,
            )
        found, unusable = order_number_field(reading.header_lines)
        current = drafts[-1] if drafts else None
        # A page with a different order number starts a new order; the same number repeated at the
        # top of a continuation page does not.
        if found is not None and (current is None or found.value != current.order_number):
            current = _OrderDraft(
                found.value, read_header(reading.header_lines), reading.number, reading.number
            )
            earlier = [draft.first_page for draft in drafts if draft.order_number == found.value]
            if earlier:
                current.page_warnings.append(
                    f"order {found.value} also starts on page {earlier[0]} of this file; check for a duplicate"
                )
            drafts.append(current)
        if current is None:
            if unusable is not None:
                raise PdfImportError(
                    f"{file_name}, page {reading.number}: there is an '{unusable.label}' label but no order number "
                    "next to it.",
                    file_name,
                )
            if reading.rows:
                raise PdfImportError(
                    f"{file_name}, page {reading.number}: order lines were found but no order number above them "
                    "(labelled 'Order #', 'Order Number' or 'SO').",
                    file_name,
                )
            skipped.append(reading.number)
            continue
        current.last_page = reading.number
        current.rows.extend(reading.rows)
        current.saw_table = current.saw_table or reading.table_header_found
        if not reading.has_text:
            current.page_warnings.append(_unread_page_warning(reading.number))
    if not drafts:
        raise PdfImportError(
            f"{file_name} does not look like a sales order: no order number labelled 'Order #', "
            "'Order Number' or 'SO' was found.",
            file_name,
        )
    # Pages before the first order: a cover sheet is harmless, but a scanned page might be an order.
    blank = [number for number in skipped if not readings[number - 1].has_text]
    other = [number for number in skipped if number not in blank]
    notes = [_unread_page_warning(number) for number in blank]
    if other:
        notes.append(f"page(s) {', '.join(map(str, other))} had no order on them and were skipped")
    drafts[0].page_warnings[:0] = notes
    return [_finish(draft, file_name) for draft in drafts]


def _unread_page_warning(number: int) -> str:
    return f"page {number} has no text layer (a scanned image?) and was not read; check it by hand"


def _finish(draft: _OrderDraft, file_name: str) -> PdfOrder:
    where = f"{file_name}, order {draft.order_number}"
    if not draft.saw_table:
        raise PdfImportError(
            f"{where} (page {draft.first_page}): no line table was found. The table needs a header row "
            "with SKU, Description, Lot and Qty columns.",
            file_name,
        )
    if not draft.rows:
        raise PdfImportError(f"{where}: the line table has no lines in it.", file_name)
    lines: list[PdfLine] = []
    warnings = [*draft.header.warnings, *draft.page_warnings]
    for number, row in enumerate(draft.rows, start=1):
        if not row.sku:
            raise PdfImportError(
                f"{where}, page {row.page}: a line with quantity {row.quantity} has no SKU.", file_name
            )
        if not row.quantity:
            raise PdfImportError(
                f"{where}, page {row.page}: the line for SKU {row.sku} has no quantity.", file_name
            )
        quantity = whole_number(row.quantity)
        if quantity is None:
            raise PdfImportError(
                f"{where}, page {row.page}: the line for SKU {row.sku} has quantity '{row.quantity}', "
                "which is not a whole number.",
                file_name,
            )
        if quantity == 0:
            raise PdfImportError(
                f"{where}, page {row.page}: the line for SKU {row.sku} has quantity 0; a shipped line needs at least 1.",
                file_name,
            )
        if not row.lot:
            warnings.append(f"line {number} (SKU {row.sku}): no lot")
        if row.unsure_wrapping:
            warnings.append(f"line {number} (SKU {row.sku}): the description wraps oddly; check it")
        lines.append(PdfLine(row.sku, row.description, row.lot, quantity, row.page))
    header = draft.header
    return PdfOrder(
        order_number=draft.order_number,
        ship_date=header.ship_date,
        facility_name=header.facility_name,
        address1=header.address1,
        address2=header.address2,
        city=header.city,
        state=header.state,
        postal_code=header.postal_code,
        country=header.country,
        rep=header.rep,
        lines=lines,
        pages=(draft.first_page, draft.last_page),
        warnings=warnings,
    )
