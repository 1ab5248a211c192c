"""The preview of an import: each line's customer, rep, problems, and whether it is already in the log.

Planning writes nothing. The import itself (writer.import_entries) plans again inside its transaction,
so what is written is decided by the same rules the person saw in the preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from customers.keys import canonical_customer_key
from customers.models import Customer
from customers.selectors import customers_for_keys
from distribution.fields import latest_ship_date
from distribution.imports.lines import ImportLine, LineProblem, line_problems
from distribution.imports.reps import rep_key, resolve_reps
from distribution.models import DistributionLogEntry, Status
from silqeqms.models import User


@dataclass
class PlannedLine:
    row: ImportLine
    customer: Customer | None
    customer_key: str
    rep: User | None
    duplicate_of: int | None = None
    repeats_line: int | None = None  # the earlier line of the same file this one repeats exactly
    problems: list[LineProblem] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.problems:
            return "error"
        if self.duplicate_of:
            return "duplicate"
        return "new" if self.row.lot_number else "needs_review"


@dataclass
class ImportPlan:
    lines: list[PlannedLine]

    @property
    def problems(self) -> list[LineProblem]:
        """Every problem of every line, in line order."""
        return [problem for p in self.lines for problem in p.problems]

    @property
    def errors(self) -> list[str]:
        return [str(problem) for problem in self.problems]

    @property
    def to_create(self) -> list[PlannedLine]:
        return [p for p in self.lines if p.status in ("new", "needs_review")]

    @property
    def duplicates(self) -> list[PlannedLine]:
        return [p for p in self.lines if p.status == "duplicate"]

    @property
    def repeats(self) -> list[PlannedLine]:
        """Lines to import that repeat an earlier line of the same file exactly: imported too (two equal
        lines can be two shipments), but shown so that a copy-and-paste slip is caught in the preview."""
        return [p for p in self.to_create if p.repeats_line]

    @property
    def new_customer_keys(self) -> set[str]:
        return {p.customer_key for p in self.lines if p.customer is None and not p.problems}


def _duplicate_key(ship_date, order_number, customer_ref, sku, lot, quantity) -> tuple:
    return (ship_date, order_number, customer_ref, sku, lot or "", int(quantity))


def plan_import(rows: Sequence[ImportLine], *, unknown_rep_is_error: bool = True) -> ImportPlan:
    """Resolve customers and reps and find duplicates, without writing anything (the preview).
    A rep that matches no user is a problem of the line, unless the source says it is not
    (`unknown_rep_is_error=False`: the PDF reader has already blanked it with a warning)."""
    planned: list[PlannedLine] = []
    keys: dict[int, str] = {}
    key_of_name: dict[str, str | ValidationError] = {}  # a file names the same facilities many times
    for row in rows:
        name = row.facility_name
        if name not in key_of_name:
            try:
                key_of_name[name] = canonical_customer_key(name)
            except ValidationError as exc:
                key_of_name[name] = exc
        key = key_of_name[name]
        if isinstance(key, ValidationError):
            planned.append(PlannedLine(row=row, customer=None, customer_key="", rep=None, problems=[
                LineProblem(row.line, "facility_name", name, key.messages[0])]))
        else:
            keys[row.line] = key
    customers = customers_for_keys(set(keys.values()))
    reps = resolve_reps({row.rep for row in rows if row.rep})
    latest = latest_ship_date()
    for row in rows:
        if row.line not in keys:
            continue
        rep = reps.get(rep_key(row.rep)) if row.rep else None
        line = PlannedLine(row=row, customer=customers.get(keys[row.line]), customer_key=keys[row.line], rep=rep)
        if row.rep and rep is None and unknown_rep_is_error:
            line.problems.append(LineProblem(row.line, "rep", row.rep,
                                             "matches no user (give a username, e-mail or full name)"))
        line.problems += line_problems(row, latest)
        planned.append(line)
    planned.sort(key=lambda p: p.row.line)
    _find_duplicates(planned)
    return ImportPlan(lines=planned)


def _find_duplicates(planned: list[PlannedLine]) -> None:
    """A line equal to a live entry on (date, order, customer, SKU, lot, quantity) is already in the log;
    a line equal to an earlier line of the same file is marked as its repeat."""
    existing: dict[tuple, int] = {}
    numbers = sorted({p.row.order_number for p in planned})
    for i in range(0, len(numbers), 1000):
        chunk = numbers[i:i + 1000]
        for e in (DistributionLogEntry.objects.exclude(status=Status.VOIDED).filter(order_number__in=chunk)
                  .values("id", "ship_date", "order_number", "customer__company_key", "facility_name", "sku",
                          "lot_number", "quantity").iterator(chunk_size=5000)):
            ref = e["customer__company_key"] or canonical_customer_key(e["facility_name"])
            existing[_duplicate_key(e["ship_date"], e["order_number"], ref, e["sku"], e["lot_number"],
                                    e["quantity"])] = e["id"]
    first_line: dict[tuple, int] = {}
    for p in planned:
        if p.problems:
            continue
        ref = p.customer.company_key if p.customer else p.customer_key
        key = _duplicate_key(p.row.ship_date, p.row.order_number, ref, p.row.sku, p.row.lot_number, p.row.quantity)
        p.duplicate_of = existing.get(key)
        if not p.duplicate_of:
            p.repeats_line = first_line.setdefault(key, p.row.line)
            if p.repeats_line == p.row.line:
                p.repeats_line = None

