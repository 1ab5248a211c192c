"""What the PDF reader hands back (plain dataclasses) and the one error it raises."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class PdfLine:
    sku: str
    description: str
    lot_number: str  # "" when missing -> the entry lands as needs_review
    quantity: int
    page: int  # 1-based page the line was read from


@dataclass
class PdfOrder:
    order_number: str
    ship_date: datetime.date | None
    facility_name: str
    address1: str
    address2: str
    city: str
    state: str
    postal_code: str
    country: str
    rep: str
    lines: list[PdfLine]
    pages: tuple[int, int]  # first and last page of this order
    warnings: list[str]  # where the parser was unsure; shown to the person who reviews the import


@dataclass
class PdfParseResult:
    file_name: str
    sha256: str
    page_count: int
    orders: list[PdfOrder]


class PdfImportError(Exception):
    """A file that cannot be imported; str(err) is a user-facing sentence that names the file and the problem."""

    # file_name has a default so the exception survives pickling (Exception pickles only args).
    def __init__(self, message: str, file_name: str = "") -> None:
        super().__init__(message)
        self.file_name = file_name
