"""21 CFR 806.10(b): the report is due within 10 working days (Monday to Friday, less listed holidays)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from recalls.deadlines import add_working_days, report_deadline, working_days_between
from recalls.selectors import fda_report_deadline
from tests.factories import RecallFactory

MONDAY = datetime.date(2026, 3, 2)


@pytest.mark.parametrize(("start", "due"), [
    (MONDAY, datetime.date(2026, 3, 16)),                      # two full weeks
    (datetime.date(2026, 3, 6), datetime.date(2026, 3, 20)),   # a Friday
    (datetime.date(2026, 3, 7), datetime.date(2026, 3, 20)),   # a Saturday: counting starts on Monday
])
def test_ten_working_days_skip_weekends(start, due, settings):
    settings.RECALL_HOLIDAYS = frozenset()
    assert report_deadline(start) == due


def test_a_listed_holiday_is_not_a_working_day(settings):
    settings.RECALL_HOLIDAYS = frozenset({datetime.date(2026, 3, 10)})
    assert report_deadline(MONDAY) == datetime.date(2026, 3, 17)
    assert add_working_days(MONDAY, 1, holidays=()) == datetime.date(2026, 3, 3)


def test_working_days_between_counts_either_way(settings):
    settings.RECALL_HOLIDAYS = frozenset()
    assert working_days_between(MONDAY, datetime.date(2026, 3, 9)) == 5
    assert working_days_between(datetime.date(2026, 3, 9), MONDAY) == -5
    assert working_days_between(MONDAY, MONDAY) == 0


@pytest.mark.django_db
def test_the_recall_page_deadline_counts_from_the_opening_and_not_for_a_mock(settings):
    settings.RECALL_HOLIDAYS = frozenset()
    opened = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 0))
    recall = RecallFactory(status="open", opened_at=opened)
    deadline = fda_report_deadline(recall, today=datetime.date(2026, 3, 13))
    assert (deadline.due, deadline.working_days_left, deadline.overdue) == (datetime.date(2026, 3, 16), 1, False)
    late = fda_report_deadline(recall, today=datetime.date(2026, 3, 18))
    assert (late.overdue, late.days_overdue) == (True, 2)
    assert fda_report_deadline(RecallFactory(status="open", opened_at=opened, kind="mock")) is None
    assert fda_report_deadline(RecallFactory()) is None  # a draft
