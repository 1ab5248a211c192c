"""The product catalogue on every entry path (the entry form, confirm, CSV and PDF imports, ShipStation).

The rules are the products app's — the shipping check (`products.selectors.shipping_problems`), the
lot-number rule (`products.identifiers.clean_lot_number`), lots first seen on a record
(`products.services.ensure_lots`); this module applies them to distribution lines, once for all paths:

* errors refuse the line, on the field they are about (a blocked or expired lot, a UDI-DI that is not
  the product's GTIN);
* warnings (a SKU not in the catalogue, an inactive product) are shown: a person confirms them on the
  entry form ("Save anyway"), an import's preview lists them, a machine (ShipStation) records them;
* a lot number not yet in the catalogue follows the rule for new lots where a person types it (the
  entry and confirm forms) or a file brings it (CSV, PDF); a lot already recorded may ship again however
  it is spelt;
* a lot first seen on a record is created `released`, with the expiry date its label gave.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError

from products.identifiers import clean_lot_number, match_key
from products.selectors import (
    Problem,
    ShipLine,
    lots_by_product_and_number,
    products_by_sku,
    shipping_problems,
)
from products.services import ensure_lots
from silqeqms.models import User


def check_lines(lines: Sequence[tuple[str, str, datetime.date | None, str]]) -> dict[int, list[Problem]]:
    """shipping_problems() of many (SKU, lot number, ship date, UDI-DI) lines, each distinct line judged
    once: an import repeats a few SKUs, lots and days on thousands of lines. Three queries, as
    shipping_problems()."""
    distinct: dict[tuple, int] = {}
    for line in lines:
        distinct.setdefault(line, len(distinct))
    found = shipping_problems(ShipLine(*line) for line in distinct)
    if not found:
        return {}
    return {index: found[distinct[line]] for index, line in enumerate(lines) if distinct[line] in found}


def warnings_key(warnings: Iterable[Problem]) -> str:
    """Names exactly these warnings: a confirmation given for them does not cover others."""
    return hashlib.sha256("\n".join(sorted(p.message for p in warnings)).encode()).hexdigest()[:16]


class CatalogueWarnings(ValidationError):
    """The catalogue warns about an entry a person is saving (a SKU not in the catalogue, an inactive
    product): they confirm before it is saved. Forms show the warnings with "Save anyway", which sends
    back `key`."""

    def __init__(self, warnings: Sequence[Problem]):
        self.warnings = list(warnings)
        self.key = warnings_key(self.warnings)
        errors: dict[str, list[str]] = {}
        for problem in self.warnings:
            errors.setdefault(problem.field, []).append(problem.message)
        super().__init__(errors, code="catalogue_warning")


def refuse_errors(problems: Iterable[Problem]) -> None:
    """Raise the errors among `problems` on their fields (nothing when there are none)."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        if problem.is_error:
            errors.setdefault(problem.field, []).append(problem.message)
    if errors:
        raise ValidationError(errors)


def check_entry(*, sku: str, lot_number: str, ship_date: datetime.date | None, udi_di: str,
                warnings_seen: str | None) -> list[Problem]:
    """The catalogue's judgement of one entry about to be saved: errors raise ValidationError on their
    fields; warnings raise CatalogueWarnings unless `warnings_seen` is their key (a person confirmed
    them), or are returned when `warnings_seen` is None (nobody to ask: the caller records them)."""
    problems = shipping_problems([ShipLine(sku=sku, lot_number=lot_number, ship_date=ship_date, udi_di=udi_di)])
    found = problems.get(0, [])
    refuse_errors(found)
    warnings = [p for p in found if not p.is_error]
    if warnings and warnings_seen is not None and warnings_seen != warnings_key(warnings):
        raise CatalogueWarnings(warnings)
    return warnings


def warnings_data(warnings: Sequence[Problem]) -> dict[str, list[str]]:
    """What an audit event keeps of the warnings a record was saved with."""
    return {"catalogue_warnings": [p.message for p in warnings]} if warnings else {}


def new_lot_problems(pairs: Sequence[tuple[str, str]]) -> dict[int, str]:
    """{index: why} for the (SKU, lot number) pairs whose lot number breaks the rule for new lots
    (products.identifiers: letters, digits and - . _ /, at most 20) and is not a lot already recorded
    for that SKU's product. No query when every lot number keeps the rule; else two."""
    verdicts: dict[str, str] = {}  # each distinct lot number judged once: an import repeats a few
    suspect: dict[int, str] = {}
    for index, (_, number) in enumerate(pairs):
        if number not in verdicts:
            verdicts[number] = _new_lot_problem(number)
        if verdicts[number]:
            suspect[index] = verdicts[number]
    if not suspect:
        return {}
    products = products_by_sku(pairs[index][0] for index in suspect)
    recorded = lots_by_product_and_number(
        (products[pairs[index][0]].pk, pairs[index][1]) for index in suspect if pairs[index][0] in products)

    def is_recorded(index: int) -> bool:
        product = products.get(pairs[index][0])
        return product is not None and (product.pk, match_key(pairs[index][1])) in recorded

    return {index: f"{message.rstrip('.')} (the rule for a lot not yet in the product catalogue)."
            for index, message in suspect.items() if not is_recorded(index)}


def _new_lot_problem(number: str) -> str:
    if not (number or "").strip():
        return ""
    try:
        clean_lot_number(number)
    except ValidationError as error:
        return error.messages[0]
    return ""


def record_lots(*, actor: User | None, lines: Iterable[tuple[str, str, datetime.date | None]], reason: str) -> None:
    """Lots first seen on these (SKU, lot number, expiry date) lines are created `released`, with the
    expiry date the line's label gave (products.services.ensure_lots: SKUs not in the catalogue and
    blank lots are left out; a recorded lot is never changed here). A fixed number of queries."""
    expiry_dates: dict[tuple[str, str], datetime.date | None] = {}  # each distinct pair once: a file repeats them
    for sku, number, expiry in lines:
        if (sku or "").strip() and (number or "").strip() and expiry_dates.get((sku, number)) is None:
            expiry_dates[(sku, number)] = expiry
    if expiry_dates:
        ensure_lots(actor=actor, lots=list(expiry_dates), reason=reason, expiry_dates=expiry_dates)
