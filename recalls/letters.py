"""Recall letters (21 CFR 7.49): one per consignee, or all of them merged into one PDF. ORM-free: a letter
is built from a `Letter` (recalls.selectors.letters_for() reads them), so this module can be tested and
timed without a database.

What 7.49(c) asks of the letter, and where it is: marked urgent and naming the action ("URGENT: MEDICAL
DEVICE RECALL" or "… CORRECTION"); the product identified (SKU, description, UDI-DI, lots, and the
quantities shipped to this consignee with dates and order numbers); the reason and the hazard; what to do;
and a ready means to answer (the response form, carrying the recall number and the consignee's reference).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Spacer

from recalls.pdf import SHADE, Built, Marker, build_pdf, key_values, para, set_footer, table, text

DEFAULT_HAZARD = ("The health hazard evaluation is in progress; we will tell you its outcome. Until then, treat the "
                  "product as described below.")
DEFAULT_INSTRUCTIONS = (
    "1. Stop using and stop distributing the product listed above at once.\n"
    "2. Set aside (quarantine) every unit you still have, clearly marked as recalled.\n"
    "3. If you passed the product on to others, tell them of this recall at once and give them this notice.\n"
    "4. Complete the response form (last page) and return it within 10 days, even if you have none of the "
    "product left. We will tell you how to return or destroy the units.")
RESPONSE_DAYS = 10


@dataclass(frozen=True)
class Firm:
    name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    contact_name: str = ""
    contact_title: str = ""
    registration: str = ""

    @property
    def reach(self) -> str:
        return " · ".join(p for p in (self.phone, self.email) if p)


def firm_from_settings() -> Firm:
    return Firm(name=settings.RECALL_FIRM_NAME, address=settings.RECALL_FIRM_ADDRESS, phone=settings.RECALL_FIRM_PHONE,
                email=settings.RECALL_FIRM_EMAIL, contact_name=settings.RECALL_CONTACT_NAME,
                contact_title=settings.RECALL_CONTACT_TITLE, registration=settings.RECALL_FIRM_REGISTRATION)


@dataclass(frozen=True)
class LetterLine:
    lot_number: str
    sku: str
    description: str
    udi_di: str
    order_number: str
    ship_date: datetime.date
    quantity: int
    shipped_to: str


@dataclass(frozen=True)
class Letter:
    recall_number: str
    reference: str
    kind: str  # recall, correction, removal, mock
    title: str
    reason: str
    health_hazard: str
    instructions: str
    dated: datetime.date
    facility_name: str
    contact_name: str
    addresses: list[str]
    lines: list[LetterLine] = field(default_factory=list)
    firm: Firm = field(default_factory=firm_from_settings)

    @property
    def headline(self) -> str:
        return "URGENT: MEDICAL DEVICE CORRECTION" if self.kind == "correction" else "URGENT: MEDICAL DEVICE RECALL"

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def footer(self) -> str:
        return f"{self.recall_number} · your reference {self.reference} · {self.facility_name}"[:140]


def _product_table(letter: Letter) -> list:
    """Lot, SKU, description, UDI-DI, order, ship date and quantity of each line; when the consignee was
    shipped to more than one address, the lines are grouped under each address as shipped."""
    groups: dict[str, list[LetterLine]] = {}
    for line in letter.lines:
        groups.setdefault(line.shipped_to, []).append(line)
    rows: list[list[str]] = [["Lot", "SKU", "Description", "UDI-DI", "Order", "Shipped", "Qty"]]
    style = []
    for shipped_to, lines in groups.items():
        if len(groups) > 1:
            style += [("SPAN", (0, len(rows)), (-1, len(rows))), ("BACKGROUND", (0, len(rows)), (-1, len(rows)), SHADE)]
            rows.append([f"Shipped to {shipped_to}", "", "", "", "", "", ""])
        rows += [[line.lot_number or "(lot not recorded)", line.sku, line.description, line.udi_di, line.order_number,
                  line.ship_date.isoformat(), str(line.quantity)] for line in lines]
    style.append(("SPAN", (0, len(rows)), (5, len(rows))))
    rows.append(["Total units shipped to you", "", "", "", "", "", str(letter.units)])
    widths = [27 * mm, 26 * mm, 35 * mm, 30 * mm, 26 * mm, 22 * mm, 14 * mm]
    return [table(rows, widths, style=style)]


def _response_form(letter: Letter) -> list:
    firm = letter.firm
    lots = sorted({(line.lot_number, line.sku) for line in letter.lines})
    rows = [["Lot", "SKU", "Qty shipped", "Qty on hand", "Qty returned", "Qty destroyed", "Qty corrected"]]
    shipped: dict[tuple[str, str], int] = {}
    for line in letter.lines:
        shipped[(line.lot_number, line.sku)] = shipped.get((line.lot_number, line.sku), 0) + line.quantity
    rows += [[lot or "(lot not recorded)", sku, str(shipped[(lot, sku)]), "", "", "", ""] for lot, sku in lots]
    return [
        PageBreak(),
        para(f"RESPONSE FORM: {letter.headline}", "h1"),
        para(f"Return within {RESPONSE_DAYS} days, even if you have none of the product left.", "body"),
        key_values([("Recall number", letter.recall_number), ("Your reference", letter.reference),
                    ("Facility", letter.facility_name), ("Return to", f"{firm.name} · {firm.reach}".strip(" ·"))]),
        Spacer(1, 4 * mm),
        table(rows, [26 * mm, 26 * mm, 21 * mm, 21 * mm, 22 * mm, 22 * mm, 22 * mm]),
        Spacer(1, 4 * mm),
        para("[  ] We received this notice and have followed its instructions.<br/>"
             "[  ] We have none of the product listed above.<br/>"
             "[  ] We passed the product on to other facilities and have notified them (list them overleaf).",
             markup=True),
        Spacer(1, 4 * mm),
        key_values([("Name", ""), ("Title", ""), ("Signature", ""), ("Date", ""), ("Phone / e-mail", "")],
                   widths=(40 * mm, 135 * mm)),
    ]


def letter_story(letter: Letter) -> list:
    """The flowables of one letter (its first one sets the page footer to this consignee)."""
    firm = letter.firm
    story = [set_footer(letter.footer)]
    if letter.kind == "mock":
        story.append(para("MOCK RECALL EXERCISE: NO ACTION ON PRODUCT IS REQUIRED", "banner"))
    story += [
        para(firm.name, "h2"),
        para(" · ".join(p for p in (firm.address, firm.reach) if p), "small"),
        Spacer(1, 3 * mm),
        para(letter.headline, "h1"),
        para(letter.title, "h2"),
        key_values([("Date", letter.dated.isoformat()), ("Recall number", letter.recall_number),
                    ("Your reference", letter.reference)]),
        Spacer(1, 3 * mm),
        para(f"<b>To:</b> {text(letter.facility_name)}"
             + (f"<br/>Attn: {text(letter.contact_name)}" if letter.contact_name else "")
             + "".join(f"<br/>{text(address)}" for address in letter.addresses), markup=True),
        Spacer(1, 3 * mm),
        para("Our distribution records show that your facility received the product below, which is subject to this "
             f"{'correction' if letter.kind == 'correction' else 'recall'}. Please read this notice now and act on it."),
        para("Product affected", "h2"),
        *_product_table(letter),
        para("Reason for this action", "h2"),
        para(letter.reason),
        para("Health hazard", "h2"),
        para(letter.health_hazard or DEFAULT_HAZARD),
        para("What you must do", "h2"),
        para(letter.instructions or DEFAULT_INSTRUCTIONS),
        para("Questions", "h2"),
        para(f"Contact {firm.contact_name or firm.name}" + (f", {firm.contact_title}" if firm.contact_title else "")
             + (f" ({firm.reach})" if firm.reach else "") + f", quoting {letter.reference}."),
    ]
    return story + _response_form(letter)


def render_letter(letter: Letter) -> Built:
    return build_pdf(letter_story(letter), title=f"{letter.recall_number} letter {letter.reference}",
                     footer=letter.footer)


def render_merged_letters(letters: Iterable[Letter], *, title: str, on_letter: Callable[[], None] | None = None
                          ) -> Built:
    """Every letter in one PDF, each starting on a new page; `on_letter()` runs as each one is laid out
    (a job's progress)."""
    story: list = []
    for n, letter in enumerate(letters):
        if n:
            story.append(PageBreak())
        story += letter_story(letter)
        if on_letter is not None:
            story.append(Marker(lambda canvas, doc: on_letter()))
    if not story:
        story = [para("This recall has no consignees, so there are no letters.")]
    return build_pdf(story, title=title)
