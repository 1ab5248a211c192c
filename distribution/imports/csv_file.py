"""Turn the bytes of a Distribution Log CSV upload into plain, validated rows.

No ORM, by design (the stdlib, and the GS1 label reader products/gs1.py for the `udi` column): the
import service decides what to write, so this parser can be tested and fuzzed without a database. Whole-file problems (size, encoding, header) raise `CsvImportError`;
problems in individual cells are collected, every one of them, so a user can fix the file in one pass.

This parser checks what only it can see: the encoding, the header, the cells' types (dates and
quantities, read by distribution/imports/values.py), required cells, and the file's size and row
count. What the database would refuse (text longer than a column, a quantity past the integer
column) is checked where every import line is checked, against the model's own limits.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter

from distribution.imports.values import MSG_REQUIRED, parse_date, parse_quantity
from products.gs1 import GS1Error, gtin_or_as_given, parse_label
from silqeqms.uploads import size_refusal

__all__ = [
    "COLUMNS",
    "EXPORT_ONLY_COLUMNS",
    "LABEL_COLUMN",
    "MAX_CSV_BYTES",
    "MAX_CSV_ROWS",
    "REQUIRED_COLUMNS",
    "CsvCellError",
    "CsvImportError",
    "CsvParseResult",
    "CsvRow",
    "parse_distribution_csv",
]

COLUMNS: tuple[str, ...] = (
    "ship_date",
    "order_number",
    "facility_name",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
    "sku",
    "udi_di",
    "lot_number",
    "expiry_date",
    "serial_number",
    "quantity",
    "rep",
    "notes",
)
REQUIRED_COLUMNS: frozenset[str] = frozenset(
    {"ship_date", "order_number", "facility_name", "sku", "quantity"}
)
# The Distribution Log export appends these; accepting them lets an export be imported again unchanged.
EXPORT_ONLY_COLUMNS: tuple[str, ...] = ("id", "status", "source")
# A scanned UDI label (GS1 element string, (01)… text or Digital Link): fills udi_di, lot_number,
# expiry_date and serial_number, and lets the sku column be blank (the catalogue gives the SKU of the
# GTIN, imports/rows.py). Import only: an export has the fields it filled.
LABEL_COLUMN = "udi"

# Read at call time (not bound as defaults) so tests and settings can lower them.
MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_CSV_ROWS = 200_000

_MB = 1024 * 1024
# A well-formed UTF-8 multi-byte character; Windows-1252 text almost never contains one by chance.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_ACCEPTED_COLUMNS = frozenset(COLUMNS) | frozenset(EXPORT_ONLY_COLUMNS) | {LABEL_COLUMN}

# What Excel shows (and saves) for a long number in a "General" cell: 1.23457E+13. The digits are gone.
_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]+)?E\+[0-9]+", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
_IDENTIFIER_COLUMNS = ("order_number", "sku", "udi_di", "lot_number", "serial_number")
_TEXT_COLUMNS = tuple(name for name in COLUMNS if name not in ("ship_date", "quantity", "expiry_date"))


class CsvImportError(Exception):
    """The whole file is refused (encoding/size/header problems); str() is a user-facing sentence."""


@dataclass(frozen=True, slots=True)
class CsvCellError:
    line: int  # physical line number in the file (header = 1)
    column: str  # column name, or "" for a whole-row problem
    value: str
    message: str  # why, e.g. "is not a date (use YYYY-MM-DD or M/D/YYYY)"

    def __str__(self) -> str:
        if not self.column:
            return f"Line {self.line}: {self.message}"
        if not self.value:
            return f"Line {self.line}, {self.column}: {self.message}"
        return f"Line {self.line}, {self.column} '{_shorten(self.value)}': {self.message}"


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    ship_date: date
    order_number: str
    facility_name: str
    address1: str
    address2: str
    city: str
    state: str
    postal_code: str
    country: str
    sku: str
    udi_di: str
    lot_number: str
    expiry_date: date | None
    serial_number: str
    quantity: int
    rep: str
    notes: str


@dataclass
class CsvParseResult:
    rows: list[CsvRow]  # only rows without errors
    errors: list[CsvCellError]  # every problem in every row
    encoding: str  # "utf-8", "utf-8-sig" or "cp1252"
    columns: list[str]  # normalised header in file order ("" for an unnamed column)
    total_rows: int = 0  # data rows read, blank ones excluded
    # Lines of an exported file whose `status` column says voided: a voided record is history, not a
    # shipment to import again, so those rows are left out (and listed in the preview).
    voided_lines: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_distribution_csv(data: bytes) -> CsvParseResult:
    """Parse an uploaded Distribution Log CSV; raise CsvImportError when the file as a whole is unusable."""
    max_bytes = MAX_CSV_BYTES
    max_rows = MAX_CSV_ROWS
    if refusal := size_refusal(len(data), max_bytes):
        raise CsvImportError(refusal)

    text, encoding = _decode(data)
    # newline="" keeps CR/LF inside quoted cells intact and lets the reader count physical lines
    # (it splits on \r\n, \n and \r, which are exactly what a spreadsheet treats as line breaks).
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1  # physical line where the record being read starts
    try:
        header = None
        for cells in reader:
            start = reader.line_num + 1
            if any(map(str.strip, cells)):  # blank lines before the header are harmless
                header = cells
                break
        if header is None:
            raise CsvImportError("The file is empty.")
        columns = [_normalise_header(cell) for cell in header]
        parse_row = _row_parser(columns, _check_header(columns, header))

        result = CsvParseResult(rows=[], errors=[], encoding=encoding, columns=columns)
        rows, errors = result.rows, result.errors
        status_at = columns.index("status") if "status" in columns else None
        total = 0
        # One flat loop rather than a generator of records: this runs once per row of a large file.
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(map(str.strip, cells)):  # blank rows are skipped silently
                continue
            total += 1
            # Stop at the first row over the limit: a huge file must not be read to the end first.
            if total > max_rows:
                raise CsvImportError(
                    f"The file has more than {max_rows:,} rows; split it and import the parts."
                )
            if status_at is not None and status_at < len(cells) and cells[status_at].strip().lower() == "voided":
                result.voided_lines.append(line)
                continue
            parsed = parse_row(line, cells)
            if parsed.__class__ is CsvRow:
                rows.append(parsed)
            else:
                errors.extend(parsed)
        result.total_rows = total
    except csv.Error as exc:
        raise CsvImportError(_csv_error_message(start, exc)) from exc

    if result.total_rows == 0:
        raise CsvImportError("The file has a header but no rows.")
    return result


def _decode(data: bytes) -> tuple[str, str]:
    """Decode as UTF-8 (with or without BOM), else Windows-1252, which is what Excel saves as plain "CSV"."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise CsvImportError(
            'The file is saved as UTF-16 ("Unicode text"), not CSV. Save it as "CSV UTF-8" and try again.'
        )
    if b"\x00" in data:
        # NUL never appears in CSV text; it means a spreadsheet or other binary file was uploaded.
        raise CsvImportError(
            'The file contains binary data, not CSV text. Save it as "CSV UTF-8" and try again.'
        )
    if data.startswith(codecs.BOM_UTF8):
        # The file declares UTF-8; guessing another encoding would silently change its text.
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise CsvImportError(
                f"The file is marked as UTF-8 but line {_line_of_offset(data, exc.start)} is not valid UTF-8. "
                'Save it again as "CSV UTF-8" and try again.'
            ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if _UTF8_SEQUENCE.search(data):
        # UTF-8 text with a stray byte (two files pasted together, a cut-off copy). Read as
        # Windows-1252, every accented letter would silently turn into two wrong ones ("HÃ´pital"),
        # and the facility would no longer match its customer.
        raise CsvImportError(
            f"The file is UTF-8 text but line {_line_of_offset(data, utf8_error.start)} is not valid UTF-8. "
            'Fix or retype that line, save the file as "CSV UTF-8" and try again.'
        ) from utf8_error
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise CsvImportError(
            f"The file is not UTF-8 or Windows-1252 text (see line {_line_of_offset(data, exc.start)}). "
            'Save it as "CSV UTF-8" and try again.'
        ) from exc


def _line_of_offset(data: bytes, offset: int) -> int:
    return len(re.findall(rb"\r\n|\r|\n", data[:offset])) + 1


def _csv_error_message(line: int, exc: csv.Error) -> str:
    reason = str(exc)
    if reason == "unexpected end of data":
        return f"Line {line}: a quoted cell is never closed (check the double quotes on that line)."
    if reason.startswith("field larger than field limit"):
        return (
            f"Line {line}: a cell is longer than {csv.field_size_limit():,} characters, "
            "usually because a double quote is not closed."
        )
    if "expected after" in reason:
        return (
            f"Line {line}: a quoted cell has text after its closing quote "
            "(write a double quote inside a quoted cell as two double quotes)."
        )
    return f"Line {line}: the file could not be read as CSV ({reason})."


def _normalise_header(cell: str) -> str:
    # A second BOM (a file saved twice by different tools) would otherwise hide the first column name.
    return cell.strip().strip("\ufeff").strip().lower()


def _check_header(columns: list[str], raw: list[str]) -> dict[str, int]:
    """Return {column: position} for the import columns present; raise CsvImportError naming every problem."""
    problems: list[str] = []
    unknown = [raw[i].strip() for i, name in enumerate(columns) if name and name not in _ACCEPTED_COLUMNS]
    if unknown:
        names = ", ".join(f"'{name}'" for name in unknown)
        noun = "Unknown column" if len(unknown) == 1 else "Unknown columns"
        hint = ""
        if any(";" in name or "\t" in name for name in unknown):
            hint = " The file seems to separate columns with ';' or tabs; save it as comma-separated CSV."
        problems.append(
            f"{noun}: {names}. The accepted columns are: {', '.join(COLUMNS)} "
            f"(and {', '.join(EXPORT_ONLY_COLUMNS)} from an export).{hint}"
        )

    seen: dict[str, list[int]] = {}
    for position, name in enumerate(columns):
        if name:
            seen.setdefault(name, []).append(position)
    for name, places in seen.items():
        if len(places) > 1:
            numbers = ", ".join(str(p + 1) for p in places)
            problems.append(f"The column '{name}' appears more than once (columns {numbers}).")

    # A label column gives each row's SKU (from the catalogue), so it stands in for the sku column.
    missing = [name for name in COLUMNS if name in REQUIRED_COLUMNS and name not in seen
               and not (name == "sku" and LABEL_COLUMN in seen)]
    if len(missing) == 1:
        problems.append(f"The required column '{missing[0]}' is missing.")
    elif missing:
        problems.append(f"The required columns {', '.join(repr(m) for m in missing)} are missing.")

    if problems:
        raise CsvImportError(" ".join(problems))
    return {name: places[0] for name, places in seen.items() if name in COLUMNS or name == LABEL_COLUMN}


def _row_parser(
    columns: list[str], positions: dict[str, int]
) -> Callable[[int, list[str]], CsvRow | list[CsvCellError]]:
    """Build the per-row parser for this header: a fast check for clean rows, `_parse_row` for the rest.

    Almost every row of a real file is clean and uploads run to 200,000 rows, so clean rows are
    recognised with as few Python-level steps as possible. Any row
    the fast check does not accept goes to `_parse_row`, which is the reference for what an error is;
    the fast check only has to be conservative (never accept a row `_parse_row` would refuse).
    """
    width = len(columns)
    unnamed = [i for i, name in enumerate(columns) if not name]
    # A missing optional column reads the "" appended after the row's last real cell.
    pick = itemgetter(*(positions.get(name, width) for name in (*COLUMNS, LABEL_COLUMN)))
    # Ship dates and quantities repeat a great deal within one file.
    dates: dict[str, date | str] = {}
    quantities: dict[str, int | str] = {}

    def parse(line: int, cells: list[str]) -> CsvRow | list[CsvCellError]:
        # Unnamed columns (a spreadsheet's trailing empty columns) are fine as long as they stay empty.
        if len(cells) == width and (not unnamed or not any(cells[i].strip() for i in unnamed)):
            cells.append("")
            raw = pick(cells)
            cells.pop()
            (sd, on, fn, a1, a2, city, state, pc, country, sku, udi, lot, exp, serial, qty, rep, notes,
             label) = map(str.strip, raw)
            ship_date = dates.get(sd)
            if ship_date is None:
                ship_date = dates[sd] = parse_date(sd)
            expiry = None
            if exp:
                expiry = dates.get(exp)
                if expiry is None:
                    expiry = dates[exp] = parse_date(exp)
            quantity = quantities.get(qty)
            if quantity is None:
                quantity = quantities[qty] = parse_quantity(qty)
            if (
                on
                and fn
                and sku
                and ship_date.__class__ is date
                and quantity.__class__ is int
                and (expiry is None or expiry.__class__ is date)
                and not label  # a label is read, and checked against the columns, by _parse_row
                # "+" is in every scientific-notation number; let _parse_row judge those rows.
                and "+" not in on
                and "+" not in sku
                and "+" not in udi
                and "+" not in lot
                and "+" not in serial
            ):
                return CsvRow(
                    line,
                    ship_date,
                    on,
                    fn,
                    a1,
                    a2,
                    city,
                    state,
                    pc,
                    country,
                    sku,
                    udi,
                    lot,
                    expiry,
                    serial,
                    quantity,
                    rep,
                    notes,
                )
        row, errors = _parse_row(line, cells, positions, unnamed, width)
        return errors or row

    return parse


def _parse_row(
    line: int, cells: list[str], positions: dict[str, int], unnamed: list[int], width: int
) -> tuple[CsvRow | None, list[CsvCellError]]:
    """Parse one row the thorough way, collecting every error in it."""
    count = len(cells)
    # Short rows are padded: some tools drop trailing empty cells.
    values = {name: (cells[pos].strip() if pos < count else "") for name, pos in positions.items()}
    errors: list[CsvCellError] = []

    if count > width and any(map(str.strip, cells[width:])):
        errors.append(CsvCellError(line, "", "", f"has {count} cells but the header has {width} columns"))
    for pos in unnamed:
        if pos < count and cells[pos].strip():
            errors.append(
                CsvCellError(
                    line, "", cells[pos].strip(), f"has a value in column {pos + 1}, which has no header"
                )
            )

    ship_date: date | str = ""
    quantity: int | str = ""
    expiry: date | None = None
    label = values.get(LABEL_COLUMN, "")
    # Column order, so a user reads a row's errors left to right as in the spreadsheet.
    for name in COLUMNS:
        value = values.get(name, "")
        if name == "expiry_date":
            parsed = parse_date(value) if value else None
            if isinstance(parsed, str):
                errors.append(CsvCellError(line, name, value, parsed))
            else:
                expiry = parsed
            continue
        if name == "ship_date":
            ship_date = parse_date(value)
            if isinstance(ship_date, str):
                errors.append(CsvCellError(line, name, value, ship_date))
            continue
        if name == "quantity":
            quantity = parse_quantity(value)
            if isinstance(quantity, str):
                errors.append(CsvCellError(line, name, value, quantity))
            continue
        if not value:
            if name in REQUIRED_COLUMNS and not (name == "sku" and label):
                errors.append(CsvCellError(line, name, value, MSG_REQUIRED))
            continue
        if name in _IDENTIFIER_COLUMNS and _SCIENTIFIC.fullmatch(value):
            errors.append(
                CsvCellError(
                    line,
                    name,
                    value,
                    "looks like a number a spreadsheet rewrote in scientific notation, losing digits "
                    "(format the column as Text and export again)",
                )
            )

    texts = {name: values.get(name, "") for name in _TEXT_COLUMNS}
    if label:
        expiry = _fill_from_label(line, label, texts, expiry, errors)
    if errors:
        return None, errors
    return CsvRow(line=line, ship_date=ship_date, quantity=quantity, expiry_date=expiry, **texts), errors


def _fill_from_label(line: int, code: str, texts: dict[str, str], expiry: date | None,
                     errors: list[CsvCellError]) -> date | None:
    """Fill udi_di, lot_number and serial_number in `texts` from a scanned label and return the expiry
    date; a column that already has a value must agree with the label (else an error naming that column
    and value). An unreadable label is an error of the udi column, and fills nothing."""
    try:
        label = parse_label(code)
    except GS1Error as error:
        errors.append(CsvCellError(line, LABEL_COLUMN, code, f"is not a usable UDI label: {error}"))
        return expiry
    given_udi_di = texts["udi_di"]
    if given_udi_di and gtin_or_as_given(given_udi_di) != label.udi_di:
        errors.append(CsvCellError(line, "udi_di", given_udi_di,
                                   f"differs from the udi column, whose label gives UDI-DI {label.udi_di}"))
    pairs = (("lot_number", texts["lot_number"].upper(), label.lot_number.upper(), f"lot {label.lot_number}"),
             ("serial_number", texts["serial_number"], label.serial_number, f"serial number {label.serial_number}"))
    for name, given, read, shown in pairs:
        if given and read and given != read:
            errors.append(CsvCellError(line, name, texts[name], f"differs from the udi column, whose label gives {shown}"))
    if expiry is not None and label.expiry_date is not None and expiry != label.expiry_date:
        errors.append(CsvCellError(line, "expiry_date", expiry.isoformat(),
                                   f"differs from the udi column, whose label gives expiry {label.expiry_date:%Y-%m-%d}"))
    texts["udi_di"] = label.udi_di
    texts["lot_number"] = texts["lot_number"] or label.lot_number
    texts["serial_number"] = texts["serial_number"] or label.serial_number
    return expiry or label.expiry_date


def _shorten(value: str, limit: int = 60) -> str:
    # Error lists are read on one line each: fold line breaks and cut very long cells.
    flat = _LINE_BREAKS.sub(" ", value)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
