"""The preview of an import: each line's customer, rep, problems, and whether it is already in the log;
the new customers it would create and the existing customers close to each; the blank customer fields
it could fill; the lines that look like corrections of entries already in the log.

Planning writes nothing. The import itself (writer.import_entries) plans again inside its transaction,
so what is written is decided by the same rules the person saw in the preview, with the person's
answers (imports.decisions) checked against that fresh plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from customers.keys import canonical_customer_key
from customers.matching import Match, similar_customers_for
from customers.models import ADDRESS_FIELDS, Customer
from customers.selectors import customers_for_keys
from distribution.catalogue import check_lines, new_lot_problems
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
    # A live entry with the same order, customer, SKU and lot but another date or quantity: this line may
    # correct it. Skipped unless the person ticks it (import_correction) to import an additional line.
    correction_of: int | None = None
    correction: str = ""  # what differs: "qty 5 → 6"
    import_correction: bool = False
    warnings: list[LineProblem] = field(default_factory=list)  # the catalogue's (an unknown SKU): shown, not refused

    @property
    def status(self) -> str:
        if self.problems:
            return "error"
        if self.duplicate_of:
            return "duplicate"
        if self.correction_of and not self.import_correction:
            return "correction"
        return "new" if self.row.lot_number else "needs_review"


@dataclass
class NewCustomer:
    """A facility the file names that no customer has by key or alias, and the customers close to it."""

    key: str
    facility_name: str  # as its first line spells it; that line's address makes the new customer
    address: dict[str, str]
    lines: list[int]
    similar: list[Match]
    choice: Customer | None = None  # the existing customer a person linked it to (None: create new)
    decided: bool = False


@dataclass
class CustomerFill:
    """A blank field of an existing customer that a line of the file could fill (if the person confirms)."""

    customer: Customer
    customer_key: str  # the key the file's name resolved by (a form field name: A–Z, 0–9)
    field: str
    value: str
    line: int
    confirmed: bool = False

    @property
    def label(self) -> str:
        return Customer._meta.get_field(self.field).verbose_name


@dataclass
class ImportPlan:
    lines: list[PlannedLine]
    new_customers: dict[str, NewCustomer] = field(default_factory=dict)
    fills: list[CustomerFill] = field(default_factory=list)

    @property
    def problems(self) -> list[LineProblem]:
        """Every problem of every line, in line order."""
        return [problem for p in self.lines for problem in p.problems]

    @property
    def errors(self) -> list[str]:
        return [str(problem) for problem in self.problems]

    @property
    def warnings(self) -> list[tuple[str, list[int]]]:
        """The catalogue's warnings of the lines to import, each message once with its lines."""
        lines: dict[str, list[int]] = {}
        for p in self.to_create:
            for warning in p.warnings:
                lines.setdefault(warning.message, []).append(p.row.line)
        return list(lines.items())

    @property
    def to_create(self) -> list[PlannedLine]:
        return [p for p in self.lines if p.status in ("new", "needs_review")]

    @property
    def corrections(self) -> list[PlannedLine]:
        """Lines that may correct an entry already in the log (ticked or not)."""
        return [p for p in self.lines if p.correction_of and not p.problems and not p.duplicate_of]

    @property
    def close_customers(self) -> list[NewCustomer]:
        """New facilities close to existing customers: a person chooses for each."""
        return [new for new in self.new_customers.values() if new.similar]

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
        """The customers this import would create (not those a person linked to an existing one)."""
        return {key for key, new in self.new_customers.items() if new.choice is None
                and any(p.customer_key == key for p in self.to_create)}


def _duplicate_key(ship_date, order_number, customer_ref, sku, lot, quantity) -> tuple:
    return (ship_date, order_number, customer_ref, sku, lot or "", int(quantity))


def _correction_key(order_number, customer_ref, sku, lot) -> tuple:
    return (order_number, customer_ref, sku, lot or "")


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
    _check_catalogue(planned)
    return ImportPlan(lines=planned, new_customers=_new_customers(planned), fills=_fills(planned))


def _check_catalogue(planned: list[PlannedLine]) -> None:
    """The product catalogue's judgement of the lines to import (distribution.catalogue): its errors (a
    blocked or expired lot, a UDI-DI not the product's GTIN, a new lot number outside the character set)
    are the line's problems, its warnings (an unknown SKU) are shown. Lines already in the log are not
    judged again."""
    judged = [p for p in planned if not p.problems and not p.duplicate_of]
    if not judged:
        return
    rows = [p.row for p in judged]
    found = check_lines([(r.sku, r.lot_number, r.ship_date, r.udi_di) for r in rows])
    lots = new_lot_problems([(r.sku, r.lot_number) for r in rows])
    for index in sorted(found.keys() | lots.keys()):
        p = judged[index]
        for problem in found.get(index, ()):
            value = getattr(p.row, problem.field)
            (p.problems if problem.is_error else p.warnings).append(LineProblem(
                p.row.line, problem.field, value.isoformat() if hasattr(value, "isoformat") else value or "",
                problem.message))
        if index in lots:
            p.problems.append(LineProblem(p.row.line, "lot_number", p.row.lot_number, lots[index]))


