"""The sales-order PDF parser, fed PDFs that reportlab and fpdf2 write during the test. No database: what it reads."""

from __future__ import annotations

import datetime
import hashlib
import io

import pdfplumber
import pytest

from distribution.imports.pdf import (
    parse_sales_order_pdf,
)
from tests.distribution.pdf_parser.support import (
    BOTH_WRITERS_BOTH_TABLES,
    LONG_DESCRIPTION,
    WRITER_NAMES,
    expected_order,
    make,
    many_lines,
)
from tests.distribution.pdf_samples import (
    make_order_pdf_fpdf,
    make_order_pdf_reportlab,
    make_packing_slip_canvas,
    sample_order,
)


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
