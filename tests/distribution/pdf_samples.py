"""Sales-order PDFs generated inside the tests, with two unrelated writers.

reportlab (platypus tables, a two-column header) and fpdf2 (cells and `table()`, a label/value
header) build their PDFs differently: fonts, text operators, table ruling and word spacing all
differ. Reading both keeps the parser honest about layout instead of about one generator.
Nothing here is checked in as a binary fixture; every test builds the exact file it needs.
"""

from __future__ import annotations

import datetime
import io
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fpdf import FPDF
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

Order = dict[str, Any]

DEFAULT_COLUMNS: tuple[str, ...] = ("sku", "description", "lot", "quantity")

DEFAULT_LABELS: dict[str, str] = {
    "title": "SALES ORDER",
    "order_number": "Order #",
    "ship_date": "Ship Date",
    "ship_to": "Ship To",
    "rep": "Sales Rep",
    "sku": "SKU",
    "description": "Description",
    "lot": "Lot",
    "quantity": "Qty",
}


def sample_order(**overrides: Any) -> Order:
    """A realistic order; tests override only what they are about."""
    order: Order = {
        "order_number": "SO-1001",
        "ship_date": datetime.date(2026, 3, 5),
        "facility_name": "Mercy General Hospital",
        "address1": "4001 J Street",
        "address2": "Receiving Dock B",
        "city": "Sacramento",
        "state": "CA",
        "postal_code": "95819",
        "country": "USA",
        "rep": "Jane Smith",
        "extra_header": [],
        "lines": [
            {
                "sku": "211810SPT",
                "description": "Silver foam dressing 10x10 cm",
                "lot": "L2026-0142",
                "quantity": 12,
            },
            {
                "sku": "211820SPT",
                "description": "Silver foam dressing 20x20 cm",
                "lot": "L2026-0155",
                "quantity": 4,
            },
            {"sku": "300100", "description": "Wound gel 50 g", "lot": "B77-301", "quantity": 30},
        ],
    }
    order.update(overrides)
    return order


def address_lines(order: Order) -> list[str]:
    """The ship-to block as printed: facility, street lines, 'City, ST 12345', optional country."""
    lines = [order["facility_name"], order["address1"]]
    if order.get("address2"):
        lines.append(order["address2"])
    city_line = order.get("city_line") or f"{order['city']}, {order['state']} {order['postal_code']}"
    lines.append(city_line)
    if order.get("country"):
        lines.append(order["country"])
    return lines


def header_fields(order: Order, labels: Mapping[str, str], date_format: str) -> list[tuple[str, str]]:
    """The labelled header fields in print order; extra fields ("Date", "PO #") come before the ship date."""
    fields: list[tuple[str, str]] = [(labels["order_number"], order["order_number"])]
    fields.extend(order.get("extra_header", []))
    if order.get("ship_date") is not None:
        fields.append((labels["ship_date"], order["ship_date"].strftime(date_format)))
    if order.get("rep"):
        fields.append((labels["rep"], order["rep"]))
    return fields


def _labels(overrides: Mapping[str, str] | None) -> dict[str, str]:
    return {**DEFAULT_LABELS, **(overrides or {})}


def _chunks(lines: Sequence[dict[str, Any]], size: int | None) -> list[Sequence[dict[str, Any]]]:
    if not size:
        return [lines]
    return [lines[i : i + size] for i in range(0, len(lines), size)] or [lines]


def _cell_text(line: Mapping[str, Any], column: str) -> str:
    value = line.get(column)
    return "" if value is None else str(value)


def _total_units(lines: Iterable[Mapping[str, Any]]) -> int | None:
    quantities = [line.get("quantity") for line in lines]
    if all(isinstance(q, int) for q in quantities):
        return sum(quantities)  # type: ignore[arg-type]
    return None  # bad-input tests print odd quantities; a total would be meaningless


# --- reportlab -------------------------------------------------------------------------------------

