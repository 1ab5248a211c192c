"""The one check of an import line against what the entry model accepts (lengths, quantity, dates),
whatever source the line came from; the limits are the model's own."""

from __future__ import annotations

import datetime

import pytest

from distribution.fields import MAX_QUANTITY, NOTES_MAX_LENGTH, TEXT_LIMITS
from distribution.imports.lines import ImportLine, line_problems
from distribution.imports.use_cases import preview_csv_file
from distribution.models import DistributionLogEntry

pytestmark = pytest.mark.django_db

LIMITED = sorted(name for name in TEXT_LIMITS if name in {"order_number", "facility_name", "address1", "address2",
                                                            "city", "state", "postal_code", "country", "sku",
                                                            "udi_di", "lot_number"})


def line(**overrides) -> ImportLine:
    values = {"line": 2, "ship_date": datetime.date(2026, 3, 2), "order_number": "SO-1", "facility_name": "Hospital A",
              "sku": "211810SPT", "quantity": 5, "lot_number": "LOT1"}
    return ImportLine(**{**values, **overrides})


def test_the_limits_are_read_from_the_model():
    for name, limit in TEXT_LIMITS.items():
        assert DistributionLogEntry._meta.get_field(name).max_length == limit
    assert MAX_QUANTITY == 2_147_483_647


@pytest.mark.parametrize("column", LIMITED)
def test_a_value_longer_than_its_column_is_a_problem_naming_line_column_and_value(column):
    too_long = "x" * (TEXT_LIMITS[column] + 1)
    (problem,) = line_problems(line(**{column: too_long}))
    assert (problem.line, problem.column, problem.value) == (2, column, too_long)
    assert problem.message == f"is longer than {TEXT_LIMITS[column]:,} characters ({len(too_long):,})"


def test_a_value_exactly_at_its_limit_is_accepted():
    assert line_problems(line(**{name: "x" * TEXT_LIMITS[name] for name in LIMITED})) == []


def test_notes_are_capped_too():
    (problem,) = line_problems(line(notes="n" * (NOTES_MAX_LENGTH + 1)))
    assert problem.column == "notes"


@pytest.mark.parametrize("quantity", [0, -3, MAX_QUANTITY + 1])
def test_a_quantity_outside_what_the_column_holds_is_a_problem(quantity):
    (problem,) = line_problems(line(quantity=quantity))
    assert (problem.column, problem.value) == ("quantity", str(quantity))
    assert str(problem) == f"Line 2, quantity '{quantity}': must be a whole number from 1 to {MAX_QUANTITY:,}"


def test_the_csv_preview_lists_parser_and_line_problems_together_in_line_order():
    csv = ("ship_date,order_number,facility_name,sku,quantity,postal_code\n"
           "2026-03-02,SO-1,Hospital A,211810SPT,5," + "9" * 21 + "\n"
           "2026-03-02,SO-2,Hospital A,211810SPT,zero,78701\n"
           "2026-03-02,SO-3,Hospital A,211810SPT,2147483648,78701\n")
    preview = preview_csv_file(name="mixed.csv", data=csv.encode())
    assert [(p.line, p.column) for p in preview.problems] == [(2, "postal_code"), (3, "quantity"), (4, "quantity")]
    assert not preview.can_import
