"""GS1 identifiers on UDI labels (21 CFR 801.20, §830): GTIN check digits and label reading, without the ORM.

A UDI carries the device identifier (DI: a GTIN, GS1 Application Identifier 01) and the production
identifiers: lot (AI 10), expiry date (AI 17), serial number (AI 21), manufacture date (AI 11).
`parse_label()` reads the three forms in which the same label reaches us, through `biip`:

* the **element string** as a scanner types it: an optional symbology identifier (``]d2`` GS1
  DataMatrix, ``]C1`` GS1-128, ``]Q3`` QR…), variable-length fields ended by the group separator
  (ASCII 29, what the scanner sends for FNC1): ``]d201008123456789011727123110A1B2C3<GS>21S0001``;
* the **human-readable interpretation** printed under the barcode: ``(01)00812345678901(17)271231(10)A1``;
* a **GS1 Digital Link** URI: ``https://id.gs1.org/01/00812345678901/10/A1?17=271231``;

and, as a courtesy to linear barcodes, a bare GTIN (8, 12, 13 or 14 digits), which fills the DI only.
AI 17's day "00" means the last day of the month (GS1 General Specifications §3.4.4); biip does that.
Every failure raises `GS1Error` with a sentence for the person holding the scanner.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass

import biip
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin
from biip.rcn import Rcn

# What biip raises on input it cannot read: its own ParseError, and (found by fuzzing: biip.parse("]"))
# plain IndexError/ValueError from inside. Either way the code is unreadable, never a server error.
_BIIP_FAILURES = (biip.BiipException, IndexError, ValueError, KeyError)

_WEB_ADDRESS = re.compile(r"(https?://[^/?#]*)", re.IGNORECASE)
_SCANNED = re.compile(r"(?:\][A-Za-z][0-9A-Za-z])?[0-9]{2}")

# Longer than any real label (a GS1 DataMatrix on a device label holds well under 200 characters).
MAX_CODE_LENGTH = 512

AI_GTIN, AI_LOT, AI_EXPIRY, AI_SERIAL, AI_PRODUCTION_DATE = "01", "10", "17", "21", "11"


class GS1Error(ValueError):
    """A code that cannot be used: str() is the message shown to the user."""


@dataclass(frozen=True)
class GS1Label:
    """What a UDI label says. udi_di is always the 14-digit GTIN."""

    udi_di: str
    lot_number: str = ""
    expiry_date: datetime.date | None = None
    serial_number: str = ""
    manufacture_date: datetime.date | None = None
    form: str = ""  # "element string", "human-readable", "Digital Link" or "GTIN"


@functools.lru_cache(maxsize=4096)  # pure: a big import repeats a few GTINs on thousands of lines
def normalize_gtin(value: str | None) -> str:
    """A GTIN-8/12/13/14 as its 14-digit form, check digit verified; GS1Error otherwise.

    Restricted circulation numbers (prefixes 02 and 20–29, and all zeros) are for use inside one company
    and never identify a device (21 CFR 830.20 asks for a globally unique DI): they are refused too."""
    digits = "".join((value or "").split())
    if not digits:
        raise GS1Error("Enter a GTIN.")
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in (8, 12, 13, 14):
        raise GS1Error(f"“{_shorten(digits)}” is not a GTIN: a GTIN has 8, 12, 13 or 14 digits.")
    expected = str(biip.checksums.gs1_standard_check_digit(digits[:-1]))
    if digits[-1] != expected:
        raise GS1Error(f"GTIN {digits} has a wrong check digit: the last digit should be {expected}, "
                       f"not {digits[-1]}. Check the number on the label.")
    try:
        gtin = Gtin.parse(digits)
    except biip.ParseError as error:  # pragma: no cover - the checks above leave nothing biip refuses
        raise GS1Error(f"GTIN {digits} is not valid: {error}") from None
    if isinstance(gtin, Rcn) or set(digits) == {"0"}:
        raise GS1Error(f"GTIN {digits} is a restricted circulation number (for use inside one company), "
                       "not a device identifier.")
    return gtin.as_gtin_14()


def gtin_or_as_given(value: str) -> str:
    """A valid GTIN as its 14-digit form; anything else unchanged, for a check that names it as written."""
    try:
        return normalize_gtin(value)
    except GS1Error:
        return value


def parse_label(code: str | None) -> GS1Label:
    """Read a scanned or typed UDI label; GS1Error names what is wrong, and nothing is half-read."""
    code = (code or "").strip()  # scanners end with Enter; strip() also drops a leading or trailing GS
    if not code:
        raise GS1Error("Scan a label or type its code.")
    if len(code) > MAX_CODE_LENGTH:
        raise GS1Error(f"This code is {len(code)} characters long; a UDI label has far fewer. Scan it again.")
    if code.startswith("("):
        form = "human-readable"
        try:
            elements = GS1Message.parse_hri(code).element_strings
        except _BIIP_FAILURES as error:
            raise GS1Error(f"Could not read “{_shorten(code)}” as GS1 text in (AI)value form{_why(error)}") from None
    else:
        elements, form = _parse_scanned(code)
    return _label(elements, form)


def _parse_scanned(code: str) -> tuple:
    """(element strings, form) of a raw scan or a Digital Link; for a bare GTIN, (its digits, "GTIN")."""
    web = _WEB_ADDRESS.match(code)
    if web:  # QR codes often carry the address in capitals (their compact mode); scheme and host ignore case
        code = web.group(1).lower() + code[web.end(1):]
    try:
        result = biip.parse(code)
    except _BIIP_FAILURES as error:
        raise GS1Error(f"Could not read “{_shorten(code)}” as a GS1 label{_why(error)}") from None
    if result.gs1_digital_link_uri is not None:
        return result.gs1_digital_link_uri.element_strings, "Digital Link"
    if web:
        raise GS1Error(f"This web address is not a GS1 Digital Link: {result.gs1_digital_link_uri_error}")
    if result.gs1_message is not None and result.gs1_message.element_strings:
        return result.gs1_message.element_strings, "element string"
    if result.gtin is not None:
        return result.gtin.value, "GTIN"
    if result.gtin_error and code.isdigit() and len(code) in (8, 12, 13, 14):
        normalize_gtin(code)  # raises with the check-digit message
    if result.gs1_message_error and _SCANNED.match(code):  # digits first: an element string, misread
        raise GS1Error(f"Could not read “{_shorten(code)}” as a GS1 element string: {result.gs1_message_error}")
    raise GS1Error(f"“{_shorten(code)}” is not a GS1 label: it is neither an element string like "
                   "01…17…10…, nor (01)…(10)… text, nor a GS1 Digital Link address.")


def _label(elements, form: str) -> GS1Label:
    if form == "GTIN":  # a bare GTIN: `elements` is its digits
        return GS1Label(udi_di=normalize_gtin(elements), form=form)
    values: dict[str, object] = {}
    for element in elements:
        ai = element.ai.ai
        if ai == AI_GTIN:
            if element.gtin_error or element.gtin is None:
                normalize_gtin(element.value)  # raises, naming the expected check digit
            value: object = normalize_gtin(element.value)
        elif ai in (AI_EXPIRY, AI_PRODUCTION_DATE):
            value = element.date
        else:
            value = element.value
        if ai in values and values[ai] != value:
            raise GS1Error(f"The code gives AI ({ai}) twice with different values. Scan a single label.")
        values[ai] = value
    if AI_GTIN not in values:
        raise GS1Error("This code has no device identifier (GTIN, AI 01): it is not a UDI label. "
                       "Scan the barcode that starts with (01).")
    return GS1Label(
        udi_di=str(values[AI_GTIN]), lot_number=str(values.get(AI_LOT, "")), expiry_date=values.get(AI_EXPIRY),
        serial_number=str(values.get(AI_SERIAL, "")), manufacture_date=values.get(AI_PRODUCTION_DATE), form=form,
    )


def _why(error: Exception) -> str:
    """biip's own message says what it expected; an error from deeper inside would only confuse."""
    return f": {error}" if isinstance(error, biip.BiipException) else "."


def _shorten(value: str, limit: int = 60) -> str:
    shown = "".join(ch if ch.isprintable() else "·" for ch in value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
