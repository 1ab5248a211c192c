"""Glue between the ORM-free parsers and the import service: parsed rows → ImportLine."""

from __future__ import annotations

import dataclasses
import operator
from dataclasses import dataclass, field

from django.db.models import Value
from django.db.models.functions import Concat, Lower

from distribution.imports.csv_file import CsvRow
from distribution.imports.pdf import PdfParseResult
from distribution.services import ImportLine
from silqeqms.models import User

_LINE_FIELDS = [f.name for f in dataclasses.fields(ImportLine)]
_DEFUSED_PREFIXES = ("'=", "'+", "'-", "'@")


def _undefuse(value):
    """Our own exports prefix formula-like cells with a quote; take it off again so export → import round-trips."""
    if isinstance(value, str) and value.startswith(_DEFUSED_PREFIXES):
        return value[1:]
    return value


def csv_rows_to_lines(rows: list[CsvRow]) -> list[ImportLine]:
    values_of = operator.attrgetter(*_LINE_FIELDS)  # ImportLine's fields, in order
    return [ImportLine(*[v[1:] if type(v) is str and v.startswith(_DEFUSED_PREFIXES) else v  # _undefuse, inlined
                         for v in values_of(row)]) for row in rows]


@dataclass
class PdfFilePlan:
    """What one PDF will import: its lines, and what the reader was unsure about."""

    file_name: str
    sha256: str
    result: PdfParseResult | None
    lines: list[ImportLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    already_imported: str = ""  # when this exact file was imported before
    data: bytes = field(default=b"", repr=False)


def _rep_lookup(names: set[str]) -> dict[str, str]:
    """Printed rep (username, e-mail or "First Last") → username, case-insensitively, in one query."""
    wanted = {n.strip().lower() for n in names if n.strip()}
    if not wanted:
        return {}
    found: dict[str, str] = {}
    users = User.objects.annotate(
        u=Lower("username"), e=Lower("email"), full=Lower(Concat("first_name", Value(" "), "last_name")),
    ).filter(is_active=True)
    for user in users.filter(u__in=wanted) | users.filter(e__in=wanted) | users.filter(full__in=wanted):
        for key in (user.u, user.e, user.full):
            if key in wanted:
                found[key] = user.username
    return found


def pdf_result_to_lines(result: PdfParseResult) -> tuple[list[ImportLine], list[str]]:
    """One ImportLine per order line; a rep that matches no user is left blank with a warning."""
    reps = _rep_lookup({order.rep for order in result.orders})
    lines: list[ImportLine] = []
    warnings: list[str] = []
    for order in result.orders:
        warnings += [f"Order {order.order_number}: {w}" for w in order.warnings]
        rep = reps.get(order.rep.strip().lower(), "") if order.rep else ""
        if order.rep and not rep:
            warnings.append(f"Order {order.order_number}: sales rep “{order.rep}” matches no user; left blank")
        if order.ship_date is None:
            warnings.append(f"Order {order.order_number}: no ship date found, so it cannot be imported")
            continue
        for pdf_line in order.lines:
            lines.append(ImportLine(
                line=len(lines) + 1, ship_date=order.ship_date, order_number=order.order_number,
                facility_name=order.facility_name, address1=order.address1, address2=order.address2,
                city=order.city, state=order.state, postal_code=order.postal_code, country=order.country,
                sku=pdf_line.sku, quantity=pdf_line.quantity, lot_number=pdf_line.lot_number, rep=rep,
                notes=f"PDF page {pdf_line.page}: {pdf_line.description}"[:2000] if pdf_line.description else "",
            ))
    return lines, warnings
