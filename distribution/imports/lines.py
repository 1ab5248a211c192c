"""The row every import source becomes (CSV, PDF), and the one place such a row is checked against what
the entry model accepts. Parsers check what only they can (encoding, header, types); limits that come
from the model (lengths, the quantity bound, the ship-date range) are checked here, once."""

from __future__ import annotations

import datetime
import operator
from dataclasses import dataclass, fields

from distribution.fields import MAX_QUANTITY, NOTES_MAX_LENGTH, TEXT_LIMITS, expiry_problem, ship_date_problem


@dataclass
class ImportLine:
    """One row to import, already parsed — plain values, the rep as text (username, e-mail or name)."""

    line: int
    ship_date: datetime.date
    order_number: str
    facility_name: str
    sku: str
    quantity: int
    lot_number: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    udi_di: str = ""
    rep: str = ""
    notes: str = ""
    # The label's other production identifiers (GS1 AI 17 and 21); from their columns or a `udi` column.
    expiry_date: datetime.date | None = None
    serial_number: str = ""


LINE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ImportLine))


@dataclass(frozen=True)
class LineProblem:
    """Why a line cannot be imported, naming the line, the column and the value."""

    line: int
    column: str  # "" for a problem of the whole line
    value: str
    message: str

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 60 else self.value[:57] + "…"
        if not self.column:
            return f"Line {self.line}: {self.message}"
        if not self.value:
            return f"Line {self.line}, {self.column}: {self.message}"
        return f"Line {self.line}, {self.column} '{value}': {self.message}"


# Every text limit that applies to a line's own fields (rep is resolved to a user, not stored as text).
_LIMITS = {**{name: limit for name, limit in TEXT_LIMITS.items() if name in LINE_FIELDS}, "notes": NOTES_MAX_LENGTH}
_LIMITED_VALUES = operator.attrgetter(*_LIMITS)
_REQUIRED = ("order_number", "facility_name", "sku")


def line_problems(row: ImportLine, latest: datetime.date | None = None) -> list[LineProblem]:
    """What the entry model would refuse, checked cheaply per row (a full_clean() per row costs more than
    the insert). `latest`: tomorrow, when the caller checks many rows at once."""
    problems = [
        LineProblem(row.line, name, value, f"is longer than {limit:,} characters ({len(value):,})")
        for (name, limit), value in zip(_LIMITS.items(), _LIMITED_VALUES(row), strict=True)
        if len(value or "") > limit
    ]
    problems += [LineProblem(row.line, name, "", _required(row, name))
                 for name in _REQUIRED if not (getattr(row, name) or "").strip()]
    if not isinstance(row.quantity, int) or not 1 <= row.quantity <= MAX_QUANTITY:
        problems.append(LineProblem(row.line, "quantity", str(row.quantity),
                                    f"must be a whole number from 1 to {MAX_QUANTITY:,}"))
    date_problem = ship_date_problem(row.ship_date, latest=latest)
    if date_problem:
        problems.append(LineProblem(row.line, "ship_date", row.ship_date.isoformat(), date_problem))
    if row.expiry_date is not None:
        expiry = expiry_problem(row.ship_date, row.expiry_date)
        if expiry:
            problems.append(LineProblem(row.line, "expiry_date", row.expiry_date.isoformat(), expiry))
    return problems


def _required(row: ImportLine, name: str) -> str:
    if name == "sku" and row.udi_di:  # the SKU of a line with a UDI-DI comes from the catalogue (rows.py)
        return (f"is required: the UDI-DI {row.udi_di} is no product's GTIN (add the GTIN to the product "
                "catalogue, or fill the sku column)")
    return "is required"
