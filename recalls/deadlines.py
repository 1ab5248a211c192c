"""Working days for the FDA report deadline (21 CFR 806.10(b): within 10 working days of initiating a
correction or removal). Monday to Friday, less the days listed in settings.RECALL_HOLIDAYS."""

from __future__ import annotations

import datetime
from collections.abc import Container

from django.conf import settings

REPORT_WORKING_DAYS = 10


def is_working_day(day: datetime.date, holidays: Container[datetime.date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: datetime.date, days: int, holidays: Container[datetime.date] | None = None
                     ) -> datetime.date:
    """The `days`-th working day after `start` (the start day itself does not count)."""
    holidays = settings.RECALL_HOLIDAYS if holidays is None else holidays
    day = start
    left = days
    while left > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date,
                         holidays: Container[datetime.date] | None = None) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is before `start`)."""
    holidays = settings.RECALL_HOLIDAYS if holidays is None else holidays
    if end < start:
        return -working_days_between(end, start, holidays)
    return sum(1 for n in range(1, (end - start).days + 1)
               if is_working_day(start + datetime.timedelta(days=n), holidays))


def report_deadline(opened_on: datetime.date) -> datetime.date:
    return add_working_days(opened_on, REPORT_WORKING_DAYS)
