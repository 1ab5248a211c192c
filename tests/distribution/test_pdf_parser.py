"""The sales-order PDF parser, fed PDFs that reportlab and fpdf2 write during the test. No database."""

from __future__ import annotations

import ast
import datetime
import hashlib
import io
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distribution.imports import pdf as pdf_module
from distribution.imports.pdf import (
    MAX_PDF_BYTES,
    PdfImportError,
    PdfLine,
    PdfOrder,
    parse_sales_order_pdf,
    parse_sales_order_pdf_safely,
)
from tests.distribution.pdf_samples import (
    WRITERS,
    make_decompression_bomb_pdf,
    make_image_only_pdf,
    make_order_pdf_fpdf,
    make_order_pdf_reportlab,
    make_packing_slip_canvas,
    make_text_pdf,
    sample_order,
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


# --- what it reads ---------------------------------------------------------------------------------


@BOTH_WRITERS_BOTH_TABLES
def test_reads_every_field_and_every_line_of_an_order(writer: str, ruled: bool) -> None:
    order = sample_order()
    data = make(writer, order, ruled=ruled)

    result = parse_sales_order_pdf(data, "SO-1001.pdf")

    assert result.file_name == "SO-1001.pdf"
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.page_count == 1
    assert result.orders == [expected_order(order)]


@pytest.mark.parametrize("writer", WRITER_NAMES)
def test_reads_an_unruled_table_by_word_positions(writer: str) -> None:
    order = sample_order()
    data = make(writer, order, ruled=False)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert pdf.pages[0].extract_tables() == []  # so the rows can only come from word positions

    assert parse_sales_order_pdf(data, "order.pdf").orders == [expected_order(order)]


@BOTH_WRITERS_BOTH_TABLES
@pytest.mark.parametrize(
    ("repeat_table_header", "repeat_order_header"),
    [(False, False), (True, True), (False, True)],
    ids=["no-header-repeated", "both-repeated", "order-header-only"],
)
def test_reads_a_table_that_continues_on_the_next_page(
    writer: str, ruled: bool, repeat_table_header: bool, repeat_order_header: bool
) -> None:
    lines = many_lines(5)
    lines[3]["description"] = LONG_DESCRIPTION  # the first line on page 2 wraps
    order = sample_order(lines=lines)
    data = make(
        writer,
        order,
        ruled=ruled,
        lines_per_page=3,
        repeat_table_header=repeat_table_header,
        repeat_order_header=repeat_order_header,
    )

    result = parse_sales_order_pdf(data, "order.pdf")

    assert result.page_count == 2
    assert result.orders == [expected_order(order, pages=(1, 2), line_pages=[1, 1, 1, 2, 2])]


@BOTH_WRITERS_BOTH_TABLES
def test_joins_a_wrapped_description_to_its_line(writer: str, ruled: bool) -> None:
    lines = many_lines(4)
    lines[0]["description"] = LONG_DESCRIPTION  # wraps onto several lines at the top of the table
    lines[2]["description"] = "Wound gel 50 g tube with applicator nozzle, single patient use, non-sterile"
    order = sample_order(lines=lines)

    result = parse_sales_order_pdf(make(writer, order, ruled=ruled), "order.pdf")

    assert result.orders == [expected_order(order)]


@pytest.mark.parametrize("writer", WRITER_NAMES)
@pytest.mark.parametrize("valign", ["TOP", "MIDDLE", "BOTTOM"])
def test_joins_wrapped_descriptions_whatever_the_vertical_alignment(writer: str, valign: str) -> None:
    # Centred or bottom-aligned cells print part of a wrapped description above the SKU; only word
    # positions show it (a ruled table hands over whole cells).
    lines = many_lines(5)
    lines[0]["description"] = "Silver foam dressing 10x10 cm, sterile, individually wrapped"
    lines[2]["description"] = LONG_DESCRIPTION
    lines[4]["description"] = LONG_DESCRIPTION + ", latex free"
    order = sample_order(lines=lines)

    result = parse_sales_order_pdf(make(writer, order, ruled=False, valign=valign), "order.pdf")

    assert result.orders == [expected_order(order)]


@pytest.mark.parametrize("writer", WRITER_NAMES)
def test_keeps_a_centred_three_line_description_with_its_own_line(writer: str) -> None:
    # fpdf2 centres cells vertically: the SKU sits on the middle line of a 3-line description,
    # after a row whose description is one short line.
    lines = many_lines(3)
    lines[1]["description"] = LONG_DESCRIPTION + " and cavities, latex free"
    order = sample_order(lines=lines)

    result = parse_sales_order_pdf(make(writer, order, ruled=False), "order.pdf")

    assert result.orders == [expected_order(order)]


@BOTH_WRITERS_BOTH_TABLES
def test_a_line_without_a_lot_reads_as_blank_with_a_warning(writer: str, ruled: bool) -> None:
    order = sample_order()
    order["lines"][1]["lot"] = ""

    result = parse_sales_order_pdf(make(writer, order, ruled=ruled), "order.pdf")

    assert result.orders == [expected_order(order, warnings=["line 2 (SKU 211820SPT): no lot"])]


@pytest.mark.parametrize("writer", WRITER_NAMES)
@pytest.mark.parametrize(
    "labels",
    [
        {"order_number": "Order Number", "ship_date": "Date", "rep": "Rep"},
        {"order_number": "SO", "rep": "Rep"},
        {"order_number": "SO #", "ship_date": "Date"},
        {"order_number": "Order No"},
        {"sku": "Item", "lot": "Lot Number", "quantity": "Quantity"},
        {"sku": "Part #", "lot": "Batch", "quantity": "Qty Shipped"},
        {"lot": "Lot #"},
        {
            "order_number": "Sales Order #",
            "ship_date": "Date Shipped",
            "ship_to": "Ship-To",
            "rep": "Salesperson",
        },
    ],
    ids=lambda labels: "+".join(labels.values()),
)
def test_reads_the_label_variants(writer: str, labels: dict[str, str]) -> None:
    order = sample_order()

    result = parse_sales_order_pdf(make(writer, order, ruled=writer == "fpdf", labels=labels), "order.pdf")

    assert result.orders == [expected_order(order)]


@pytest.mark.parametrize("writer", WRITER_NAMES)
def test_prefers_the_ship_date_when_a_plain_date_is_printed_too(writer: str) -> None:
    order = sample_order(extra_header=[("Date", "2026-02-27")])  # printed above the Ship Date

    result = parse_sales_order_pdf(make(writer, order), "order.pdf")

    assert result.orders[0].ship_date == datetime.date(2026, 3, 5)
    assert result.orders == [expected_order(order)]


def test_takes_an_order_date_as_the_ship_date_only_with_a_warning() -> None:
    order = sample_order(ship_date=None, extra_header=[("Order Date", "2026-03-01")])

    (parsed,) = parse_sales_order_pdf(make_order_pdf_reportlab(order), "order.pdf").orders

    assert parsed.ship_date == datetime.date(2026, 3, 1)
    assert parsed.warnings == ["no ship date printed; the 'Order Date' was taken as the ship date"]


@pytest.mark.parametrize(
    ("writer", "date_format"),
    [
        ("reportlab", "%Y-%m-%d"),
        ("fpdf", "%-m/%-d/%Y"),
        ("reportlab", "%m/%d/%Y"),
        ("fpdf", "%B %-d, %Y"),
        ("reportlab", "%b %-d, %Y"),
        ("fpdf", "%d %B %Y"),
    ],
)
def test_reads_the_date_formats(writer: str, date_format: str) -> None:
    order = sample_order(ship_date=datetime.date(2026, 3, 5))

    result = parse_sales_order_pdf(make(writer, order, date_format=date_format), "order.pdf")

    assert result.orders[0].ship_date == datetime.date(2026, 3, 5)


@BOTH_WRITERS_BOTH_TABLES
def test_reads_columns_in_another_order(writer: str, ruled: bool) -> None:
    order = sample_order()
    order["lines"][0]["description"] = LONG_DESCRIPTION
    data = make(writer, order, ruled=ruled, column_order=("quantity", "lot", "sku", "description"))

    assert parse_sales_order_pdf(data, "order.pdf").orders == [expected_order(order)]


@BOTH_WRITERS_BOTH_TABLES
def test_ignores_columns_it_does_not_read(writer: str, ruled: bool) -> None:
    order = sample_order()
    for number, line in enumerate(order["lines"], start=1):
        line.update(line_no=str(number), uom="BX")
    columns = ("line_no", "sku", "description", "uom", "lot", "quantity")
    data = make(writer, order, ruled=ruled, column_order=columns, labels={"line_no": "#", "uom": "UOM"})

    assert parse_sales_order_pdf(data, "order.pdf").orders == [expected_order(order)]


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "unruled"])
def test_reads_the_ship_to_block_beside_a_bill_to_block(ruled: bool) -> None:
    order = sample_order(bill_to=["Mercy Health Accounts Payable", "PO Box 4410", "Chicago, IL 60680"])

    result = parse_sales_order_pdf(make_order_pdf_reportlab(order, ruled=ruled), "order.pdf")

    assert result.orders == [expected_order(order)]


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "unruled"])
def test_reads_a_ship_to_block_that_runs_on_flush_left_under_its_label(ruled: bool) -> None:
    order = sample_order(
        ship_to_style="inline"
    )  # "Ship To: Mercy General Hospital", then the street below "Ship"

    result = parse_sales_order_pdf(make_order_pdf_fpdf(order, ruled=ruled), "order.pdf")

    assert result.orders == [expected_order(order)]