def _new_customers(planned: list[PlannedLine]) -> dict[str, NewCustomer]:
    """Each facility no customer has, with the existing customers close to it (one finder for all)."""
    new: dict[str, NewCustomer] = {}
    for p in planned:
        if p.customer is not None or p.problems or p.duplicate_of:
            continue
        if p.customer_key in new:
            new[p.customer_key].lines.append(p.row.line)
        else:
            new[p.customer_key] = NewCustomer(
                key=p.customer_key, facility_name=p.row.facility_name.strip(), lines=[p.row.line], similar=[],
                address={k: (getattr(p.row, k) or "").strip() for k in ADDRESS_FIELDS})
    similar = similar_customers_for([n.facility_name for n in new.values()], limit=3)
    for key, n in list(new.items()):
        n.similar = similar.get(n.facility_name, [])
        exact = next((m.customer for m in n.similar if m.customer.company_key == key), None)
        if exact is not None:  # created by another writer since the customers were read: it links
            del new[key]
            for p in planned:
                if p.customer_key == key:
                    p.customer = exact
    return new


def _fills(planned: list[PlannedLine]) -> list[CustomerFill]:
    """Blank address fields of existing customers the file has a value for (the first line's value)."""
    fills, seen = [], set()
    for p in planned:
        if p.customer is None or p.problems or p.duplicate_of or p.customer.pk in seen:
            continue
        seen.add(p.customer.pk)
        for name in ADDRESS_FIELDS:
            value = (getattr(p.row, name) or "").strip()
            if value and not getattr(p.customer, name):
                fills.append(CustomerFill(customer=p.customer, customer_key=p.customer_key, field=name, value=value,
                                          line=p.row.line))
    return fills


def _find_duplicates(planned: list[PlannedLine]) -> None:
    """A line equal to a live entry on (date, order, customer, SKU, lot, quantity) is already in the log;
    one equal on (order, customer, SKU, lot) only may correct it (another date or quantity); a line equal
    to an earlier line of the same file is marked as its repeat."""
    existing: dict[tuple, int] = {}
    loose: dict[tuple, list[dict]] = {}
    numbers = sorted({p.row.order_number for p in planned})
    for i in range(0, len(numbers), 1000):
        chunk = numbers[i:i + 1000]
        for e in (DistributionLogEntry.objects.exclude(status=Status.VOIDED).filter(order_number__in=chunk)
                  .order_by("id").values("id", "ship_date", "order_number", "customer__company_key", "facility_name",
                                         "sku", "lot_number", "quantity").iterator(chunk_size=5000)):
            ref = e["customer__company_key"] or canonical_customer_key(e["facility_name"])
            existing[_duplicate_key(e["ship_date"], e["order_number"], ref, e["sku"], e["lot_number"],
                                    e["quantity"])] = e["id"]
            loose.setdefault(_correction_key(e["order_number"], ref, e["sku"], e["lot_number"]), []).append(e)
    first_line: dict[tuple, int] = {}
    for p in planned:
        if p.problems:
            continue
        ref = p.customer.company_key if p.customer else p.customer_key
        key = _duplicate_key(p.row.ship_date, p.row.order_number, ref, p.row.sku, p.row.lot_number, p.row.quantity)
        p.duplicate_of = existing.get(key)
        if p.duplicate_of:
            continue
        similar = loose.get(_correction_key(p.row.order_number, ref, p.row.sku, p.row.lot_number))
        if similar:
            p.correction_of, p.correction = similar[0]["id"], _what_differs(similar[0], p.row)
        p.repeats_line = first_line.setdefault(key, p.row.line)
        if p.repeats_line == p.row.line:
            p.repeats_line = None


def _what_differs(entry: dict, row: ImportLine) -> str:
    parts = []
    if entry["ship_date"] != row.ship_date:
        parts.append(f"ship date {entry['ship_date']:%Y-%m-%d} → {row.ship_date:%Y-%m-%d}")
    if entry["quantity"] != row.quantity:
        parts.append(f"qty {entry['quantity']} → {row.quantity}")
    return ", ".join(parts)