_RL_WIDTHS = {"sku": 1.1 * inch, "description": 3.2 * inch, "lot": 1.3 * inch, "quantity": 0.6 * inch}
_RL_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=11)
_RL_TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=16, leading=20)


def _rl_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rl_block(label: str, lines: Iterable[str]) -> list[Paragraph]:
    return [Paragraph(f"<b>{_rl_escape(label)}:</b>", _RL_BODY)] + [
        Paragraph(_rl_escape(text), _RL_BODY) for text in lines
    ]


def _rl_header(order: Order, labels: Mapping[str, str], date_format: str) -> list[Any]:
    # Side by side on purpose: "Ship To:" sits on the same baseline as "Order #: ..." (and as
    # "Bill To:" when there is one), so the parser has to keep the columns apart.
    ship_to = _rl_block(labels["ship_to"], address_lines(order))
    fields = [
        Paragraph(f"<b>{_rl_escape(label)}:</b> {_rl_escape(value)}", _RL_BODY)
        for label, value in header_fields(order, labels, date_format)
    ]
    if order.get("bill_to"):
        cells = [_rl_block("Bill To", order["bill_to"]), ship_to, fields]
        block = Table([cells], colWidths=[2.3 * inch, 2.3 * inch, 2.7 * inch])
    else:
        block = Table([[ship_to, fields]], colWidths=[3.4 * inch, 3.4 * inch])
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [Paragraph(_rl_escape(labels["title"]), _RL_TITLE), Spacer(1, 8), block, Spacer(1, 14)]


