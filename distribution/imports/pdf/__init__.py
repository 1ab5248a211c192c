"""Sales-order PDFs -> plain dataclasses; no Django here, so it runs in a child process and under fuzzing.

The supported layout is described in docs/pdf-layout.md. In short: labelled header fields (order
number, ship date, ship-to block, sales rep) above a line table whose header row names SKU,
Description, Lot and Qty columns in any order. Ruled tables come from pdfplumber's table finder;
unruled ones are rebuilt from word positions, with column ranges taken from the header row.

Everything that goes wrong becomes a PdfImportError whose message is a sentence a user can act on.
Web code should call parse_sales_order_pdf_safely(), which parses in a separate, time- and
memory-limited process so a hostile file cannot hang or exhaust a web worker.

The names below are the reader's interface; its modules, one step each:
- geometry: pdfplumber's words -> printed lines -> segments;
- header: labelled fields and the ship-to address (dates via distribution/imports/values.py);
- columns: which header names are read and where each column of the line table lies;
- table: a page's line table, ruled or rebuilt from word positions;
- wrapping: table lines -> order lines, wrapped descriptions joined to their line;
- orders: pages -> orders, with their checks and warnings;
- reader: the whole file in this process; sandbox (and _child): the same in a limited child process.
Every import inside the package is relative: the child loads it by path, without Django (see _child.py).
"""

from .reader import MAX_PDF_BYTES, MAX_PDF_PAGES, SCANNED_MESSAGE, parse_sales_order_pdf
from .results import PdfImportError, PdfLine, PdfOrder, PdfParseResult
from .sandbox import DEFAULT_MEMORY_LIMIT_BYTES, PARSE_TIME_LIMIT_SECONDS, parse_sales_order_pdf_safely

__all__ = [
    "DEFAULT_MEMORY_LIMIT_BYTES",
    "MAX_PDF_BYTES",
    "MAX_PDF_PAGES",
    "PARSE_TIME_LIMIT_SECONDS",
    "SCANNED_MESSAGE",
    "PdfImportError",
    "PdfLine",
    "PdfOrder",
    "PdfParseResult",
    "parse_sales_order_pdf",
    "parse_sales_order_pdf_safely",
]
