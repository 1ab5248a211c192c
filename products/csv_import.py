"""Turn the bytes of a products CSV into plain, validated rows; no ORM (the import service compares them
with the catalogue).

Columns, header names in any order and case: ``sku`` (required), ``description``, ``gtin`` (also accepted
as ``udi_di``), ``active`` (yes/no, true/false, 1/0). A blank cell leaves that field of an existing product
as it is: the import never clears a value (edit the product for that). Whole-file problems raise
`ProductCsvError`; every cell problem is collected, naming its line, column and value, so a file can be
fixed in one pass.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from products.gs1 import GS1Error, normalize_gtin
from products.identifiers import clean_sku, match_key
from silqeqms.uploads import size_refusal

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
DESCRIPTION_MAX_LENGTH = 255  # Product.description
COLUMNS = ("sku", "description", "gtin", "active")
_ALIASES = {"udi_di": "gtin", "udi": "gtin", "is_active": "active"}
_TRUE = {"yes", "y", "true", "1", "active"}
_FALSE = {"no", "n", "false", "0", "inactive"}


class ProductCsvError(Exception):
    """The whole file is refused; str() is a sentence for the user."""


@dataclass(frozen=True)
class CellError:
    line: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"Line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}" + (f", value “{self.value}”" if self.value else "") + f": {self.message}"


@dataclass(frozen=True)
class ProductCsvRow:
    line: int
    sku: str
    description: str | None = None  # None: not given (a new product gets "", an existing one keeps its own)
    gtin: str | None = None  # the 14-digit GTIN, or None when not given
    is_active: bool | None = None


@dataclass
class ProductCsvResult:
    rows: list[ProductCsvRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    encoding: str = ""
    total_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_products_csv(data: bytes) -> ProductCsvResult:
    if refusal := size_refusal(len(data), MAX_BYTES):
        raise ProductCsvError(refusal)
    text, encoding = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    result = ProductCsvResult(encoding=encoding)
    try:
        header = next((cells for cells in reader if any(map(str.strip, cells))), None)
        if header is None:
            raise ProductCsvError("The file is empty.")
        positions = _header(header)
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(map(str.strip, cells)):
                continue
            result.total_rows += 1
            if result.total_rows > MAX_ROWS:
                raise ProductCsvError(f"The file has more than {MAX_ROWS:,} rows; split it and import the parts.")
            _row(result, line, {name: cells[i].strip() if i < len(cells) else "" for name, i in positions.items()})
    except csv.Error as error:
        raise ProductCsvError(f"Line {start}: the file could not be read as CSV ({error}). Check the double "
                              "quotes on that line.") from None
    if result.total_rows == 0:
        raise ProductCsvError("The file has a header but no rows.")
    _repeats(result)
    return result


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else Windows-1252 (what Excel saves as plain "CSV")."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data:
        raise ProductCsvError('The file is not CSV text (UTF-16 or binary). Save it as "CSV UTF-8" and try again.')
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ProductCsvError('The file is not UTF-8 or Windows-1252 text. Save it as "CSV UTF-8" and try again.')


def _header(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    problems = []
    for i, cell in enumerate(header):
        name = cell.strip().strip("\ufeff").strip().lower().replace(" ", "_").replace("-", "_")
        name = _ALIASES.get(name, name)
        if not name:
            continue
        if name not in COLUMNS:
            problems.append(f"unknown column “{cell.strip()}”")
        elif name in positions:
            problems.append(f"column “{name}” appears twice")
        else:
            positions[name] = i
    if "sku" not in positions:
        problems.append("the required column “sku” is missing")
    if problems:
        raise ProductCsvError(f"Header: {'; '.join(problems)}. The columns are {', '.join(COLUMNS)}.")
    return positions


def _row(result: ProductCsvResult, line: int, cells: dict[str, str]) -> None:
    errors = []
    sku = cells.get("sku", "")
    try:
        sku = clean_sku(sku)
    except ValidationError as error:
        errors.append(CellError(line, "sku", sku, error.messages[0]))
    gtin = cells.get("gtin") or None
    if gtin is not None:
        try:
            gtin = normalize_gtin(gtin)
        except GS1Error as error:
            errors.append(CellError(line, "gtin", gtin, str(error)))
    description = cells.get("description") or None
    if description is not None and len(description) > DESCRIPTION_MAX_LENGTH:
        errors.append(CellError(line, "description", description[:40] + "…",
                                f"is {len(description)} characters long; at most {DESCRIPTION_MAX_LENGTH}."))
    active = (cells.get("active") or "").lower()
    if active and active not in _TRUE | _FALSE:
        errors.append(CellError(line, "active", cells["active"], "is not yes or no (also true/false, 1/0)."))
    if errors:
        result.errors.extend(errors)
        return
    result.rows.append(ProductCsvRow(line=line, sku=sku, description=description, gtin=gtin,
                                     is_active=(active in _TRUE) if active else None))


def _repeats(result: ProductCsvResult) -> None:
    """A SKU (ignoring case) or a GTIN given on two rows is an error on the later one."""
    seen_sku: dict[str, int] = {}
    seen_gtin: dict[str, int] = {}
    for row in result.rows:
        first = seen_sku.setdefault(match_key(row.sku), row.line)
        if first != row.line:
            result.errors.append(CellError(row.line, "sku", row.sku, f"repeats the SKU of line {first}."))
        if row.gtin:
            first = seen_gtin.setdefault(row.gtin, row.line)
            if first != row.line:
                result.errors.append(CellError(row.line, "gtin", row.gtin, f"is also the GTIN of line {first}."))
    result.errors.sort(key=lambda e: e.line)
