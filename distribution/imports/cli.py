"""The import commands' side of the preview's questions (imports.decisions): what they print, and the
flags that answer every question of a kind (a person at a terminal decides, as on the page)."""

from __future__ import annotations

from distribution.imports.decisions import ImportDecisions
from distribution.imports.planning import ImportPlan


def add_decision_arguments(parser) -> None:
    parser.add_argument("--create-close-customers", action="store_true",
                        help="Create a new customer for every facility close to an existing one (listed by "
                             "--dry-run). Without it such a file is not imported: link them on the import page.")
    parser.add_argument("--fill-blank-fields", action="store_true",
                        help="Fill the blank customer fields the file has values for (listed by --dry-run).")
    parser.add_argument("--import-corrections", action="store_true",
                        help="Import lines that look like corrections of entries in the log as additional "
                             "lines (listed by --dry-run); without it they are skipped.")


def decisions_from_options(options) -> ImportDecisions:
    return ImportDecisions(create_close_customers=options["create_close_customers"],
                           fill_blank_fields=options["fill_blank_fields"],
                           import_corrections=options["import_corrections"])


def unanswered(plan: ImportPlan, options) -> str:
    """Why the command stops before importing, or "": close customers nobody decided about."""
    if plan.close_customers and not options["create_close_customers"]:
        return (f"{len(plan.close_customers)} facilit{'y is' if len(plan.close_customers) == 1 else 'ies are'} close "
                "to existing customers (listed above): link them on the import page, or pass "
                "--create-close-customers to create new customers. Nothing was imported.")
    return ""


def describe_questions(plan: ImportPlan) -> list[str]:
    """One line per question the preview asks, for the command's output."""
    lines = []
    for new in plan.close_customers:
        close = "; ".join(f"#{m.customer.pk} {m.customer.facility_name} ({m.percent} %)" for m in new.similar)
        lines.append(f"  close customer: “{new.facility_name}” (line {new.lines[0]}) is close to {close}")
    lines += [f"  blank field: {fill.customer} (#{fill.customer.pk}) {fill.field} would be filled with "
              f"“{fill.value}” (line {fill.line})" for fill in plan.fills]
    lines += [f"  possible correction: line {p.row.line} of #{p.correction_of} ({p.correction})"
              for p in plan.corrections]
    return lines