def test_reads_a_hand_laid_packing_slip_with_centred_headings_and_stacked_labels() -> None:
    lines = many_lines(3)
    lines[0].update(sku="REF-100", quantity=1200)  # printed "1,200", right-aligned under a centred heading
    lines[1].update(sku="REF-2000-LONG", lot="BATCH-99-ABC")
    order = sample_order(order_number="A77812", rep="jdoe@acme.example", lines=lines)

    result = parse_sales_order_pdf(make_packing_slip_canvas(order), "slip.pdf")

    assert result.orders == [expected_order(order)]


@BOTH_WRITERS_BOTH_TABLES
def test_reads_two_orders_in_one_file(writer: str, ruled: bool) -> None:
    first = sample_order(lines=many_lines(5))
    second = sample_order(
        order_number="SO-1002",
        ship_date=datetime.date(2026, 3, 9),
        facility_name="Hôpital Sainte-Anne",
        address1="1 rue Cabanis",
        address2="",
        city="Burlington",
        state="VT",
        postal_code="05401-1234",
        country="",
        rep="bob.jones@silqe.example",
        lines=many_lines(2, start=7),
    )
    data = make(writer, [first, second], ruled=ruled, lines_per_page=3)

    result = parse_sales_order_pdf(data, "two-orders.pdf")

    assert result.page_count == 3
    assert result.orders == [
        expected_order(first, pages=(1, 2), line_pages=[1, 1, 1, 2, 2]),
        expected_order(second, pages=(3, 3)),
    ]


