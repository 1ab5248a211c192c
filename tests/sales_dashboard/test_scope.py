"""A user without customers.view_all (a sales rep) sees the dashboard of their own customers: the same
definitions, exact, labelled as such — never the company's figures."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from customers.services import ensure_rep_assignment
from tests.factories import UserFactory

URL = reverse("sales_dashboard:dashboard")


@pytest.fixture
def two_customers(ship, clerk, roles):
    rep = UserFactory(username="riley")
    rep.groups.add(roles["sales_rep"])
    mine = ship(facility_name="Mine Hospital", order_number="SO-1", sku="S-A", lot_number="L-MINE", quantity=3,
                ship_date=datetime.date(2026, 2, 1))
    ship(facility_name="Mine Hospital", order_number="SO-2", sku="S-A", lot_number="L-MINE", quantity=2,
         ship_date=datetime.date(2026, 3, 1))
    ship(facility_name="Mine Hospital", order_number="SO-3", sku="S-B", lot_number="", quantity=1,
         ship_date=datetime.date(2026, 3, 2))
    ship(facility_name="Other Clinic", order_number="SO-9", sku="S-C", lot_number="L-OTHER", quantity=50,
         ship_date=datetime.date(2026, 2, 1))
    ensure_rep_assignment(customer=mine.customer, rep=rep, actor=clerk)
    return rep


def test_a_rep_sees_exact_figures_for_their_customers_only(client, two_customers):
    client.force_login(two_customers)
    data = client.get(URL, {"format": "json"}).json()
    assert (data["total_orders_window"], data["total_units_window"], data["total_customers_lifetime"],
            data["first_time_customers"], data["repeat_customers"]) == (3, 6, 1, 0, 1)
    assert data["sku_breakdown"] == [{"sku": "S-A", "units": 5}, {"sku": "S-B", "units": 1}]
    assert [lot["lot_number"] for lot in data["lots"]] == ["L-MINE"]
    html = client.get(URL).content.decode()
    assert "cover only the customers assigned to you" in html and "L-OTHER" not in html


def test_the_company_sees_every_customer_and_no_scope_banner(client, two_customers, ops_user):
    client.force_login(ops_user)
    data = client.get(URL, {"format": "json"}).json()
    assert (data["total_units_window"], data["total_customers_lifetime"]) == (56, 2)
    assert "cover only the customers assigned to you" not in client.get(URL).content.decode()


def test_a_rep_with_a_second_role_is_still_scoped_unless_that_role_grants_view_all(client, two_customers, roles):
    two_customers.groups.add(roles["readonly"])  # readonly has customers.view_all: company-wide now
    client.force_login(two_customers)
    assert client.get(URL, {"format": "json"}).json()["total_customers_lifetime"] == 2


def test_a_reps_export_lists_only_their_orders(client, two_customers):
    two_customers.user_permissions.add(Permission.objects.get(codename="export",
                                                              content_type__app_label="sales_dashboard"))
    client.force_login(two_customers)
    body = b"".join(client.get(reverse("sales_dashboard:export")).streaming_content).decode("utf-8-sig")
    assert "SO-1" in body and "SO-9" not in body


def test_the_scoped_dashboard_costs_the_same_few_queries_whatever_the_data(client, two_customers, ship,
                                                                           django_assert_max_num_queries):
    client.force_login(two_customers)
    client.get(URL)
    with django_assert_max_num_queries(30) as few:
        client.get(URL)
    for n in range(20):
        ship(facility_name="Mine Hospital", order_number=f"SO-{100 + n}", lot_number=f"L-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)
