"""Ship dates and quantities as people write them: the one reading the CSV and the PDF parser share.

Stdlib only: the PDF reader's child process loads this module without Django (see pdf/_child.py).

Dates, whichever form; the year always has four digits and digits are ASCII 0-9:
- ISO year-month-day: ``2026-03-05``, ``2026-3-5``;
- US month/day/year: ``3/5/2026``, ``03/05/2026``;
- an English month name or its abbreviation, with an optional dot, ordinal suffix and comma:
  ``March 5, 2026``, ``Mar. 5th 2026``, ``Sept 5 2026``, ``5 March 2026``, ``5 Mar, 2026``.
Day-first numbers (``05/03/2026`` meant as 5 March, ``05.03.2026``) and two-digit years are never
read: they cannot be told apart from the US form, and a misread date is worse than a refused one.

Quantities: ASCII digits, with or without thousands commas, and an optional decimal part that is all
zeros, as spreadsheets write whole numbers: ``12``, ``007``, ``1,200``, ``1.0``, ``1,200.00``.
The upper bound is the database column's, checked where import lines are checked; here a number of
more than 18 digits is refused only so that nothing absurd is converted (18 digits always fit a
64-bit integer).

`parse_date` and `parse_quantity` judge a whole CSV cell and return the value or why it is not one:
a message that reads after the cell's name and value ("Line 3, ship_date '2026-02-30': is not a real
date: February 2026 has 28 days"). `find_date` and `whole_number` read the PDF's header text and table
cells, whose own messages the PDF parser words.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = [
    "MSG_NOT_A_DATE",
    "MSG_NOT_A_QUANTITY",
    "MSG_REQUIRED",
    "MSG_TOO_LARGE",
    "find_date",
    "parse_date",
    "parse_quantity",
    "whole_number",
]

MSG_REQUIRED = "is required"
MSG_NOT_A_DATE = "is not a date (use YYYY-MM-DD or M/D/YYYY)"
MSG_NOT_A_QUANTITY = "must be a whole number greater than 0"
MSG_TOO_LARGE = "is too large to be a quantity"

_MAX_DIGITS = 18

# English names regardless of the process locale (calendar.month_name follows LC_TIME).
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTHS = {name.lower(): number for number, name in enumerate(_MONTH_NAMES, start=1)}
_MONTHS.update({name[:3].lower(): number for number, name in enumerate(_MONTH_NAMES, start=1)})
_MONTHS["sept"] = 9

# Each form with where its year, month and day stand among the groups. [0-9], not \d: \d also
# matches Arabic-Indic and full-width digits, which int() would happily accept.
_DATE_FORMS: tuple[tuple[str, tuple[int, int, int]], ...] = (
    (r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", (1, 2, 3)),
    (r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", (3, 1, 2)),
    (r"([A-Za-z]{3,9})\.?\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\s+([0-9]{4})", (3, 1, 2)),
    (r"([0-9]{1,2})\s+([A-Za-z]{3,9})\.?,?\s+([0-9]{4})", (3, 2, 1)),
)
_WHOLE_DATES = [(re.compile(form), order) for form, order in _DATE_FORMS]
_DATES_IN_TEXT = [(re.compile(rf"\b{form}\b"), order) for form, order in _DATE_FORMS]

_WHOLE_NUMBER = re.compile(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0+)?")


def parse_date(value: str) -> date | str:
    """The date a whole (trimmed) cell spells, or the message saying why it is not one."""
    if not value:
        return MSG_REQUIRED
    for pattern, order in _WHOLE_DATES:
        match = pattern.fullmatch(value)
        if match:
            found = _date_of(match, order)
            if found is not None:
                return found
    return MSG_NOT_A_DATE


def find_date(text: str) -> date | None:
    """The first date written in `text` (a header field's value, which may carry other words)."""
    for pattern, order in _DATES_IN_TEXT:
        match = pattern.search(text)
        if match:
            found = _date_of(match, order)
            if found is not None:  # a word that is no month name: try the next form
                return found if isinstance(found, date) else None
    return None


def _date_of(match: re.Match[str], order: tuple[int, int, int]) -> date | str | None:
    """The matched date, the message for an impossible one, or None when the month word names no month."""
    year_text, month_text, day_text = (match.group(index) for index in order)
    if month_text.isdigit():
        month = int(month_text)
    else:
        month = _MONTHS.get(month_text.lower(), 0)
        if not month:
            return None
    year, day = int(year_text), int(day_text)
    # Spelled out, because "day is out of range for month" does not tell a user what to fix.
    if not 1 <= month <= 12:
        return f"is not a real date: there is no month {month} (M/D/YYYY puts the month first)"
    if year < 1:
        return "is not a real date: there is no year 0"
    last_day = _days_in_month(year, month)
    if not 1 <= day <= last_day:
        return f"is not a real date: {_MONTH_NAMES[month - 1]} {year} has {last_day} days"
    return date(year, month, day)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def whole_number(text: str) -> int | None:
    """The whole number (0 included) that `text` spells once trimmed, or None when it spells none."""
    digits = _digits(text.strip())
    if digits is None or len(digits) > _MAX_DIGITS:
        return None
    return int(digits) if digits else 0


def parse_quantity(value: str) -> int | str:
    """The quantity a whole (trimmed) cell spells, at least 1, or the message saying why it is not one."""
    if not value:
        return MSG_REQUIRED
    digits = _digits(value)
    if not digits:  # not a number, or zero
        return MSG_NOT_A_QUANTITY
    # Compare lengths first: int() of a few thousand digits is slow and, past 4,300, refused.
    if len(digits) > _MAX_DIGITS:
        return MSG_TOO_LARGE
    return int(digits)


def _digits(text: str) -> str | None:
    """The significant digits of a whole number ("" for zero), or None when `text` is not one."""
    match = _WHOLE_NUMBER.fullmatch(text)
    if match is None:
        return None
    return match.group(1).replace(",", "").lstrip("0")
