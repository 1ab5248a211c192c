"""Sales-order PDFs -> plain dataclasses; no Django here, so it runs in a child process and under fuzzing.

The supported layout is described in docs/pdf-layout.md. In short: labelled header fields (order
number, ship date, ship-to block, sales rep) above a line table whose header row names SKU,
Description, Lot and Qty columns in any order. Ruled tables come from pdfplumber's table finder;
unruled ones are rebuilt from word positions, with column ranges taken from the header row.

Everything that goes wrong becomes a PdfImportError whose message is a sentence a user can act on.
Web code should call parse_sales_order_pdf_safely(), which parses in a separate, time- and
memory-limited process so a hostile file cannot hang or exhaust a web worker.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import io
import json
import logging
import math
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pdfplumber is imported lazily: the web process never needs to load pdfminer.
    from pdfplumber.page import Page

logger = logging.getLogger(__name__)

MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 50
PARSE_TIME_LIMIT_SECONDS = 20
DEFAULT_MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024

SCANNED_MESSAGE = (
    "{file} has no text layer — it looks like a scanned image. Enter its lines by hand under New entry."
)


# --- public interface ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfLine:
    sku: str
    description: str
    lot_number: str  # "" when missing -> the entry lands as needs_review
    quantity: int
    page: int  # 1-based page the line was read from


@dataclass
class PdfOrder:
    order_number: str
    ship_date: datetime.date | None
    facility_name: str
    address1: str
    address2: str
    city: str
    state: str
    postal_code: str
    country: str
    rep: str
    lines: list[PdfLine]
    pages: tuple[int, int]  # first and last page of this order
    warnings: list[str]  # where the parser was unsure; shown to the person who reviews the import


@dataclass
class PdfParseResult:
    file_name: str
    sha256: str
    page_count: int
    orders: list[PdfOrder]


class PdfImportError(Exception):
    """A file that cannot be imported; str(err) is a user-facing sentence that names the file and the problem."""

    # file_name has a default so the exception survives pickling (Exception pickles only args).
    def __init__(self, message: str, file_name: str = "") -> None:
        super().__init__(message)
        self.file_name = file_name


def parse_sales_order_pdf(data: bytes, file_name: str) -> PdfParseResult:
    """Parse in this process. Raises PdfImportError, and nothing else, for any file it cannot import."""
    data = bytes(data)
    _refuse_obviously_bad(data, file_name)
    try:
        import pdfplumber  # noqa: F401  (loaded here so a failure is not blamed on the file)
    except Exception as exc:  # MemoryError or ImportError under a tight memory limit
        raise PdfImportError(
            f"{file_name} could not be read: the PDF reader could not be loaded ({type(exc).__name__}), "
            "possibly for lack of memory.",
            file_name,
        ) from exc
    try:
        return _parse(data, file_name)
    except PdfImportError:
        raise
    except Exception as exc:  # pdfminer raises many kinds on damaged input; all mean "cannot read".
        if _caused_by(exc, (MemoryError,)):
            raise PdfImportError(
                f"{file_name} needs more memory to read than is allowed, so reading it was stopped.",
                file_name,
            ) from exc
        if _is_encryption_error(exc):
            raise PdfImportError(
                f"{file_name} is password-protected. Save a copy without a password and import that.",
                file_name,
            ) from exc
        logger.info("PDF %s could not be read: %r", file_name, exc)
        raise PdfImportError(
            f"{file_name} could not be read: the file is damaged or is not a valid PDF.", file_name
        ) from exc


def parse_sales_order_pdf_safely(
    data: bytes,
    file_name: str,
    *,
    time_limit: float = PARSE_TIME_LIMIT_SECONDS,
    memory_limit_bytes: int = DEFAULT_MEMORY_LIMIT_BYTES,
) -> PdfParseResult:
    """Parse in a child process with a wall-clock and a memory limit; same result and errors as parse_sales_order_pdf."""
    data = bytes(data)
    _refuse_obviously_bad(data, file_name)  # cheap refusals need no process
    request = {
        "file_name": file_name,
        "memory_limit_bytes": int(memory_limit_bytes),
        # A CPU limit as well: if the parent dies, nobody is left to enforce the wall clock.
        "cpu_seconds": max(1, math.ceil(time_limit) + 1),
    }
    # Run this file as a script with -I (isolated): no PYTHON* variables, no user site, and not the
    # script's folder on sys.path (a sibling module named like a standard one would shadow it).
    # Nothing imports Django or settings, and subprocess (fork+exec) is safe in threaded servers.
    command = [sys.executable, "-I", os.path.abspath(__file__)]
    env = {"PATH": os.environ.get("PATH", os.defpath), "LC_ALL": "C.UTF-8"}
    try:
        child = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            close_fds=True,
        )
    except OSError as exc:
        raise PdfImportError(
            f"{file_name} could not be read: the PDF reader could not be started.", file_name
        ) from exc
    try:
        out, err = child.communicate(json.dumps(request).encode() + b"\n" + data, timeout=time_limit)
    except subprocess.TimeoutExpired:
        raise PdfImportError(
            f"{file_name} took longer than {time_limit:g} seconds to read, so reading it was stopped. "
            "Enter its lines by hand under New entry, or split the file and try again.",
            file_name,
        ) from None
    finally:
        if child.poll() is None:  # timed out, or interrupted: never leave a reader running
            child.kill()
            child.communicate()
    if err:
        logger.info(
            "PDF reader for %s wrote to stderr: %s", file_name, err[-2000:].decode("utf-8", "replace")
        )
    try:
        reply = json.loads(out)
        if reply.get("ok"):
            return _result_from_json(reply["result"])
        message = str(reply["error"])
    except Exception:
        logger.warning("PDF reader for %s stopped with exit code %s", file_name, child.returncode)
        raise PdfImportError(
            f"{file_name} could not be read: the PDF reader stopped unexpectedly (exit code {child.returncode}).",
            file_name,
        ) from None
    raise PdfImportError(message, file_name)


# --- cheap checks and the pdfplumber pass ------------------------------------------------------------


def _refuse_obviously_bad(data: bytes, file_name: str) -> None:
    if not data:
        raise PdfImportError(f"{file_name} is empty (0 bytes).", file_name)
    if len(data) > MAX_PDF_BYTES:
        raise PdfImportError(
            f"{file_name} is {len(data) / (1024 * 1024):.1f} MB; PDFs larger than "
            f"{MAX_PDF_BYTES // (1024 * 1024)} MB are not accepted.",
            file_name,
        )
    if not data.startswith(b"%PDF-"):
        raise PdfImportError(f"{file_name} is not a PDF (it does not start with %PDF-).", file_name)
    # Readers look for %%EOF in the last 1024 bytes; without it the file was cut short, and pdfminer's
    # recovery could otherwise hand back some pages and silently lose the rest.
    if b"%%EOF" not in data[-1024:]:
        raise PdfImportError(
            f"{file_name} looks truncated or damaged: the end-of-file marker is missing.", file_name
        )


def _is_encryption_error(exc: BaseException) -> bool:
    try:
        from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    except Exception:  # the reader itself failed to load: not an encryption problem
        return False
    return _caused_by(exc, (PDFPasswordIncorrect, PDFEncryptionError))


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """Whether `exc` or anything it wraps is one of `kinds`.

    pdfplumber re-raises pdfminer's errors (even MemoryError) as PdfminerException(original).
    """
    seen: set[int] = set()
    pending: list[Any] = [exc]
    while pending:
        item = pending.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, kinds):
            return True
        if isinstance(item, BaseException):
            pending.extend([*item.args, item.__cause__, item.__context__])
    return False


def _parse(data: bytes, file_name: str) -> PdfParseResult:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page_count = len(pdf.pages)
        if page_count > MAX_PDF_PAGES:
            raise PdfImportError(
                f"{file_name} has {page_count} pages; PDFs with more than {MAX_PDF_PAGES} pages are not accepted.",
                file_name,
            )
        if page_count == 0:
            raise PdfImportError(
                f"{file_name} has no pages: the file is damaged or was saved empty.", file_name
            )
        readings: list[_PageReading] = []
        carried: _Layout | None = None
        for number, page in enumerate(pdf.pages, start=1):
            reading = _read_page(page, number, carried)
            readings.append(reading)
            carried = reading.layout or carried
            page.close()  # drop pdfplumber's per-page caches; a 50-page file stays small
    if not any(reading.has_text for reading in readings):
        raise PdfImportError(SCANNED_MESSAGE.format(file=file_name), file_name)
    orders = _assemble_orders(readings, file_name)
    return PdfParseResult(
        file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=page_count,
        orders=orders,
    )


# --- words, lines and segments ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class _Segment:
    """Words on one line with no wide gap between them: one column's worth of text."""

    words: tuple[_Word, ...]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1


