"""customers.selectors: who sees which customers, and the numbers the pages show."""

from __future__ import annotations

import datetime

import pytest

from customers.selectors import (
    customer_list,
    customer_lots,
    customer_orders,
    customer_search,
    customer_totals,
    customers_visible_to,
    is_rep_scoped,
    reps,
    similar_customers,
)
from distribution.models import Status
from tests.factories import CustomerFactory, DistributionLogEntryFactory, RepAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def customer(db):
    return CustomerFactory(facility_name="Hospital A")


@pytest.fixture
def history(customer):
    """Two orders (one of two lines), a voided line that must not count, and a line with no lot yet."""
    DistributionLogEntryFactory(customer=customer, order_number="SO-1", ship_date=D(2026, 1, 5), quantity=3,
                                lot_number="LOT1", sku="A")
    DistributionLogEntryFactory(customer=customer, order_number="SO-1", ship_date=D(2026, 1, 6), quantity=2,
                                lot_number="LOT2", sku="B")
    DistributionLogEntryFactory(customer=customer, order_number="SO-2", ship_date=D(2026, 3, 1), quantity=4,
                                lot_number="LOT1", sku="A")
    DistributionLogEntryFactory(customer=customer, order_number="SO-2", ship_date=D(2026, 3, 1), quantity=1,
                                lot_number="", sku="A", status=Status.NEEDS_REVIEW)
    DistributionLogEntryFactory(customer=customer, order_number="SO-9", ship_date=D(2026, 6, 1), quantity=100,
                                lot_number="LOT9", status=Status.VOIDED)
    DistributionLogEntryFactory(order_number="SO-1", quantity=50)  # another customer's order of the same number
    # The factory writes rows directly, as a bulk load would; the services keep the summaries in step,
    # here they are rebuilt as after a bulk load.
    from distribution.summaries import rebuild_summaries

    rebuild_summaries()


# Visibility -------------------------------------------------------------------------------------------


def test_a_user_whose_only_role_is_sales_rep_is_scoped(rep_user, admin_user, roles):
    both = UserFactory()
    both.groups.add(roles["sales_rep"], roles["ops"])
    assert is_rep_scoped(rep_user)
    assert not is_rep_scoped(admin_user)
    assert not is_rep_scoped(both)
    assert not is_rep_scoped(UserFactory(is_superuser=True))


def test_a_rep_sees_only_the_customers_assigned_to_them(rep_user, ops_user):
    mine, theirs = CustomerFactory(), CustomerFactory()
    RepAssignmentFactory(customer=mine, rep=rep_user)
    RepAssignmentFactory(customer=theirs, rep=ops_user)
    assert list(customers_visible_to(rep_user)) == [mine]
    assert set(customers_visible_to(ops_user)) == {mine, theirs}


# Totals, orders and lots -------------------------------------------------------------------------------


def test_customer_list_annotates_orders_units_last_order_and_primary_rep(customer, history):
    rep = UserFactory(username="paula")
    RepAssignmentFactory(customer=customer, rep=rep, is_primary=True)
    RepAssignmentFactory(customer=customer, rep=UserFactory(username="other"))
    empty = CustomerFactory(facility_name="No Orders Yet")
    rows = {c.pk: c for c in customer_list(UserFactory(is_superuser=True))}
    row = rows[customer.pk]
    assert (row.order_count, row.unit_count, row.last_order_date, row.primary_rep_name) == (
        2, 10, D(2026, 3, 1), "paula")
    assert (rows[empty.pk].order_count, rows[empty.pk].unit_count, rows[empty.pk].last_order_date) == (0, 0, None)


def test_customer_totals_leave_voided_entries_out(customer, history):
    assert customer_totals(customer) == {
        "first_order": D(2026, 1, 5), "last_order": D(2026, 3, 1), "orders": 2, "units": 10, "lines": 4,
    }


def test_customer_orders_are_newest_first_with_their_date_lines_and_units(customer, history):
    assert list(customer_orders(customer)) == [
        {"order_number": "SO-2", "order_date": D(2026, 3, 1), "lines": 2, "units": 5},
        {"order_number": "SO-1", "order_date": D(2026, 1, 5), "lines": 2, "units": 5},
    ]


def test_customer_lots_sum_units_per_lot_and_skip_pending_lots(customer, history):
    lots = [(r["lot_number"], r["units"], r["first"], r["last"]) for r in customer_lots(customer)]
    assert lots == [("LOT1", 7, D(2026, 1, 5), D(2026, 3, 1)), ("LOT2", 2, D(2026, 1, 6), D(2026, 1, 6))]


# Similar names and search ---------------------------------------------------------------------------------


def test_similar_customers_finds_close_spellings_best_first(customer):
    close = CustomerFactory(facility_name="Hospitals A")  # HOSPITALS~HOSPITAL 16/17, A=A: (16+2)/(17+2)
    CustomerFactory(facility_name="Hospital Alpha")  # HOSPITALALPHA: ratio 0.818, too far
    CustomerFactory(facility_name="Mercy Clinic")
    found = similar_customers("hospital-a")
    assert [c for c, _ in found] == [customer, close]
    assert found[0][1] == 1.0
    assert found[1][1] == pytest.approx(18 / 19)


def test_similar_customers_can_exclude_the_customer_itself(customer):
    assert similar_customers("Hospital A", exclude_pk=customer.pk) == []


@pytest.mark.parametrize("name", ["", "  ", "--"])
def test_similar_customers_of_a_blank_name_is_empty(customer, name):
    assert similar_customers(name) == []


def test_search_matches_name_city_prefix_and_key(customer):
    CustomerFactory(facility_name="Mercy Clinic", city="Austin")
    CustomerFactory(facility_name="Closed Clinic", is_active=False)
    admin = UserFactory(is_superuser=True)
    assert [c.facility_name for c in customer_search(admin, "clinic")] == ["Mercy Clinic"]  # inactive left out
    assert [c.facility_name for c in customer_search(admin, "aus")] == ["Mercy Clinic"]
    assert [c.facility_name for c in customer_search(admin, "HOSPITAL-A")] == ["Hospital A"]
    assert len(customer_search(admin, "", limit=1)) == 1


def test_search_is_scoped_for_reps(rep_user, customer):
    mine = CustomerFactory(facility_name="Hospital B")
    RepAssignmentFactory(customer=mine, rep=rep_user)
    assert list(customer_search(rep_user, "hospital")) == [mine]


def test_reps_are_active_members_of_the_sales_rep_group(rep_user, ops_user, roles):
    gone = UserFactory(is_active=False)
    gone.groups.add(roles["sales_rep"])
    assert list(reps()) == [rep_user]
