"""The SKU and lot-number rules, in one place: forms, the products CSV import and the services use them.

Lot numbers
-----------
* **New lots** (typed in a form, added on a product page, brought by a CSV or PDF import for a lot the
  catalogue does not have yet: distribution/catalogue.py): 1 to 20 characters from letters ``A–Z``
  ``a–z``, digits ``0–9`` and the four marks ``- . _ /``, starting with a letter or a digit. No spaces:
  20 characters of that set is what a GS1 barcode carries for a lot (AI 10, which allows no space), so
  every new lot can be printed on its UDI label, and it survives URLs, CSV files and spreadsheets as typed.
* **Lots already recorded** (the distribution log before products existed, ShipStation syncs of
  shipments; ``ensure_lots``): any text of 1 to 64 characters (the log's column) once the spaces around it
  are removed. Messy historic spellings stay representable, so every shipped lot has a lot record.
* **Case** never makes a second lot (DESIGN "lot lookups ignore case"): ``lot-7`` and ``LOT-7`` of one
  product are the same lot, kept as first written.

SKUs follow the same two rules (strict set, up to 64 characters, for products created by hand or by the
products CSV; any text of up to 64 characters for SKUs found in the log) and are unique ignoring case.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

LOT_NUMBER_MAX_LENGTH = 20  # GS1 AI 10
HISTORIC_LOT_NUMBER_MAX_LENGTH = 64  # DistributionLogEntry.lot_number
SKU_MAX_LENGTH = 64

LOT_NUMBER_CHARACTERS = "letters A–Z a–z, digits 0–9 and - . _ /"
_STRICT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_MARKS = "-._/"


def _strict_problem(value: str, what: str, max_length: int) -> str:
    if len(value) > max_length:
        return f"{what} “{value}” is {len(value)} characters long; at most {max_length} are allowed."
    if _STRICT.fullmatch(value):
        return ""
    if value[0] in _MARKS:
        return f"{what} “{value}” must start with a letter or a digit."
    bad = next(ch for ch in value if not (ch.isascii() and (ch.isalnum() or ch in _MARKS)))
    shown = "a space" if bad == " " else f"“{bad}”" if bad.isprintable() else f"the character U+{ord(bad):04X}"
    return f"{what} “{value}” contains {shown}; use only {LOT_NUMBER_CHARACTERS}."


def clean_lot_number(value: str | None, *, strict: bool = True) -> str:
    """The lot number as stored (surrounding spaces removed), or ValidationError naming the problem."""
    return _clean_identifier(value, what="Lot number", code="lot_number", required="Enter a lot number.",
                             max_length=LOT_NUMBER_MAX_LENGTH, historic_max_length=HISTORIC_LOT_NUMBER_MAX_LENGTH,
                             strict=strict)


def clean_sku(value: str | None, *, strict: bool = True) -> str:
    """The SKU as stored (surrounding spaces removed), or ValidationError naming the problem."""
    return _clean_identifier(value, what="SKU", code="sku", required="Enter a SKU.", max_length=SKU_MAX_LENGTH,
                             historic_max_length=SKU_MAX_LENGTH, strict=strict)


def _clean_identifier(value: str | None, *, what: str, code: str, required: str, max_length: int,
                      historic_max_length: int, strict: bool) -> str:
    """`strict`: a new value keeps the documented character set; otherwise (a value already recorded)
    only its length is checked."""
    value = (value or "").strip()
    if not value:
        raise ValidationError(required, code=f"{code}_required")
    if strict:
        problem = _strict_problem(value, what, max_length)
        if problem:
            raise ValidationError(problem, code=f"{code}_characters")
    elif len(value) > historic_max_length:
        raise ValidationError(f"{what} “{value[:20]}…” is longer than {historic_max_length} characters.",
                              code=f"{code}_length")
    return value


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def match_key(value: str) -> str:
    """What two spellings of one lot (or SKU) have in common: compared ignoring case and surrounding spaces."""
    return (value or "").strip().upper()


def upper_variants(value: str) -> set[str]:
    """The values UPPER(column) may have in the database for this spelling: SQLite folds ASCII letters
    only, PostgreSQL every letter. Queries filter on these; matches are then made on match_key()."""
    value = (value or "").strip()
    return {value.upper(), value.translate(_ASCII_UPPER)}
