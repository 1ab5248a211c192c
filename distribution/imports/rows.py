"""Parsed rows of each source (CSV rows, PDF orders) → ImportLine, the one row type imports plan and write."""

from __future__ import annotations

import operator

from distribution.fields import NOTES_MAX_LENGTH
from distribution.imports.csv_file import CsvRow
from distribution.imports.lines import LINE_FIELDS, ImportLine
from distribution.imports.pdf import PdfParseResult
from distribution.imports.reps import rep_key, resolve_reps
from products.gs1 import gtin_or_as_given
from products.selectors import products_by_gtin
from silqeqms.csv_export import DEFUSED_PREFIXES

_LINE_VALUES = operator.attrgetter(*LINE_FIELDS)  # ImportLine's fields, in order


def csv_rows_to_lines(rows: list[CsvRow]) -> list[ImportLine]:
    """Our own exports prefix formula-like cells with a quote (silqeqms.csv_export.safe_cell); an export
    imported again has it taken off, so export → import round-trips. A valid UDI-DI is kept as its
    14-digit GTIN (as the entry form keeps it); a line whose SKU is blank (its `udi` label gave the
    UDI-DI) takes the SKU of the product with that GTIN, as the form's scan does (one query)."""
    lines = [ImportLine(*[v[1:] if type(v) is str and v.startswith(DEFUSED_PREFIXES) else v
                          for v in _LINE_VALUES(row)]) for row in rows]
    for line in lines:
        if line.udi_di:
            line.udi_di = gtin_or_as_given(line.udi_di)
    unnamed = [line for line in lines if not line.sku and line.udi_di]
    if unnamed:
        products = products_by_gtin({line.udi_di for line in unnamed})
        for line in unnamed:
            if line.udi_di in products:
                line.sku = products[line.udi_di].sku
    return lines


def pdf_result_to_lines(result: PdfParseResult) -> tuple[list[ImportLine], list[str]]:
    """One ImportLine per order line, and the warnings to show. A printed rep that matches no user is
    left blank with a warning (the person sees it in the preview); an order without a ship date is
    left out with a warning."""
    reps = resolve_reps({order.rep for order in result.orders if order.rep})
    lines: list[ImportLine] = []
    warnings: list[str] = []
    for order in result.orders:
        warnings += [f"Order {order.order_number}: {w}" for w in order.warnings]
        rep = reps.get(rep_key(order.rep)) if order.rep else None
        if order.rep and rep is None:
            warnings.append(f"Order {order.order_number}: sales rep “{order.rep}” matches no user; left blank")
        if order.ship_date is None:
            warnings.append(f"Order {order.order_number}: no ship date found, so it cannot be imported")
            continue
        for pdf_line in order.lines:
            lines.append(ImportLine(
                line=len(lines) + 1, ship_date=order.ship_date, order_number=order.order_number,
                facility_name=order.facility_name, address1=order.address1, address2=order.address2,
                city=order.city, state=order.state, postal_code=order.postal_code, country=order.country,
                sku=pdf_line.sku, quantity=pdf_line.quantity, lot_number=pdf_line.lot_number,
                rep=rep.username if rep else "",
                notes=f"PDF page {pdf_line.page}: {pdf_line.description}"[:NOTES_MAX_LENGTH]
                if pdf_line.description else "",
            ))
    return lines, warnings
