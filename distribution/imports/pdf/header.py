"""The order header: labelled fields (order number, ship date, sales rep) and the ship-to address.

A field is a label followed by its value after a colon, at a tab stop on the same line, or printed
just under the label (boxed forms); docs/pdf-layout.md lists the labels read.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..values import find_date
from .geometry import Line, Segment

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


def match_label(text: str) -> _LabelMatch | None:
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
class Field:
    kind: str
    label: str
    value: str
    value_x0: float  # where the value's text starts: the ship-to block continues at this x...
    value_line: int  # index of the line holding (the first line of) the value
    label_x0: float  # ...or at the label's x, when the block runs on flush left under "Ship To: Name"


def _find_fields(lines: Sequence[Line]) -> list[Field]:
    fields = []
    for index, line in enumerate(lines):
        for position, segment in enumerate(line.segments):
            match = match_label(segment.text)
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
                fields.append(Field(match.kind, match.label, match.value, value_x0, index, segment.x0))
                continue
            beside = line.segments[position + 1] if position + 1 < len(line.segments) else None
            if beside is not None and match_label(beside.text) is None:
                fields.append(Field(match.kind, match.label, beside.text, beside.x0, index, segment.x0))
                continue
            below = _segment_below(lines, index, segment)
            if below is not None:
                fields.append(Field(match.kind, match.label, below.text, below.x0, index + 1, segment.x0))
            else:
                fields.append(Field(match.kind, match.label, "", segment.x0, index, segment.x0))
    return fields


def _segment_below(lines: Sequence[Line], index: int, segment: Segment) -> Segment | None:
    """The value printed under a label (boxed forms put labels above values)."""
    if index + 1 >= len(lines):
        return None
    line, following = lines[index], lines[index + 1]
    if following.top - line.bottom > 1.2 * line.height:
        return None
    for candidate in following.segments:
        if segment.x0 - 6 <= candidate.x0 <= segment.x1 + 6 and match_label(candidate.text) is None:
            return candidate
    return None


def order_number_field(lines: Sequence[Line]) -> tuple[Field | None, Field | None]:
    """(first usable order-number field, first order-number label whose value is not a number)."""
    unusable = None
    for found in _find_fields(lines):
        if found.kind != "order_number":
            continue
        number = found.value.split()[0].rstrip(",;") if found.value else ""
        if _ORDER_NUMBER.match(number):
            return Field(
                found.kind, found.label, number, found.value_x0, found.value_line, found.label_x0
            ), unusable
        unusable = unusable or found
    return None, unusable


_CITY_LINE = re.compile(
    r"^(?P<city>[^,]*?[A-Za-z][^,]*?),?\s+(?P<state>[A-Za-z]{2})\.?,?\s+"
    r"(?P<postal>\d{5}(?:[-\s]?\d{4})?|[A-Za-z]\d[A-Za-z]\s?\d[A-Za-z]\d)$"
)
_COUNTRY_LINE = re.compile(r"^[A-Za-z][A-Za-z .'()-]{1,40}$")


@dataclass
class Header:
    """What an order's header block says: every PdfOrder field but its number, lines and pages."""

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


def read_header(lines: Sequence[Line]) -> Header:
    header = Header()
    fields = _find_fields(lines)
    first: dict[str, Field] = {}
    for found in fields:
        if found.value or found.kind == "ship_to":
            first.setdefault(found.kind, found)

    # "Ship Date" wins over a plain "Date" (which may be the order date) when both are printed.
    date_field = first.get("ship_date") or first.get("date")
    if date_field is None:
        header.warnings.append("no ship date found")
    else:
        header.ship_date = find_date(date_field.value)
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


def _ship_to_block(lines: Sequence[Line], ship_to: Field) -> list[str]:
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
        if segment is None or match_label(segment.text) is not None:
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


def _split_address(block: list[str], header: Header) -> None:
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
