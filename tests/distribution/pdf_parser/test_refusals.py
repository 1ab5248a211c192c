"""The sales-order PDF parser, fed PDFs that reportlab and fpdf2 write during the test. No database: what it refuses."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distribution.imports.pdf import (
    MAX_PDF_BYTES,
    PdfImportError,
    parse_sales_order_pdf,
)
from tests.distribution.pdf_parser.support import (
    WRITER_NAMES,
    import_error,
    make,
    many_lines,
)
from tests.distribution.pdf_samples import (
    make_image_only_pdf,
    make_order_pdf_fpdf,
    make_order_pdf_reportlab,
    make_text_pdf,
    sample_order,
)


def test_refuses_a_file_that_is_not_a_pdf() -> None:
    assert "not a PDF" in import_error(b"SKU,Qty\n211810SPT,4\n", "orders.csv")


def test_refuses_an_empty_file() -> None:
    assert "empty" in import_error(b"")


def test_refuses_a_file_over_ten_megabytes() -> None:
    message = import_error(b"%PDF-1.4\n" + b"0" * MAX_PDF_BYTES + b"\n%%EOF\n")
    assert "10 MB" in message


@pytest.mark.parametrize("writer", WRITER_NAMES)
def test_refuses_a_password_protected_file(writer: str) -> None:
    data = make(writer, sample_order(), encrypt="secret")
    assert "password-protected" in import_error(data)


def test_refuses_a_truncated_file() -> None:
    data = make_order_pdf_reportlab(sample_order())
    assert "truncated" in import_error(data[: len(data) // 2])


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_refuses_a_corrupt_file(where: float) -> None:
    data = bytearray(make_order_pdf_fpdf(sample_order()))
    middle = int(len(data) * where)
    data[middle : middle + 400] = b"\x00garbage\xff" * 40
    assert "damaged" in import_error(bytes(data))


def test_refuses_a_scanned_image_with_no_text_layer() -> None:
    message = import_error(make_image_only_pdf(), "scan.pdf")
    assert message == (
        "scan.pdf has no text layer — it looks like a scanned image. Enter its lines by hand under New entry."
    )


def test_refuses_a_file_over_fifty_pages() -> None:
    assert "51 pages" in import_error(make_text_pdf(["Order #: SO-1"], pages=51))


def test_refuses_a_pdf_without_an_order_number() -> None:
    data = make_text_pdf(["Dear customer,", "thank you for your business.", "Kind regards"])
    assert "no order number" in import_error(data)


@pytest.mark.parametrize("writer", WRITER_NAMES)
def test_refuses_an_order_without_a_line_table(writer: str) -> None:
    data = make(writer, sample_order(table=False))
    assert "no line table" in import_error(data)


@pytest.mark.parametrize(
    ("writer", "ruled", "quantity", "problem"),
    [
        *[(name, ruled, None, "has no quantity") for name in WRITER_NAMES for ruled in (True, False)],
        ("reportlab", False, "ten", "not a whole number"),
        ("fpdf", True, "ten", "not a whole number"),
        ("reportlab", True, "0", "quantity 0"),
        ("fpdf", False, "0", "quantity 0"),
    ],
)
def test_refuses_a_line_with_a_bad_quantity(writer: str, ruled: bool, quantity: Any, problem: str) -> None:
    order = sample_order(lines=many_lines(5))
    order["lines"][4]["quantity"] = quantity
    data = make(writer, order, ruled=ruled, lines_per_page=3)

    message = import_error(data)

    assert problem in message
    assert "page 2" in message
    assert "SKU 211804SPT" in message


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=2000),
    prefix=st.sampled_from([b"", b"%PDF-1.4\n", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<"]),
    ending=st.sampled_from([b"", b"\n%%EOF\n", b"\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF"]),
)
def test_random_bytes_only_ever_raise_pdf_import_error(body: bytes, prefix: bytes, ending: bytes) -> None:
    with pytest.raises(PdfImportError):
        parse_sales_order_pdf(prefix + body + ending, "random.pdf")


_VALID_PDF = make_order_pdf_fpdf(sample_order(), ruled=False)


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    damage=st.lists(
        st.tuples(st.integers(0, len(_VALID_PDF) - 1), st.binary(min_size=1, max_size=8)), max_size=6
    )
)
def test_a_damaged_order_either_parses_or_raises_pdf_import_error(damage: list[tuple[int, bytes]]) -> None:
    data = bytearray(_VALID_PDF)
    for where, junk in damage:
        data[where : where + len(junk)] = junk
    try:
        result = parse_sales_order_pdf(bytes(data), "damaged.pdf")
    except PdfImportError:
        return
    assert all(order.lines for order in result.orders)