def test_skips_a_cover_page_and_says_so() -> None:
    order = sample_order()
    data = make_order_pdf_reportlab(order, cover_page="Please find our sales order attached. Regards, Acme")

    result = parse_sales_order_pdf(data, "order.pdf")

    assert result.orders == [
        expected_order(order, pages=(2, 2), warnings=["page(s) 1 had no order on them and were skipped"])
    ]


@pytest.mark.parametrize("writer", WRITER_NAMES)
def test_warns_where_the_header_is_incomplete(writer: str) -> None:
    order = sample_order(ship_date=None, rep="", city_line="Sacramento California")

    result = parse_sales_order_pdf(make(writer, order), "order.pdf")

    (parsed,) = result.orders
    assert parsed.ship_date is None
    assert parsed.rep == ""
    assert (parsed.city, parsed.state, parsed.postal_code) == ("", "", "")
    assert parsed.warnings == [
        "no ship date found",
        "no sales rep found",
        "address line 'USA' could not be split into city/state/ZIP",
    ]
    assert len(parsed.lines) == 3


# --- what it refuses -------------------------------------------------------------------------------


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


# --- the separate process --------------------------------------------------------------------------


def test_a_parse_in_a_child_process_gives_the_same_result() -> None:
    data = make_order_pdf_fpdf(sample_order(lines=many_lines(5)), ruled=False, lines_per_page=3)

    assert parse_sales_order_pdf_safely(data, "order.pdf") == parse_sales_order_pdf(data, "order.pdf")