@dataclass(frozen=True)
class _Line:
    words: tuple[_Word, ...]
    segments: tuple[_Segment, ...]

    @property
    def top(self) -> float:
        return min(word.top for word in self.words)

    @property
    def bottom(self) -> float:
        return max(word.bottom for word in self.words)

    @property
    def height(self) -> float:
        heights = sorted(word.height for word in self.words)
        return max(heights[len(heights) // 2], 1.0)

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)


def _lines_from_words(raw_words: Iterable[dict[str, Any]]) -> list[_Line]:
    words = sorted(
        (
            _Word(str(w["text"]), float(w["x0"]), float(w["x1"]), float(w["top"]), float(w["bottom"]))
            for w in raw_words
        ),
        key=lambda word: (word.top, word.x0),
    )
    groups: list[list[_Word]] = []
    for word in words:
        # Same tolerance as pdfplumber's own text extraction (y_tolerance=3).
        if groups and abs(word.top - groups[-1][0].top) <= 3:
            groups[-1].append(word)
        else:
            groups.append([word])
    lines = []
    for group in groups:
        group.sort(key=lambda word: word.x0)
        lines.append(_Line(tuple(group), _segments(group)))
    return lines


def _segments(words: Sequence[_Word]) -> tuple[_Segment, ...]:
    segments: list[list[_Word]] = []
    for word in words:
        # A gap wider than ~1.2 em is a column gap or a tab stop, not a space between words.
        if segments and word.x0 - segments[-1][-1].x1 <= max(1.2 * word.height, 6.0):
            segments[-1].append(word)
        else:
            segments.append([word])
    return tuple(_Segment(tuple(segment)) for segment in segments)


# --- header fields ------------------------------------------------------------------------------------

# (kind, pattern, single_word). Single-word labels ("Date", "Rep", "SO") count only when followed by
# a colon or standing alone, so a facility called "Date Palm Clinic" is not read as a label.
_LABEL_SPECS: list[tuple[str, str, bool]] = [
    ("order_number", r"(?:sales\s+)?order\s*(?:#|number\b|num\b\.?|no\b\.?)(?:\s*#)?", False),
    ("order_number", r"s\.?o\.?\s*(?:#|number\b|no\b\.?)(?:\s*#)?", False),
    ("order_number", r"so\b", True),
    ("ship_date", r"ship(?:ping|ped)?\s*date\b|date\s+shipped\b", False),
    ("date", r"(?:order\s+)?date\b", True),
    ("ship_to", r"ship(?:ped|ping)?\s*-?\s*to\b", False),
    ("rep", r"sales\s*rep(?:resentative)?\b\.?|sales\s*person\b", False),
    ("rep", r"rep\b\.?", True),
]
_LABELS = [
    (kind, re.compile(rf"^(?:{pattern})\s*(:)?\s*", re.IGNORECASE), single)
    for kind, pattern, single in _LABEL_SPECS
]

_ORDER_NUMBER = re.compile(r"^(?=[^\s]*\d)[A-Za-z0-9][A-Za-z0-9._/-]*$")


@dataclass(frozen=True)
class _LabelMatch:
    kind: str
    label: str
    value: str
    end: int  # where the value starts in the matched text


def _match_label(text: str) -> _LabelMatch | None:
    for kind, pattern, single_word in _LABELS:
        match = pattern.match(text)
        if not match:
            continue
        value = text[match.end() :].strip()
        if single_word and not match.group(1) and value:
            continue
        return _LabelMatch(kind, text[: match.end()].strip().rstrip(":").strip(), value, match.end())
    return None


@dataclass(frozen=True)
class _Field:
    kind: str
    label: str
    value: str
    value_x0: float  # where the value's text starts: the ship-to block continues at this x...
    value_line: int  # index of the line holding (the first line of) the value
    label_x0: float  # ...or at the label's x, when the block runs on flush left under "Ship To: Name"


def _find_fields(lines: Sequence[_Line]) -> list[_Field]:
    fields = []
    for index, line in enumerate(lines):
        for position, segment in enumerate(line.segments):
            match = _match_label(segment.text)
            if match is None:
                continue
            if match.value:
                # The first word of the value tells where the ship-to block's column starts.
                offset, value_x0 = 0, segment.x0
                for word in segment.words:
                    if offset >= match.end:
                        value_x0 = word.x0
                        break
                    offset += len(word.text) + 1
                fields.append(_Field(match.kind, match.label, match.value, value_x0, index, segment.x0))
                continue
            beside = line.segments[position + 1] if position + 1 < len(line.segments) else None
            if beside is not None and _match_label(beside.text) is None:
                fields.append(_Field(match.kind, match.label, beside.text, beside.x0, index, segment.x0))
                continue
            below = _segment_below(lines, index, segment)
            if below is not None:
                fields.append(_Field(match.kind, match.label, below.text, below.x0, index + 1, segment.x0))
            else:
                fields.append(_Field(match.kind, match.label, "", segment.x0, index, segment.x0))
    return fields


def _segment_below(lines: Sequence[_Line], index: int, segment: _Segment) -> _Segment | None:
    """The value printed under a label (boxed forms put labels above values)."""
    if index + 1 >= len(lines):
        return None
    line, following = lines[index], lines[index + 1]
    if following.top - line.bottom > 1.2 * line.height:
        return None
    for candidate in following.segments:
        if segment.x0 - 6 <= candidate.x0 <= segment.x1 + 6 and _match_label(candidate.text) is None:
            return candidate
    return None


def _order_number_field(lines: Sequence[_Line]) -> tuple[_Field | None, _Field | None]:
    """(first usable order-number field, first order-number label whose value is not a number)."""
    unusable = None
    for found in _find_fields(lines):
        if found.kind != "order_number":
            continue
        number = found.value.split()[0].rstrip(",;") if found.value else ""
        if _ORDER_NUMBER.match(number):
            return _Field(
                found.kind, found.label, number, found.value_x0, found.value_line, found.label_x0
            ), unusable
        unusable = unusable or found
    return None, unusable


_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9


def _parse_date(text: str) -> datetime.date | None:
    try:
        if match := re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text):
            year, month, day = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        if match := re.search(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b", text):  # US order: M/D/YYYY
            month, day, year = (int(part) for part in match.groups())
            return datetime.date(year, month, day)
        if match := re.search(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", text):
            month = _MONTHS.get(match.group(1).lower())
            if month:
                return datetime.date(int(match.group(3)), month, int(match.group(2)))
        if match := re.search(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b", text):
            month = _MONTHS.get(match.group(2).lower())
            if month:
                return datetime.date(int(match.group(3)), month, int(match.group(1)))
    except ValueError:  # 2026-02-30 and the like
        return None
    return None


_CITY_LINE = re.compile(
    r"^(?P<city>[^,]*?[A-Za-z][^,]*?),?\s+(?P<state>[A-Za-z]{2})\.?,?\s+"
    r"(?P<postal>\d{5}(?:[-\s]?\d{4})?|[A-Za-z]\d[A-Za-z]\s?\d[A-Za-z]\d)$"
)
_COUNTRY_LINE = re.compile(r"^[A-Za-z][A-Za-z .'()-]{1,40}$")


@dataclass
class _Header:
    ship_date: datetime.date | None = None
    facility_name: str = ""
    address1: str = ""
    address2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    rep: str = ""
    warnings: list[str] = field(default_factory=list)


def _read_header(lines: Sequence[_Line]) -> _Header:
    header = _Header()
    fields = _find_fields(lines)
    first: dict[str, _Field] = {}
    for found in fields:
        if found.value or found.kind == "ship_to":
            first.setdefault(found.kind, found)

    # "Ship Date" wins over a plain "Date" (which may be the order date) when both are printed.
    date_field = first.get("ship_date") or first.get("date")
    if date_field is None:
        header.warnings.append("no ship date found")
    else:
        header.ship_date = _parse_date(date_field.value)
        if header.ship_date is None:
            header.warnings.append(f"ship date '{date_field.value}' could not be read")
        elif date_field.kind == "date" and date_field.label.lower().startswith("order"):
            header.warnings.append(
                f"no ship date printed; the '{date_field.label}' was taken as the ship date"
            )

    if "rep" in first:
        header.rep = first["rep"].value
    else:
        header.warnings.append("no sales rep found")

    ship_to = first.get("ship_to")
    block = _ship_to_block(lines, ship_to) if ship_to else []
    if not block:
        header.warnings.append("no ship-to address found")
    else:
        _split_address(block, header)
    return header


def _ship_to_block(lines: Sequence[_Line], ship_to: _Field) -> list[str]:
    if not ship_to.value:
        return []
    block = [ship_to.value]
    previous = lines[ship_to.value_line]
    seen_city = bool(_CITY_LINE.match(ship_to.value))
    # The block continues under the value; failing that (the first time only), flush under the label.
    columns = [ship_to.value_x0, ship_to.label_x0]
    for line in lines[ship_to.value_line + 1 :]:
        if len(block) >= 7 or line.top - previous.bottom > max(line.height, previous.height):
            break  # a blank line ends the block
        segment = next((s for x in columns for s in line.segments if abs(s.x0 - x) <= 4), None)
        if segment is None or _match_label(segment.text) is not None:
            break
        if seen_city:
            if _COUNTRY_LINE.match(segment.text):
                block.append(segment.text)
            break
        block.append(segment.text)
        columns = [segment.x0]
        seen_city = bool(_CITY_LINE.match(segment.text))
        previous = line
    return block


def _split_address(block: list[str], header: _Header) -> None:
    header.facility_name = block[0]
    rest = block[1:]
    city_index = next((i for i, text in enumerate(rest) if _CITY_LINE.match(text)), None)
    if city_index is None:
        header.warnings.append(
            f"address line '{rest[-1] if rest else block[0]}' could not be split into city/state/ZIP"
        )
        street = rest
    else:
        match = _CITY_LINE.match(rest[city_index])
        assert match is not None
        header.city = match.group("city").strip().rstrip(",")
        header.state = match.group("state").upper()
        header.postal_code = match.group("postal").upper()
        header.country = " ".join(rest[city_index + 1 :])
        street = rest[:city_index]
    if street:
        header.address1 = street[0]
        header.address2 = ", ".join(street[1:])
    else:
        header.warnings.append("no street address found under Ship To")


# --- the line table -----------------------------------------------------------------------------------

# Header-cell names, compared after lower-casing, collapsing spaces and dropping a trailing ":" or ".".
# Only shipped quantities count: "Qty Ordered" is deliberately not a quantity column.
_COLUMN_ALIASES: dict[str, list[str]] = {
    "sku": ["sku", "sku #", "item", "item #", "item no", "item number", "part #", "part no", "part number"],
    "description": ["description", "desc", "item description", "product description"],
    "lot": [
        "lot",
        "lot #",
        "lot no",
        "lot number",
        "batch",
        "batch #",
        "batch no",
        "batch number",
        "lot/batch",
    ],
    "quantity": ["qty", "quantity", "qty shipped", "quantity shipped", "ship qty", "shipped qty"],
}
_ALIAS_TO_FIELD = {alias: name for name, aliases in _COLUMN_ALIASES.items() for alias in aliases}
_CLOSING = re.compile(
    r"^(?:sub-?\s*total|grand\s+total|totals?\b|notes?\b|comments?\b|remarks?\b|terms\b|thank\s+you|"
    r"signature|received\s+by|page\s+\d)",
    re.IGNORECASE,
)
_TOTAL = re.compile(r"\btotals?\b", re.IGNORECASE)


def _column_name(text: str) -> str | None:
    normal = re.sub(r"\s*#", " #", text.lower())
    normal = " ".join(normal.split()).rstrip(":.").strip()
    return _ALIAS_TO_FIELD.get(normal)


def _is_table_header(names: Sequence[str | None]) -> bool:
    present = [name for name in names if name]
    return (
        "sku" in present
        and "quantity" in present
        and ("description" in present or "lot" in present)
        and len(present) == len(set(present))
    )


@dataclass(frozen=True)
class _Column:
    name: str | None  # None: a column we do not read (UOM, price, line number)
    left: float
    right: float


@dataclass(frozen=True)
class _Layout:
    columns: tuple[_Column, ...]
    ruled: bool
    # Unruled only: the header row's cells (name, x0, x1), so a continuation page without a header
    # row can measure its own column gaps against them.
    headings: tuple[tuple[str | None, float, float], ...] = ()

    def column_at(self, x: float) -> _Column | None:
        for column in self.columns:
            if column.left <= x < column.right:
                return column
        return None


@dataclass
class _Row:
    page: int
    sku: str = ""
    description: str = ""
    lot: str = ""
    quantity: str = ""
    unsure_wrapping: bool = False


@dataclass
class _TableRead:
    rows: list[_Row]
    layout: _Layout
    top: float  # everything above this is the page's header block
    header_found: bool
    problem: str = ""  # set when an order line seems to sit below where the table was read to end


@dataclass
class _PageReading:
    number: int
    has_text: bool
    header_lines: list[_Line]
    rows: list[_Row]
    table_header_found: bool
    layout: _Layout | None
    problem: str = ""


def _read_page(page: Page, number: int, carried: _Layout | None) -> _PageReading:
    lines = _lines_from_words(page.extract_words())
    if not lines:
        return _PageReading(number, False, [], [], False, None)
    table = _read_ruled_tables(page, number, carried) or _read_unruled_table(lines, number, carried)
    if table is None:
        return _PageReading(number, True, lines, [], False, None)
    header_lines = [line for line in lines if line.bottom <= table.top + 1]
    return _PageReading(
        number, True, header_lines, table.rows, table.header_found, table.layout, table.problem
    )


def _read_ruled_tables(page: Page, number: int, carried: _Layout | None) -> _TableRead | None:
    found: _TableRead | None = None
    for table in sorted(page.find_tables(), key=lambda t: t.bbox[1]):
        texts = table.extract()
        bands = table.rows
        if not texts or len(texts) != len(bands):
            continue
        header_index = next(
            (i for i, row in enumerate(texts) if _is_table_header([_column_name(c or "") for c in row])), None
        )
        if header_index is not None:
            names = [_column_name(c or "") for c in texts[header_index]]
            edges = bands[header_index].cells
            columns = tuple(
                _Column(name, float(box[0]), float(box[2]))
                for name, box in zip(names, edges, strict=True)
                if box
            )
            layout = _Layout(columns, ruled=True)
            body = list(zip(texts[header_index + 1 :], bands[header_index + 1 :], strict=True))
            top = float(bands[header_index].bbox[1])
        elif carried is not None and carried.ruled and _continues_layout(bands[0].cells, carried):
            layout = carried  # the header row was not repeated on this page
            body = list(zip(texts, bands, strict=True))
            top = float(table.bbox[1])
        else:
            continue  # some other box on the page (an address frame, a signature box)
        entries = []
        for row_texts, band in body:
            cells: dict[str, str] = {}
            for text, box in zip(row_texts, band.cells, strict=True):
                column = layout.column_at((box[0] + box[2]) / 2) if box else None
                if column is not None and column.name and text:
                    cells[column.name] = _clean_cell(column.name, text)
            entries.append(_Entry(float(band.bbox[1]), cells, " ".join(t or "" for t in row_texts)))
        rows = _rows_from_entries(entries, number, ruled=True)
        if found is None:
            found = _TableRead(rows, layout, top, header_index is not None)
        else:  # a second table on the page: the line table split in two by a page element
            found.rows.extend(rows)
    return found


def _continues_layout(edges: Sequence[Any], layout: _Layout) -> bool:
    boxes = [box for box in edges if box]
    if len(boxes) != len(layout.columns):
        return False
    return all(
        abs(box[0] - column.left) <= 5 and abs(box[2] - column.right) <= 5
        for box, column in zip(boxes, layout.columns, strict=True)
    )


def _clean_cell(name: str, text: str) -> str:
    if name == "description":
        return " ".join(text.split())
    # An identifier broken over two lines in a cell is one identifier: rejoin without a space.
    return "".join(" ".join(part.split()) for part in text.split("\n"))


@dataclass(frozen=True)
class _Entry:
    """One printed line (unruled) or one table row (ruled), already split into named cells."""

    top: float
    cells: dict[str, str]
    text: str
    # Unruled only: the description words' (x0, x1, width of the first word, line height).
    span: tuple[float, float, float, float] | None = None

    @property
    def is_anchor(self) -> bool:  # carries a line of its own
        return bool(self.cells.get("sku") or self.cells.get("quantity"))

    @property
    def is_continuation(self) -> bool:  # more description (or lot) for a neighbouring line
        return not self.is_anchor and bool(self.cells.get("description") or self.cells.get("lot"))


def _header_cells(line: _Line) -> list[tuple[str | None, float, float]]:
    """Split a line into header cells, matching multi-word names ("Lot Number") only across normal spaces."""
    cells: list[tuple[str | None, float, float]] = []
    for segment in line.segments:
        words = segment.words
        index = 0
        while index < len(words):
            for size in (3, 2, 1):
                chunk = words[index : index + size]
                if len(chunk) < size:
                    continue
                tight = all(b.x0 - a.x1 < 0.6 * a.height for a, b in zip(chunk, chunk[1:], strict=False))
                name = _column_name(" ".join(word.text for word in chunk)) if tight else None
                if name or size == 1:
                    cells.append((name, chunk[0].x0, chunk[-1].x1))
                    index += size
                    break
    return cells


def _layout_from_header(cells: Sequence[tuple[str | None, float, float]]) -> _Layout:
    cells = sorted(cells, key=lambda cell: cell[1])
    # Until the rows are seen, assume left-aligned text: a column begins where its heading begins.
    bounds = [cell[1] - 1 for cell in cells[1:]]
    return _layout_with_bounds(cells, bounds)


def _layout_with_bounds(cells: Sequence[tuple[str | None, float, float]], bounds: Sequence[float]) -> _Layout:
    edges = [-math.inf, *bounds, math.inf]
    columns = tuple(_Column(cell[0], edges[i], edges[i + 1]) for i, cell in enumerate(cells))
    return _Layout(columns, ruled=False, headings=tuple(cells))


def _refine_bounds(
    cells: Sequence[tuple[str | None, float, float]], layout: _Layout, rows: Sequence[_Line]
) -> _Layout:
    """Move each boundary into the widest clear gap the table's lines leave between two headings.

    Headings are often centred or right-aligned while values are not, so a heading's left edge is
    only a first guess. Every line of the table is measured, continuation lines included, so no
    word is left unseen that could fall on the wrong side of the chosen gap.
    """
    cells = sorted(cells, key=lambda cell: cell[1])
    covered = sorted((word.x0, word.x1) for line in rows for word in line.words)
    min_gap = 0.4 * (sorted(line.height for line in rows)[len(rows) // 2] if rows else 10.0)
    bounds = []
    for (_, _, left_end), (_, right_start, _), column in zip(cells, cells[1:], layout.columns, strict=False):
        best: tuple[float, float] | None = None
        cursor = left_end
        for x0, x1 in [*covered, (right_start, right_start)]:
            if x1 <= cursor and x0 < right_start:
                continue
            gap_end = min(x0, right_start)
            if gap_end - cursor >= min_gap and (best is None or gap_end - cursor > best[1] - best[0]):
                best = (cursor, gap_end)
            if x0 >= right_start:
                break
            cursor = max(cursor, x1)
        bounds.append((best[0] + best[1]) / 2 if best else column.right)
    return _layout_with_bounds(cells, bounds)


def _assign(line: _Line, layout: _Layout) -> tuple[dict[str, str], bool]:
    """Words -> named cells by the column holding each word's centre; also: does a word straddle a boundary?"""
    parts: dict[str, list[str]] = {}
    straddles = False
    for word in line.words:
        column = layout.column_at(word.center)
        if column is None:
            continue
        if word.x0 < column.left - 2 or word.x1 > column.right + 2:
            straddles = True
        if column.name:
            parts.setdefault(column.name, []).append(word.text)
    cells = {name: _clean_cell(name, " ".join(texts)) for name, texts in parts.items()}
    return cells, straddles


def _description_span(line: _Line, layout: _Layout) -> tuple[float, float, float, float] | None:
    words = [
        w for w in line.words if (c := layout.column_at(w.center)) is not None and c.name == "description"
    ]
    if not words:
        return None
    return (words[0].x0, words[-1].x1, words[0].x1 - words[0].x0, line.height)


def _is_confident_row(line: _Line, layout: _Layout) -> bool:
    """A line that is surely an order line: a SKU and a valid quantity (straddling is not checked)."""
    cells, _ = _assign(line, layout)
    return bool(cells.get("sku")) and _quantity_value(cells.get("quantity", "")) is not None


def _read_unruled_table(lines: Sequence[_Line], number: int, carried: _Layout | None) -> _TableRead | None:
    header_index, cells = None, []
    for index, line in enumerate(lines):
        cells = _header_cells(line)
        if _is_table_header([cell[0] for cell in cells]):
            header_index = index
            break
    if header_index is not None:
        start, table_top, previous_top = header_index + 1, lines[header_index].top, lines[header_index].top
        # First pass with the headings' left edges, only to find where the table ends; then measure
        # the real column gaps on those lines.
        guess = _layout_from_header(cells)
        _, region_end = _scan_table(lines, start, previous_top, guess, check_straddling=False)
        layout = _refine_bounds(cells, guess, lines[start:region_end])
    elif carried is not None:
        layout = carried  # the header row was not repeated on this continuation page
        first = next((i for i, line in enumerate(lines) if _is_confident_row(line, layout)), None)
        if first is None:
            return None
        start = first
        # Vertically centred cells print the first part of a wrapped description above the SKU.
        # (Straddling is not held against it yet: the gaps are measured on this page just below.)
        while start > 0:
            above = lines[start - 1]
            cells_above, _ = _assign(above, layout)
            close = lines[start].top - above.bottom <= lines[start].height
            if not _Entry(above.top, cells_above, above.text).is_continuation or not close:
                break
            if _has_label(above):
                break
            start -= 1
        table_top, previous_top = lines[start].top, None
        if layout.headings:  # this page's descriptions may be longer than the last page's
            _, region_end = _scan_table(lines, start, None, layout, check_straddling=False)
            guess = _layout_from_header(layout.headings)
            layout = _refine_bounds(layout.headings, guess, lines[start:region_end])
    else:
        return None

    entries, end = _scan_table(lines, start, previous_top, layout, check_straddling=True)
    table = _TableRead(
        _rows_from_entries(entries, number, ruled=False), layout, table_top, header_index is not None
    )
    # Stopping early must never lose lines silently: anything below that still reads as an order
    # line means the table was not understood.
    for line in lines[end:]:
        if _is_confident_row(line, layout) and not _TOTAL.search(line.text) and not _starts_new_order(line):
            table.problem = f"the line '{line.text}' below the table could not be read as part of it"
            break
    return table


def _scan_table(
    lines: Sequence[_Line], start: int, previous_top: float | None, layout: _Layout, *, check_straddling: bool
) -> tuple[list[_Entry], int]:
    """The table's lines from `start` until it visibly ends; returns them and the index after the last."""
    entries: list[_Entry] = []
    widest_step = 0.0
    for index in range(start, len(lines)):
        line = lines[index]
        if previous_top is not None:
            step = line.top - previous_top
            # A gap much wider than any step so far between table lines: the table has ended.
            limit = 1.8 * widest_step if widest_step else max(4 * line.height, 36.0)
            if step > max(limit, 1.5 * line.height):
                return entries, index
        cells, straddles = _assign(line, layout)
        if (straddles and check_straddling) or _CLOSING.match(line.text) or _starts_new_order(line):
            return entries, index
        if _is_table_header([cell[0] for cell in _header_cells(line)]):
            return entries, index
        if not cells.get("sku") and _TOTAL.search(line.text):
            return entries, index
        entries.append(_Entry(line.top, cells, line.text, _description_span(line, layout)))
        if previous_top is not None:
            widest_step = max(widest_step, step)
        previous_top = line.top
    return entries, len(lines)


def _has_label(line: _Line) -> bool:
    return any(_match_label(segment.text) is not None for segment in line.segments)


def _starts_new_order(line: _Line) -> bool:
    return _order_number_field([line])[0] is not None


def _rows_from_entries(entries: Sequence[_Entry], page: int, *, ruled: bool) -> list[_Row]:
    """Turn table lines into rows, attaching wrapped-description lines to the row they belong to."""
    kept: list[_Entry] = []
    for entry in entries:
        if not entry.is_anchor and not entry.is_continuation:
            continue  # only unread columns (UOM, price) or nothing at all
        if not entry.cells.get("sku") and entry.cells.get("quantity") and _TOTAL.search(entry.text):
            break  # a totals row inside the table
        kept.append(entry)
    anchors = [i for i, entry in enumerate(kept) if entry.is_anchor]
    if not anchors:
        return []
    owner, unsure = _attach_continuations(kept, anchors, ruled=ruled)
    rows: dict[int, _Row] = {}
    for index in anchors:
        cells = kept[index].cells
        rows[index] = _Row(page, sku=cells.get("sku", ""), quantity=cells.get("quantity", ""))
    for index, entry in enumerate(kept):
        row = rows[owner[index]]
        # Only rows that took in a continuation line are in doubt when the wrapping was unclear.
        row.unsure_wrapping = row.unsure_wrapping or (unsure and owner[index] != index)
        if entry.cells.get("description"):
            row.description = f"{row.description} {entry.cells['description']}".strip()
        if entry.cells.get("lot"):
            row.lot += entry.cells["lot"]
    return [rows[index] for index in anchors]


def _attach_continuations(
    entries: Sequence[_Entry], anchors: Sequence[int], *, ruled: bool
) -> tuple[list[int], bool]:
    """Decide which line each continuation belongs to; returns (owner anchor per entry, unsure).

    Writers align the cells of a row at the top (the SKU sits on the first description line), in the
    middle (the SKU sits halfway down a wrapped description) or at the bottom. Try the alignments in
    that order and keep the first that explains every line.
    """
    if len(anchors) == len(entries):
        return list(range(len(entries))), False
    candidates = ["top"] if ruled else ["top", "middle", "bottom"]
    # An anchor line with no description of its own, between two continuation lines, is centred.
    centred = any(
        not entries[i].cells.get("description")
        and 0 < i < len(entries) - 1
        and entries[i - 1].is_continuation
        and entries[i + 1].is_continuation
        for i in anchors
    )
    if centred:
        candidates = ["middle"]
    fitting = [owner for mode in candidates if (owner := _owners(entries, anchors, mode)) is not None]
    for owner in fitting:
        if ruled or _wraps_plausibly(entries, owner):
            return owner, False
    if fitting:  # explicit line breaks in a description can look like this; keep it but say so
        return fitting[0], True
    owner = [min(anchors, key=lambda a, e=entry: abs(entries[a].top - e.top)) for entry in entries]
    return owner, True


def _wraps_plausibly(entries: Sequence[_Entry], owner: Sequence[int]) -> bool:
    """False when a grouping joins a line to the next although the next line's first word would have fit on it.

    Word wrapping only breaks a line when the next word does not fit. The widest description line
    seen is a lower bound on the column width, so "it would have fitted" is a safe verdict, and it
    tells a centred 3-line description apart from a short line followed by a top-aligned wrap.
    """
    spans = [entry.span for entry in entries if entry.span]
    if not spans:
        return True
    left = min(span[0] for span in spans)
    right = max(span[1] for span in spans)
    last_in_row: dict[int, tuple[float, float, float, float]] = {}
    for entry, row in zip(entries, owner, strict=True):
        if entry.span is None:
            continue
        previous = last_in_row.get(row)
        if previous is not None:
            space = 0.2 * previous[3]
            if previous[1] + space + entry.span[2] < right - 1 and entry.span[0] <= left + 1:
                return False
        last_in_row[row] = entry.span
    return True


def _owners(entries: Sequence[_Entry], anchors: Sequence[int], mode: str) -> list[int] | None:
    count = len(entries)
    if mode == "top":
        if anchors[0] != 0:
            return None
        owner, current = [], anchors[0]
        for index in range(count):
            current = index if entries[index].is_anchor else current
            owner.append(current)
        return owner
    if mode == "bottom":
        if anchors[-1] != count - 1:
            return None
        owner, current = [0] * count, anchors[-1]
        for index in reversed(range(count)):
            current = index if entries[index].is_anchor else current
            owner[index] = current
        return owner
    # middle: each row's lines are centred on its anchor line.
    owner = [0] * count
    start = 0
    for position, anchor in enumerate(anchors):
        limit = anchors[position + 1] - 1 if position + 1 < len(anchors) else count - 1
        # The row's last line is as far below the anchor as its first line is above it.
        wanted = 2 * entries[anchor].top - entries[start].top
        end = next((j for j in range(anchor, limit + 1) if abs(entries[j].top - wanted) <= 2.5), None)
        if end is None:
            return None
        for j in range(start, end + 1):
            owner[j] = anchor
        start = end + 1
    return owner if start == count else None


# --- orders -------------------------------------------------------------------------------------------

_QUANTITY = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?$")


def _quantity_value(text: str) -> int | None:
    text = text.strip()
    if not _QUANTITY.match(text):
        return None
    return int(text.replace(",", "").split(".")[0])


@dataclass
class _OrderDraft:
    order_number: str
    header: _Header
    first_page: int
    last_page: int
    rows: list[_Row] = field(default_factory=list)
    saw_table: bool = False
    page_warnings: list[str] = field(default_factory=list)


def _assemble_orders(readings: Sequence[_PageReading], file_name: str) -> list[PdfOrder]:
    drafts: list[_OrderDraft] = []
    skipped: list[int] = []
    for reading in readings:
        if reading.problem:
            raise PdfImportError(
                f"{file_name}, page {reading.number}: {reading.problem}. Check the file, or enter its lines by "
                "hand under New entry.",
                file_name,
            )
        found, unusable = _order_number_field(reading.header_lines)
        current = drafts[-1] if drafts else None
        # A page with a different order number starts a new order; the same number repeated at the
        # top of a continuation page does not.
        if found is not None and (current is None or found.value != current.order_number):
            current = _OrderDraft(
                found.value, _read_header(reading.header_lines), reading.number, reading.number
            )
            earlier = [draft.first_page for draft in drafts if draft.order_number == found.value]
            if earlier:
                current.page_warnings.append(
                    f"order {found.value} also starts on page {earlier[0]} of this file; check for a duplicate"
                )
            drafts.append(current)
        if current is None:
            if unusable is not None:
                raise PdfImportError(
                    f"{file_name}, page {reading.number}: there is an '{unusable.label}' label but no order number "
                    "next to it.",
                    file_name,
                )
            if reading.rows:
                raise PdfImportError(
                    f"{file_name}, page {reading.number}: order lines were found but no order number above them "
                    "(labelled 'Order #', 'Order Number' or 'SO').",
                    file_name,
                )
            skipped.append(reading.number)
            continue
        current.last_page = reading.number
        current.rows.extend(reading.rows)
        current.saw_table = current.saw_table or reading.table_header_found
        if not reading.has_text:
            current.page_warnings.append(_unread_page_warning(reading.number))
    if not drafts:
        raise PdfImportError(
            f"{file_name} does not look like a sales order: no order number labelled 'Order #', "
            "'Order Number' or 'SO' was found.",
            file_name,
        )
    # Pages before the first order: a cover sheet is harmless, but a scanned page might be an order.
    blank = [number for number in skipped if not readings[number - 1].has_text]
    other = [number for number in skipped if number not in blank]
    notes = [_unread_page_warning(number) for number in blank]
    if other:
        notes.append(f"page(s) {', '.join(map(str, other))} had no order on them and were skipped")
    drafts[0].page_warnings[:0] = notes
    return [_finish(draft, file_name) for draft in drafts]


def _unread_page_warning(number: int) -> str:
    return f"page {number} has no text layer (a scanned image?) and was not read; check it by hand"


def _finish(draft: _OrderDraft, file_name: str) -> PdfOrder:
    where = f"{file_name}, order {draft.order_number}"
    if not draft.saw_table:
        raise PdfImportError(
            f"{where} (page {draft.first_page}): no line table was found. The table needs a header row "
            "with SKU, Description, Lot and Qty columns.",
            file_name,
        )
    if not draft.rows:
        raise PdfImportError(f"{where}: the line table has no lines in it.", file_name)
    lines: list[PdfLine] = []
    warnings = [*draft.header.warnings, *draft.page_warnings]
    for number, row in enumerate(draft.rows, start=1):
        if not row.sku:
            raise PdfImportError(
                f"{where}, page {row.page}: a line with quantity {row.quantity} has no SKU.", file_name
            )
        if not row.quantity:
            raise PdfImportError(
                f"{where}, page {row.page}: the line for SKU {row.sku} has no quantity.", file_name
            )
        quantity = _quantity_value(row.quantity)
        if quantity is None:
            raise PdfImportError(
                f"{where}, page {row.page}: the line for SKU {row.sku} has quantity '{row.quantity}', "
                "which is not a whole number.",
                file_name,
            )
        if quantity == 0:
            raise PdfImportError(
                f"{where}, page {row.page}: the line for SKU {row.sku} has quantity 0; a shipped line needs at least 1.",
                file_name,
            )
        if not row.lot:
            warnings.append(f"line {number} (SKU {row.sku}): no lot")
        if row.unsure_wrapping:
            warnings.append(f"line {number} (SKU {row.sku}): the description wraps oddly; check it")
        lines.append(PdfLine(row.sku, row.description, row.lot, quantity, row.page))
    header = draft.header
    return PdfOrder(
        order_number=draft.order_number,
        ship_date=header.ship_date,
        facility_name=header.facility_name,
        address1=header.address1,
        address2=header.address2,
        city=header.city,
        state=header.state,
        postal_code=header.postal_code,
        country=header.country,
        rep=header.rep,
        lines=lines,
        pages=(draft.first_page, draft.last_page),
        warnings=warnings,
    )


# --- the child process ----------------------------------------------------------------------------------


def _result_to_json(result: PdfParseResult) -> dict[str, Any]:
    return {
        "file_name": result.file_name,
        "sha256": result.sha256,
        "page_count": result.page_count,
        "orders": [
            {
                **{name: getattr(order, name) for name in _ORDER_TEXT_FIELDS},
                "ship_date": order.ship_date.isoformat() if order.ship_date else None,
                "pages": list(order.pages),
                "warnings": list(order.warnings),
                "lines": [
                    [line.sku, line.description, line.lot_number, line.quantity, line.page]
                    for line in order.lines
                ],
            }
            for order in result.orders
        ],
    }


_ORDER_TEXT_FIELDS = (
    "order_number",
    "facility_name",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
    "rep",
)


def _result_from_json(data: dict[str, Any]) -> PdfParseResult:
    # Built field by field (not pickle): the child has just read a hostile file and is not trusted
    # to hand the web process anything but plain values.
    orders = []
    for raw in data["orders"]:
        first, last = raw["pages"]
        orders.append(
            PdfOrder(
                **{name: str(raw[name]) for name in _ORDER_TEXT_FIELDS},
                ship_date=datetime.date.fromisoformat(raw["ship_date"]) if raw["ship_date"] else None,
                lines=[PdfLine(str(s), str(d), str(lot), int(q), int(p)) for s, d, lot, q, p in raw["lines"]],
                pages=(int(first), int(last)),
                warnings=[str(w) for w in raw["warnings"]],
            )
        )
    return PdfParseResult(str(data["file_name"]), str(data["sha256"]), int(data["page_count"]), orders)


def _limit_resources(memory_limit_bytes: int, cpu_seconds: int) -> None:
    try:
        import resource
    except ImportError:  # not on POSIX: the parent's wall clock is the only limit
        return
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))


def _child_main() -> int:
    """Read a JSON request line and the PDF bytes from stdin; write one JSON reply to stdout."""
    request = json.loads(sys.stdin.buffer.readline())
    file_name = str(request["file_name"])
    # Limits go on before pdfplumber is imported or the file is touched.
    _limit_resources(int(request["memory_limit_bytes"]), int(request["cpu_seconds"]))
    # pdfminer logs a warning per oddity, and a hostile file can have millions: the parent would
    # buffer them all. Anything printed during the parse goes to stderr, so stdout carries only the reply.
    logging.disable(logging.CRITICAL)
    reply_stream, sys.stdout = sys.stdout, sys.stderr
    try:
        reply: dict[str, Any] = {
            "ok": True,
            "result": _result_to_json(parse_sales_order_pdf(sys.stdin.buffer.read(), file_name)),
        }
    except PdfImportError as err:
        reply = {"ok": False, "error": str(err)}
    except Exception as exc:  # parse_sales_order_pdf converts everything; this is the last line of defence
        reply = {"ok": False, "error": f"{file_name} could not be read ({type(exc).__name__})."}
    reply_stream.write(json.dumps(reply))
    reply_stream.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())
