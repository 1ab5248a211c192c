"""The consignees' responses as a CSV file → plain rows; no ORM (recalls.services.responses checks them
against the recall and writes them, all or none).

Columns, in any order and case: ``reference`` (the consignee's reference, RCL-2026-001-007; required),
``responded_at`` (required: 2026-03-05, 3/5/2026 or 2026-03-05 14:30), ``responder``, ``units_on_hand``,
``units_returned``, ``units_destroyed``, ``units_corrected`` (whole numbers, 0 or more; blank: not
given), ``close`` (yes/no: close the consignee once its response is recorded), ``note``. The mail-merge
export's other columns (facility_name, units_shipped, lots, …) are accepted and ignored, so that file can
be filled in and uploaded. The bytes are decoded, and errors worded, as the distribution log's import
does; every problem is collected, naming its line, column and value.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from distribution.imports.csv_file import (
    CsvCellError,
    CsvImportError,
    _csv_error_message,
    _decode,
    _normalise_header,
)
from distribution.imports.values import parse_date
from silqeqms.uploads import size_refusal

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
UNIT_COLUMNS = ("units_on_hand", "units_returned", "units_destroyed", "units_corrected")
COLUMNS = ("reference", "responded_at", "responder", *UNIT_COLUMNS, "close", "note")
REQUIRED = ("reference", "responded_at")
# The mail-merge export's columns that are not response columns: accepted, ignored.
IGNORED = frozenset({"facility_name", "contact_name", "email", "phone", "address", "units_shipped", "lots",
                     "orders", "ship_dates", "status", "letter_url", "customer_id", "recall_number"})
TEXT_LIMITS = {"responder": 150, "note": 2000, "reference": 40}
_TIME = re.compile(r"(.+?)[ T]([0-9]{1,2}):([0-9]{2})")
_COUNT = re.compile(r"[0-9]{1,9}")
_YES, _NO = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


@dataclass(frozen=True)
class ResponseRow:
    line: int
    reference: str
    responded_on: datetime.date
    responded_time: datetime.time | None
    responder: str
    units: dict[str, int | None]
    close: bool
    note: str


@dataclass
class ResponsesFile:
    rows: list[ResponseRow] = field(default_factory=list)
    errors: list[CsvCellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_responses_csv(data: bytes) -> ResponsesFile:
    """Raise CsvImportError when the file as a whole is unusable; else every row or every cell error."""
    if refusal := size_refusal(len(data), MAX_BYTES):
        raise CsvImportError(refusal)
    text, _encoding = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    result = ResponsesFile()
    start, total = 1, 0
    try:
        header = None
        for cells in reader:
            start = reader.line_num + 1
            if any(map(str.strip, cells)):
                header = cells
                break
        if header is None:
            raise CsvImportError("The file is empty.")
        positions = _positions([_normalise_header(cell) for cell in header], header)
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(map(str.strip, cells)):
                continue
            total += 1
            if total > MAX_ROWS:
                raise CsvImportError(f"The file has more than {MAX_ROWS:,} rows.")
            _row(result, line, {name: cells[i].strip() if i < len(cells) else "" for name, i in positions.items()})
    except csv.Error as error:
        raise CsvImportError(_csv_error_message(start, error)) from error
    if total == 0:
        raise CsvImportError("The file has a header but no rows.")
    _repeats(result)
    return result


def _positions(columns: list[str], raw: list[str]) -> dict[str, int]:
    problems, positions = [], {}
    for i, name in enumerate(columns):
        if not name or name in IGNORED:
            continue
        if name not in COLUMNS:
            problems.append(f"unknown column '{raw[i].strip()}'")
        elif name in positions:
            problems.append(f"the column '{name}' appears more than once")
        else:
            positions[name] = i
    problems += [f"the required column '{name}' is missing" for name in REQUIRED if name not in positions]
    if problems:
        raise CsvImportError(f"Header: {'; '.join(problems)}. The columns are {', '.join(COLUMNS)}.")
    return positions


def _row(result: ResponsesFile, line: int, cells: dict[str, str]) -> None:
    errors = []

    def error(column: str, message: str) -> None:
        errors.append(CsvCellError(line, column, cells.get(column, ""), message))

    for name in REQUIRED:
        if not cells.get(name):
            error(name, "is required")
    for name, limit in TEXT_LIMITS.items():
        if len(cells.get(name, "")) > limit:
            error(name, f"is longer than {limit} characters")
    day, time = None, None
    value = cells.get("responded_at", "")
    if value:
        match = _TIME.fullmatch(value)
        day = parse_date(match.group(1) if match else value)
        if match and not isinstance(day, str):
            hour, minute = int(match.group(2)), int(match.group(3))
            if hour > 23 or minute > 59:
                error("responded_at", "has no such time of day (use HH:MM, 00:00 to 23:59)")
            else:
                time = datetime.time(hour, minute)
        if isinstance(day, str):
            error("responded_at", day)
    units: dict[str, int | None] = {}
    for name in UNIT_COLUMNS:
        value = cells.get(name, "").replace(",", "")
        if not value:
            units[name] = None
        elif _COUNT.fullmatch(value):
            units[name] = int(value)
        else:
            error(name, "must be a whole number, 0 or more (or blank)")
    close = cells.get("close", "").lower()
    if close not in _YES | _NO:
        error("close", "is not yes or no")
    if errors:
        result.errors.extend(errors)
        return
    result.rows.append(ResponseRow(line=line, reference=cells["reference"].upper(), responded_on=day,
                                   responded_time=time, responder=cells.get("responder", ""), units=units,
                                   close=close in _YES, note=cells.get("note", "")))


def _repeats(result: ResponsesFile) -> None:
    first: dict[str, int] = {}
    for row in result.rows:
        seen = first.setdefault(row.reference, row.line)
        if seen != row.line:
            result.errors.append(CsvCellError(row.line, "reference", row.reference, f"repeats line {seen}"))
    result.errors.sort(key=lambda e: e.line)