def _rl_table(
    lines: Sequence[dict[str, Any]],
    columns: Sequence[str],
    labels: Mapping[str, str],
    *,
    ruled: bool,
    with_header: bool,
    valign: str,
) -> Table:
    rows: list[list[Any]] = []
    if with_header:
        rows.append([labels.get(column, column.upper()) for column in columns])
    for line in lines:
        rows.append(
            [
                Paragraph(_rl_escape(_cell_text(line, c)), _RL_BODY)
                if c == "description"
                else _cell_text(line, c)
                for c in columns
            ]
        )
    table = Table(rows, colWidths=[_RL_WIDTHS.get(c, 0.5 * inch) for c in columns], hAlign="LEFT")
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
        ("VALIGN", (0, 0), (-1, -1), valign),
    ]
    if with_header:
        style.append(("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9))
    qty = columns.index("quantity") if "quantity" in columns else None
    if qty is not None:
        style.append(("ALIGN", (qty, 0), (qty, -1), "RIGHT"))
    if ruled:
        style.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
    elif with_header:
        # One rule under the header only: pdfplumber sees no cells in that, just like a real
        # "unruled" invoice.
        style.append(("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black))
    table.setStyle(TableStyle(style))
    return table


def _rl_story(
    order: Order,
    *,
    ruled: bool,
    columns: Sequence[str],
    labels: Mapping[str, str],
    date_format: str,
    lines_per_page: int | None,
    repeat_table_header: bool,
    repeat_order_header: bool,
    valign: str,
) -> list[Any]:
    story: list[Any] = []
    chunks = _chunks(order["lines"], lines_per_page)
    for index, chunk in enumerate(chunks):
        if index == 0 or repeat_order_header:
            story += _rl_header(order, labels, date_format)
        if order.get("table", True):
            with_header = index == 0 or repeat_table_header
            story.append(
                _rl_table(chunk, columns, labels, ruled=ruled, with_header=with_header, valign=valign)
            )
        if index < len(chunks) - 1:
            story.append(PageBreak())
    total = _total_units(order["lines"])
    if total is not None and order.get("table", True):
        story += [Spacer(1, 18), Paragraph(f"Total units: {total}", _RL_BODY)]
    return story


def _rl_page_footer(pdf_canvas: canvas.Canvas, doc: SimpleDocTemplate) -> None:
    pdf_canvas.setFont("Helvetica", 8)
    pdf_canvas.drawCentredString(letter[0] / 2, 0.45 * inch, f"Page {doc.page}")


def make_orders_pdf_reportlab(
    orders: Sequence[Order],
    *,
    ruled: bool = True,
    column_order: Sequence[str] = DEFAULT_COLUMNS,
    labels: Mapping[str, str] | None = None,
    date_format: str = "%Y-%m-%d",
    lines_per_page: int | None = None,
    repeat_table_header: bool = True,
    repeat_order_header: bool = False,
    encrypt: str | None = None,
    valign: str = "TOP",
    cover_page: str | None = None,
) -> bytes:
    """Several orders in one file, each starting on a new page (reportlab platypus).

    Options: `ruled` (grid or just a rule under the header), `column_order` (any order; names
    other than sku/description/lot/quantity print `line[name]`), `labels` (override any label),
    `date_format`, `lines_per_page` with `repeat_table_header` / `repeat_order_header` for orders
    that run over pages, `encrypt` (a user password), `valign` (TOP, MIDDLE or BOTTOM cells).
    `cover_page` prints a page of plain text before the first order.
    An order may carry `bill_to` (lines printed beside the ship-to block) and `table=False`.
    """
    merged = _labels(labels)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        leftMargin=0.6 * inch,
        rightMargin=0.6 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.8 * inch,
        encrypt=encrypt,
        title="Sales order",
    )
    story: list[Any] = []
    if cover_page:
        story += [Paragraph(_rl_escape(cover_page), _RL_BODY), PageBreak()]
    for index, order in enumerate(orders):
        if index:
            story.append(PageBreak())
        story += _rl_story(
            order,
            ruled=ruled,
            columns=column_order,
            labels=merged,
            date_format=date_format,
            lines_per_page=lines_per_page,
            repeat_table_header=repeat_table_header,
            repeat_order_header=repeat_order_header,
            valign=valign,
        )
    doc.build(story, onFirstPage=_rl_page_footer, onLaterPages=_rl_page_footer)
    return buffer.getvalue()


def make_order_pdf_reportlab(order: Order, *, ruled: bool = True, **options: Any) -> bytes:
    """One order (see make_orders_pdf_reportlab for the options)."""
    return make_orders_pdf_reportlab([order], ruled=ruled, **options)


# --- fpdf2 -----------------------------------------------------------------------------------------

_FPDF_WIDTHS = {"sku": 28, "description": 82, "lot": 34, "quantity": 16}  # millimetres
_FPDF_ALIGN = {"sku": "LEFT", "description": "LEFT", "lot": "LEFT", "quantity": "RIGHT"}


class _FooteredFPDF(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.cell(0, 5, f"Page {self.page_no()}", align="C")


def _fpdf_header(pdf: FPDF, order: Order, labels: Mapping[str, str], date_format: str) -> None:
    # One column of "Label:" cells with values at a fixed tab stop, unlike the reportlab layout.
    pdf.set_font("helvetica", "B", 15)
    pdf.cell(0, 9, labels["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in header_fields(order, labels, date_format):
        pdf.set_font("helvetica", "B", 10)
        pdf.cell(38, 5.5, f"{label}:")
        pdf.set_font("helvetica", "", 10)
        pdf.cell(0, 5.5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("helvetica", "B", 10)
    inline = order.get("ship_to_style") == "inline"
    # "tabbed": the block sits at the value tab stop; "inline": "Ship To: <facility>" as running
    # text, the rest of the address flush left under the label.
    pdf.cell(0 if inline else 38, 5.5, f"{labels['ship_to']}:" + (" " if inline else ""))
    pdf.set_font("helvetica", "", 10)
    for index, text in enumerate(address_lines(order)):
        if index and not inline:
            pdf.set_x(pdf.l_margin + 38)
        if index == 0 and inline:
            pdf.set_x(pdf.l_margin + pdf.get_string_width(f"{labels['ship_to']}: ") + 2 * pdf.c_margin)
        pdf.cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(7)


def _fpdf_table(
    pdf: FPDF,
    lines: Sequence[dict[str, Any]],
    columns: Sequence[str],
    labels: Mapping[str, str],
    *,
    ruled: bool,
    with_header: bool,
    total: int | None,
    valign: str,
) -> None:
    pdf.set_font("helvetica", "", 9)
    widths = [_FPDF_WIDTHS.get(c, 12) for c in columns]
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        v_align=valign,
        text_align=[_FPDF_ALIGN.get(c, "LEFT") for c in columns],
        borders_layout="ALL" if ruled else "NONE",
        first_row_as_headings=with_header,
        line_height=4.5,
    ) as table:
        if with_header:
            row = table.row()
            for column in columns:
                row.cell(labels.get(column, column.upper()))
        for line in lines:
            row = table.row()
            for column in columns:
                row.cell(_cell_text(line, column))
        if total is not None:
            # A totals row inside the table: the parser must stop there, not read a line.
            row = table.row()
            for column in columns:
                row.cell({"description": "Total units", "quantity": str(total)}.get(column, ""))


def make_orders_pdf_fpdf(
    orders: Sequence[Order],
    *,
    ruled: bool = True,
    column_order: Sequence[str] = DEFAULT_COLUMNS,
    labels: Mapping[str, str] | None = None,
    date_format: str = "%Y-%m-%d",
    lines_per_page: int | None = None,
    repeat_table_header: bool = True,
    repeat_order_header: bool = False,
    encrypt: str | None = None,
    valign: str = "MIDDLE",
) -> bytes:
    """Several orders in one file, each starting on a new page (fpdf2; same options as reportlab's).

    fpdf2 centres table cells vertically by default, so `valign` defaults to MIDDLE here.
    """
    merged = _labels(labels)
    pdf = _FooteredFPDF(format="letter")
    pdf.set_auto_page_break(True, margin=18)
    if encrypt:
        pdf.set_encryption(owner_password="owner-" + encrypt, user_password=encrypt)
    for order in orders:
        chunks = _chunks(order["lines"], lines_per_page)
        for index, chunk in enumerate(chunks):
            pdf.add_page()
            if index == 0 or repeat_order_header:
                _fpdf_header(pdf, order, merged, date_format)
            if not order.get("table", True):
                continue
            last = index == len(chunks) - 1
            _fpdf_table(
                pdf,
                chunk,
                column_order,
                merged,
                ruled=ruled,
                with_header=index == 0 or repeat_table_header,
                total=_total_units(order["lines"]) if last else None,
                valign=valign,
            )
    return bytes(pdf.output())


def make_order_pdf_fpdf(order: Order, *, ruled: bool = True, **options: Any) -> bytes:
    """One order (see make_orders_pdf_fpdf for the options)."""
    return make_orders_pdf_fpdf([order], ruled=ruled, **options)


WRITERS = {"reportlab": make_orders_pdf_reportlab, "fpdf": make_orders_pdf_fpdf}


# --- odd files for the bad-input tests ---------------------------------------------------------------


def make_text_pdf(paragraphs: Sequence[str], *, pages: int = 1) -> bytes:
    """Plain text pages with no order on them (a letter, a cover sheet, a 51-page file)."""
    buffer = io.BytesIO()
    pdf_canvas = canvas.Canvas(buffer, pagesize=letter)
    for page in range(pages):
        pdf_canvas.setFont("Helvetica", 11)
        y = letter[1] - inch
        for text in paragraphs:
            pdf_canvas.drawString(inch, y, text)
            y -= 16
        pdf_canvas.drawString(inch, 0.5 * inch, f"Page {page + 1}")
        pdf_canvas.showPage()
    pdf_canvas.save()
    return buffer.getvalue()


def make_image_only_pdf() -> bytes:
    """A 'scan': one page holding a picture and not a single character of text."""
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    picture = Image.new("L", (600, 800), color=255)
    draw = ImageDraw.Draw(picture)
    for y in range(80, 700, 40):
        draw.rectangle((60, y, 540, y + 12), fill=40)  # lines of "text" that are only pixels
    buffer = io.BytesIO()
    pdf_canvas = canvas.Canvas(buffer, pagesize=letter)
    pdf_canvas.drawImage(ImageReader(picture), 0.5 * inch, 0.5 * inch, width=7.5 * inch, height=10 * inch)
    pdf_canvas.showPage()
    pdf_canvas.save()
    return buffer.getvalue()


def make_packing_slip_canvas(order: Order) -> bytes:
    """A hand-laid reportlab canvas page, unlike both table writers above.

    Labels stacked above their values ("SO #" over "A77812"), a Bill To block beside the Ship To
    block, centred column headings over left-aligned values, extra Line and UOM columns,
    right-aligned quantities with thousands separators, and a Notes line under the table.
    """
    buffer = io.BytesIO()
    pdf_canvas = canvas.Canvas(buffer, pagesize=letter)
    top = letter[1]
    pdf_canvas.setFont("Helvetica-Bold", 18)
    pdf_canvas.drawString(40, top - 50, "ACME MEDICAL — PACKING SLIP")
    stacked = [(40, "SO #", order["order_number"]), (160, "Date", order["ship_date"].strftime("%b. %-d, %Y"))]
    stacked.append((280, "Rep", order["rep"]))
    for x, label, value in stacked:
        pdf_canvas.setFont("Helvetica-Bold", 8)
        pdf_canvas.drawString(x, top - 80, label)
        pdf_canvas.setFont("Helvetica", 10)
        pdf_canvas.drawString(x, top - 92, value)
    pdf_canvas.setFont("Helvetica-Bold", 9)
    pdf_canvas.drawString(40, top - 120, "Bill To:")
    pdf_canvas.drawString(300, top - 120, "Ship To:")
    pdf_canvas.setFont("Helvetica", 9)
    for index, text in enumerate(
        order.get("bill_to") or ["Accounts Payable", "PO Box 1", "Boston, MA 02110"]
    ):
        pdf_canvas.drawString(40, top - 132 - 11 * index, text)
    for index, text in enumerate(address_lines(order)):
        pdf_canvas.drawString(300, top - 132 - 11 * index, text)
    headings = [("Line", 40, 70), ("Item #", 70, 150), ("Item Description", 150, 350), ("Batch", 350, 440)]
    headings += [("UOM", 440, 480), ("Qty Shipped", 480, 560)]
    y = top - 220
    pdf_canvas.setFont("Helvetica-Bold", 9)
    for label, x0, x1 in headings:
        pdf_canvas.drawCentredString((x0 + x1) / 2, y, label)
    pdf_canvas.line(40, y - 4, 560, y - 4)
    pdf_canvas.setFont("Helvetica", 9)
    for number, line in enumerate(order["lines"], start=1):
        y -= 14
        pdf_canvas.drawRightString(60, y, str(number))
        pdf_canvas.drawString(72, y, line["sku"])
        pdf_canvas.drawString(152, y, line["description"])
        pdf_canvas.drawString(352, y, line["lot"])
        pdf_canvas.drawString(445, y, "EA")
        pdf_canvas.drawRightString(555, y, f"{line['quantity']:,}")
    pdf_canvas.drawString(40, y - 20, "Notes: deliver to loading dock 3, ring the bell")
    pdf_canvas.drawCentredString(300, 30, "Page 1 of 1")
    pdf_canvas.showPage()
    pdf_canvas.save()
    return buffer.getvalue()


def make_decompression_bomb_pdf(megabytes: int) -> bytes:
    """A small, valid PDF whose one content stream inflates to `megabytes` MB of spaces."""
    compressor = zlib.compressobj(1)
    chunk = b" " * (1 << 20)
    stream = b"".join([*(compressor.compress(chunk) for _ in range(megabytes)), compressor.flush()])
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
