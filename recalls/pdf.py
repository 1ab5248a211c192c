"""What every recall PDF shares (letters, status reports, FDA report data): the font, the styles, the page
frame with its footer, tables, and the escaping of recorded text. ORM-free: documents are built from
plain values.

PDFs are written in reportlab's invariant mode (no creation time, a fixed document id), so the same
content is always the same bytes: a stored letter is content-addressed and generating it again finds it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table, TableStyle

# A Unicode TrueType font, embedded, so that any facility name (accents, other scripts) prints and reads
# back as text: DejaVu Sans where the system has it, else the Bitstream Vera that ships with reportlab.
_FONT_CANDIDATES = (
    (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")),
    (Path(reportlab.__file__).parent / "fonts" / "Vera.ttf", Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf"),
)
FONT, FONT_BOLD = "RecallSans", "RecallSans-Bold"


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    regular, bold = next(pair for pair in _FONT_CANDIDATES if pair[0].exists() and pair[1].exists())
    pdfmetrics.registerFont(TTFont(FONT, str(regular)))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(bold)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


_register_fonts()

RED = colors.HexColor("#b00020")
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#999999")
SHADE = colors.HexColor("#eeeeee")

STYLES = {
    "body": ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, spaceAfter=4),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=8, leading=10, textColor=GREY),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10),
    "cell_bold": ParagraphStyle("cell_bold", fontName=FONT_BOLD, fontSize=8, leading=10),
    "h1": ParagraphStyle("h1", fontName=FONT_BOLD, fontSize=16, leading=20, textColor=RED, spaceAfter=4),
    "h2": ParagraphStyle("h2", fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3),
    "banner": ParagraphStyle("banner", fontName=FONT_BOLD, fontSize=11, leading=14, alignment=TA_CENTER,
                             textColor=colors.white, backColor=RED, borderPadding=4, spaceAfter=8),
}


def text(value) -> str:
    """Recorded text made safe for a Paragraph: markup characters escaped, line breaks kept."""
    return escape("" if value is None else str(value)).replace("\r\n", "\n").replace("\n", "<br/>")


def para(value, style: str = "body", *, markup: bool = False) -> Paragraph:
    """A paragraph of recorded text (escaped), or of our own markup when `markup` is set."""
    return Paragraph(value if markup else text(value), STYLES[style])


def table(rows: Sequence[Sequence], widths: Sequence[float], *, header_rows: int = 1, bold_first_column=False,
          style: Sequence[tuple] = ()) -> Table:
    """A ruled table of text cells (each wrapped in its cell); the header repeats on every page."""
    cells = [[cell if isinstance(cell, Flowable) else
              para(cell, "cell_bold" if r < header_rows or (bold_first_column and c == 0) else "cell")
              for c, cell in enumerate(row)] for r, row in enumerate(rows)]
    result = Table(cells, colWidths=widths, repeatRows=header_rows)
    result.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE) if header_rows else ("VALIGN", (0, 0), (0, 0), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        *style,
    ]))
    return result


def key_values(pairs: Iterable[tuple[str, object]], widths: Sequence[float] = (45 * mm, 130 * mm)) -> Table:
    return table([[k, v] for k, v in pairs], widths, header_rows=0, bold_first_column=True)


class Marker(Flowable):
    """Takes no room; when drawn, runs `action(canvas, doc)`: sets the footer of the letter that starts
    here, or reports progress as each letter of a merged PDF is laid out."""

    def __init__(self, action: Callable) -> None:
        super().__init__()
        self.action = action
        self.width = self.height = 0

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self) -> None:
        self.action(self.canv, self.canv._doctemplate)


@dataclass
class Built:
    data: bytes
    pages: int


def build_pdf(story: list, *, title: str, footer: str = "") -> Built:
    """The story laid out on US Letter pages; each page's footer is the document's `footer` (a Marker may
    change it as the story goes) with the page number."""
    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer, pagesize=LETTER, title=title, author="", invariant=True,
                          leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=18 * mm)
    doc.footer_text = footer

    def draw_footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(document.leftMargin, 10 * mm, document.footer_text)
        canvas.drawRightString(LETTER[0] - document.rightMargin, 10 * mm, f"Page {canvas.getPageNumber()}")
        canvas.restoreState()

    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPageEnd=draw_footer)])
    doc.build(story)
    return Built(data=buffer.getvalue(), pages=doc.page)


def set_footer(footer: str) -> Marker:
    def action(canvas, doc) -> None:
        doc.footer_text = footer

    return Marker(action)
