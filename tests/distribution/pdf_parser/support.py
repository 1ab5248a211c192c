"""Shared values and helpers for the tests of pdf parser."""

from __future__ import annotations

from typing import Any

import pytest

from distribution.imports.pdf import (
    PdfImportError,
    PdfLine,
    PdfOrder,
    parse_sales_order_pdf,
)
from tests.distribution.pdf_samples import (
    WRITERS,
)

WRITER_NAMES = sorted(WRITERS)


BOTH_WRITERS_BOTH_TABLES = pytest.mark.parametrize(
    ("writer", "ruled"),
    [(name, ruled) for name in WRITER_NAMES for ruled in (True, False)],
    ids=[f"{name}-{'ruled' if ruled else 'unruled'}" for name in WRITER_NAMES for ruled in (True, False)],
)


LONG_DESCRIPTION = (
    "Silver foam dressing 10x10 cm, sterile, individually wrapped, box of ten units, for use on "
    "moderately to highly exuding wounds"
)


def expected_order(
    order: dict[str, Any],
    *,
    pages: tuple[int, int] = (1, 1),
    line_pages: list[int] | None = None,
    warnings: list[str] | None = None,
) -> PdfOrder:
    """What the parser must return for a sample order: every field, every line."""
    line_pages = line_pages or [pages[0]] * len(order["lines"])
    return PdfOrder(
        order_number=order["order_number"],
        ship_date=order["ship_date"],
        facility_name=order["facility_name"],
        address1=order["address1"],
        address2=order["address2"],
        city=order["city"],
        state=order["state"],
        postal_code=order["postal_code"],
        country=order["country"],
        rep=order["rep"],
        lines=[
            PdfLine(line["sku"], line["description"], line["lot"], line["quantity"], page)
            for line, page in zip(order["lines"], line_pages, strict=True)
        ],
        pages=pages,
        warnings=warnings or [],
    )


def many_lines(count: int, *, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "sku": f"2118{index:02d}SPT",
            "description": f"Silver foam dressing size {index}",
            "lot": f"L2026-{index:04d}",
            "quantity": index + 1,
        }
        for index in range(start, start + count)
    ]


def make(writer: str, orders: list[dict[str, Any]] | dict[str, Any], **options: Any) -> bytes:
    return WRITERS[writer](orders if isinstance(orders, list) else [orders], **options)


def import_error(data: bytes, file_name: str = "order.pdf") -> str:
    with pytest.raises(PdfImportError) as caught:
        parse_sales_order_pdf(data, file_name)
    assert caught.value.file_name == file_name
    assert file_name in str(caught.value)
    return str(caught.value)