def test_a_child_process_reports_a_bad_file_in_the_same_words() -> None:
    data = make_order_pdf_reportlab(sample_order(), encrypt="secret")

    with pytest.raises(PdfImportError) as caught:
        parse_sales_order_pdf_safely(data, "locked.pdf")

    assert str(caught.value) == import_error(data, "locked.pdf")


def test_a_parse_that_runs_out_of_time_is_stopped() -> None:
    data = make_order_pdf_reportlab(sample_order())

    with pytest.raises(PdfImportError, match=r"order\.pdf took longer than 0\.01 seconds to read"):
        parse_sales_order_pdf_safely(data, "order.pdf", time_limit=0.01)


def test_a_decompression_bomb_is_stopped_by_the_memory_limit() -> None:
    data = make_decompression_bomb_pdf(megabytes=200)  # about 1 MB on disk

    with pytest.raises(PdfImportError, match=r"bomb\.pdf needs more memory to read than is allowed"):
        parse_sales_order_pdf_safely(data, "bomb.pdf", memory_limit_bytes=128 * 1024 * 1024)


def test_a_child_that_cannot_even_start_reading_becomes_an_import_error() -> None:
    data = make_order_pdf_reportlab(sample_order())

    with pytest.raises(PdfImportError, match=r"order\.pdf could not be read"):
        parse_sales_order_pdf_safely(data, "order.pdf", memory_limit_bytes=20 * 1024 * 1024)


PDF_PACKAGE = Path(pdf_module.__file__).parent
CHILD_MODULES = [*sorted(PDF_PACKAGE.glob("*.py")), PDF_PACKAGE.parent / "values.py"]


def test_the_reader_imports_only_itself_and_the_standard_library_by_name() -> None:
    # The child process loads the package by path under another name: an absolute import of
    # distribution (or Django) would fail there, or drag the web app into the sandbox.
    assert PDF_PACKAGE.name == "pdf" and len(CHILD_MODULES) > 5
    for path in CHILD_MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            project = {"django", "distribution", "customers", "silqeqms", "sales_dashboard", "tests"}
            assert not [name for name in names if name.split(".")[0] in project], path.name


def test_the_child_loads_the_reader_without_django_or_the_project() -> None:
    # What the child does, in a process started the same way: parse, then look at what got imported.
    script = (
        "import runpy, sys\n"
        f"reader = runpy.run_path({str(PDF_PACKAGE / '_child.py')!r})['load_reader']()\n"
        "result = reader.parse_sales_order_pdf(sys.stdin.buffer.read(), 'order.pdf')\n"
        "assert result.orders[0].order_number == 'SO-1001', result\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'distribution', 'tests'}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", script],
        input=make_order_pdf_reportlab(sample_order()),
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == b"[]"


def test_a_file_beside_the_reader_named_like_a_standard_module_is_never_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy of distribution/imports/ with traps beside the reader's modules and above them.
    copy = tmp_path / "imports"
    shutil.copytree(PDF_PACKAGE, copy / "pdf", ignore=shutil.ignore_patterns("__pycache__"))
    for path in CHILD_MODULES[-1:] + [PDF_PACKAGE.parent / "__init__.py"]:
        shutil.copy(path, copy / path.name)
    for folder in (tmp_path, copy, copy / "pdf"):
        for name in ("json", "re", "dataclasses", "subprocess", "resource", "pathlib", "sitecustomize"):
            (folder / f"{name}.py").write_text("raise SystemExit('a shadowing module was imported')\n")
    monkeypatch.chdir(copy / "pdf")
    monkeypatch.setattr(pdf_module.sandbox, "CHILD_SCRIPT", str(copy / "pdf" / "_child.py"))
    data = make_order_pdf_fpdf(sample_order(), ruled=False)

    assert parse_sales_order_pdf_safely(data, "order.pdf") == parse_sales_order_pdf(data, "order.pdf")

    # And it is the copy that ran: without its geometry module, the child cannot read anything.
    (copy / "pdf" / "geometry.py").unlink()
    with pytest.raises(PdfImportError, match="the PDF reader stopped unexpectedly"):
        parse_sales_order_pdf_safely(data, "order.pdf")
