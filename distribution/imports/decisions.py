"""What a person decides in an import's preview, and the check that those decisions still fit the plan
made again when the import is confirmed.

Three questions an import never answers by itself:

- a new facility name close to existing customers (customers.matching): link its lines to one of them,
  or create a new customer;
- a blank field of an existing customer the file could fill: fill it, or leave it (an import never
  changes a customer record silently, and never overwrites);
- a line that looks like a correction of an entry already in the log (same order, customer, SKU and
  lot; another date or quantity): skipped, unless the person ticks it to import as an additional line.

The preview offers them; the confirm carries the answers (form fields keyed by customer key and line);
the import plans again inside its transaction and refuses when an answer no longer fits — a customer
no longer among the close ones, a field no longer blank, a line no longer a possible correction — so
nothing is written on the strength of a preview that has gone stale. The answers are audited with the
import (the batch event's data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from distribution.imports.planning import ImportPlan

NEW_CUSTOMER = "new"


@dataclass(frozen=True)
class ImportDecisions:
    """The person's answers. The three flags answer every question of a kind at once (the management
    commands' --create-close-customers, --fill-blank-fields, --import-corrections)."""

    customers: Mapping[str, int | str] = field(default_factory=dict)  # new key → customer id or NEW_CUSTOMER
    fills: frozenset[tuple[str, str]] = frozenset()  # (customer key, field) to fill
    corrections: frozenset[int] = frozenset()  # lines to import as additional lines
    create_close_customers: bool = False
    fill_blank_fields: bool = False
    import_corrections: bool = False

    def to_params(self) -> dict[str, Any]:
        """As JSON, for a background job's params (from_params reads it back)."""
        return {"customers": dict(self.customers), "fills": sorted([key, name] for key, name in self.fills),
                "corrections": sorted(self.corrections), "create_close_customers": self.create_close_customers,
                "fill_blank_fields": self.fill_blank_fields, "import_corrections": self.import_corrections}

    @classmethod
    def from_params(cls, data: Mapping[str, Any] | None) -> ImportDecisions:
        data = data or {}
        return cls(customers=dict(data.get("customers") or {}),
                   fills=frozenset((str(key), str(name)) for key, name in data.get("fills") or ()),
                   corrections=frozenset(int(line) for line in data.get("corrections") or ()),
                   create_close_customers=bool(data.get("create_close_customers")),
                   fill_blank_fields=bool(data.get("fill_blank_fields")),
                   import_corrections=bool(data.get("import_corrections")))


@dataclass
class DecisionsUsed:
    """The answers some plan asked for; an import of several files checks at the end that every answer
    belonged to one of them (apply_decisions(…, used=…) then unused_decisions())."""

    customers: set[str] = field(default_factory=set)
    fills: set[tuple[str, str]] = field(default_factory=set)
    corrections: set[int] = field(default_factory=set)


_STALE = "preview the file again"


def apply_decisions(plan: ImportPlan, decisions: ImportDecisions, *, used: DecisionsUsed | None = None
                    ) -> list[str]:
    """Set the person's answers on the plan; the problems that stop the import (each names the facility,
    the field or the line). `used`: collect what was asked, for a check across several plans."""
    own = DecisionsUsed() if used is None else used
    problems = _apply_customer_choices(plan, decisions, own)
    _apply_fills(plan, decisions, own)
    _apply_corrections(plan, decisions, own)
    if used is None:
        problems += unused_decisions(decisions, own)
    return problems


def _apply_customer_choices(plan: ImportPlan, decisions: ImportDecisions, used: DecisionsUsed) -> list[str]:
    problems = []
    for key, new in plan.new_customers.items():
        if not new.similar:
            continue
        used.customers.add(key)
        label = f"“{new.facility_name}” (line {new.lines[0]})"
        answer = decisions.customers.get(key)
        if answer in (None, "") and decisions.create_close_customers:
            answer = NEW_CUSTOMER
        if answer in (None, ""):
            problems.append(f"{label} is close to an existing customer: choose one, or create a new customer.")
        elif answer == NEW_CUSTOMER:
            new.choice = None
            new.decided = True
        else:
            chosen = next((m.customer for m in new.similar if str(m.customer.pk) == str(answer)), None)
            if chosen is None:
                problems.append(f"{label}: the customer chosen is no longer among those close to it; {_STALE}.")
            else:
                new.choice, new.decided = chosen, True
    return problems


def _apply_fills(plan: ImportPlan, decisions: ImportDecisions, used: DecisionsUsed) -> None:
    """A ticked fill no longer offered (the field was filled meanwhile) is left in decisions.fills and
    reported by unused_decisions(): never an overwrite."""
    offered = {(fill.customer_key, fill.field): fill for fill in plan.fills}
    wanted = set(offered) if decisions.fill_blank_fields else set(decisions.fills) & set(offered)
    for item in wanted:
        offered[item].confirmed = True
    used.fills |= set(offered) & set(decisions.fills)


def _apply_corrections(plan: ImportPlan, decisions: ImportDecisions, used: DecisionsUsed) -> None:
    for line in plan.lines:
        if line.correction_of and (decisions.import_corrections or line.row.line in decisions.corrections):
            line.import_correction = True
            used.corrections.add(line.row.line)


def unused_decisions(decisions: ImportDecisions, used: DecisionsUsed) -> list[str]:
    """Answers to questions the plan no longer asks: the log or the customers changed since the preview."""
    problems = [f"A customer was chosen for a facility that no longer needs a choice (key {key}); {_STALE}."
                for key, answer in decisions.customers.items() if key not in used.customers and answer]
    problems += [f"The customer with key {key} no longer has a blank {name.replace('_', ' ')} to fill; {_STALE}."
                 for key, name in sorted(decisions.fills - used.fills)]
    problems += [f"Line {line} is no longer a possible correction of an entry in the log; {_STALE}."
                 for line in sorted(decisions.corrections - used.corrections)]
    return problems


def decisions_record(plan: ImportPlan) -> dict[str, Any]:
    """The answers as the batch audit event records them."""
    return {
        "customers_linked": {new.facility_name: new.choice.pk for new in plan.new_customers.values()
                             if new.choice is not None},
        "customers_created_though_close": [new.facility_name for new in plan.new_customers.values()
                                           if new.similar and new.choice is None],
        "fields_filled": [{"customer": fill.customer.pk, "field": fill.field, "value": fill.value}
                          for fill in plan.fills if fill.confirmed],
        "fields_left_blank": [{"customer": fill.customer.pk, "field": fill.field, "value": fill.value}
                              for fill in plan.fills if not fill.confirmed],
        "corrections_imported": [p.row.line for p in plan.lines if p.correction_of and p.import_correction],
        "corrections_skipped": [p.row.line for p in plan.lines if p.correction_of and not p.import_correction],
    }
