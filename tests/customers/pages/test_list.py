"""The customer pages: what each role sees, what each POST writes (and what a refused one does not): List."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from distribution.services import create_entry
from tests.customers.pages.support import (
    login,
    url,
)
from tests.factories import (
    CustomerFactory,
    DistributionLogEntryFactory,
    RepAssignmentFactory,
    UserFactory,
    entry_data,
)

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_annotated_columns(admin_client, ops_user):
    """Entries written through the services (as every page and import does) show up in the list's
    orders, units and last order; a voided line counts nowhere."""
    from distribution.services import void_entry

    customer = CustomerFactory(facility_name="Hospital A", city="Austin", state="TX")
    RepAssignmentFactory(customer=customer, rep=ops_user, is_primary=True)
    for order, quantity, day in [("SO-1", 3, datetime.date(2026, 3, 1)), ("SO-1", 4, datetime.date(2026, 3, 1)),
                                 ("SO-2", 5, datetime.date(2026, 4, 2)), ("SO-3", 50, datetime.date(2026, 5, 3))]:
        entry = create_entry(actor=ops_user, data=entry_data(customer=customer, facility_name="Hospital A",
                                                             order_number=order, quantity=quantity, ship_date=day))
    void_entry(actor=ops_user, entry=entry, reason="shipped in error")
    response = admin_client.get(url("customer_list"))
    assert response.status_code == 200
    (row,) = response.context["table"].page.object_list
    assert row.record == customer
    cells = {column.name: str(row.get_cell(column.name)) for column in response.context["table"].columns}
    assert cells["facility_name"].startswith('<a href="/admin/customers/')
    assert cells["city_state"] == "Austin, TX"
    assert cells["primary_rep_name"] == ops_user.username
    assert (cells["order_count"], cells["unit_count"], cells["last_order_date"]) == ("2", "12", "2026-04-02")


@pytest.mark.parametrize(("params", "expected"), [
    ({"q": "mercy"}, ["Mercy Clinic"]),
    ({"q": "MERCY-CLIN"}, ["Mercy Clinic"]),  # by key: punctuation and case ignored
    ({"q": "Dallas"}, ["Baylor Medical"]),
    ({"state": "TX"}, ["Baylor Medical", "Mercy Clinic"]),
    ({"state": "TX", "q": "baylor"}, ["Baylor Medical"]),
    ({"is_active": "no"}, ["Old Clinic"]),
])
def test_the_list_filters_by_search_state_and_status(admin_client, params, expected):
    CustomerFactory(facility_name="Mercy Clinic", city="Austin", state="TX")
    CustomerFactory(facility_name="Baylor Medical", city="Dallas", state="TX")
    CustomerFactory(facility_name="Hôpital Sainte-Anne", city="Paris", state="")
    CustomerFactory(facility_name="Old Clinic", city="Reno", state="NV", is_active=False)
    response = admin_client.get(url("customer_list"), params)
    assert [r.facility_name for r in response.context["table"].data] == expected


def test_the_list_filters_by_rep(admin_client, roles):
    riley = UserFactory(username="riley")
    riley.groups.add(roles["sales_rep"])
    mine = CustomerFactory(facility_name="Mine")
    CustomerFactory(facility_name="Theirs")
    RepAssignmentFactory(customer=mine, rep=riley)
    response = admin_client.get(url("customer_list"), {"rep": riley.pk})
    assert [r.facility_name for r in response.context["table"].data] == ["Mine"]
    assert f'value="{riley.pk}"' in response.content.decode()


@pytest.mark.parametrize("sort", ["facility_name", "-order_count", "unit_count", "-last_order_date", "city_state",
                                  "primary_rep_name"])
def test_the_list_sorts_by_every_column(admin_client, sort):
    a, b = CustomerFactory(facility_name="A Clinic"), CustomerFactory(facility_name="B Clinic")
    DistributionLogEntryFactory(customer=b, quantity=9)
    response = admin_client.get(url("customer_list"), {"sort": sort})
    assert response.status_code == 200
    assert set(response.context["table"].data) == {a, b}


def test_the_list_query_count_does_not_grow_with_the_number_of_customers(admin_client, django_assert_max_num_queries,
                                                                          ops_user):
    def make(n):
        for customer in CustomerFactory.create_batch(n):
            RepAssignmentFactory(customer=customer, rep=ops_user, is_primary=True)
            DistributionLogEntryFactory(customer=customer)

    make(5)
    with django_assert_max_num_queries(12) as few:
        admin_client.get(url("customer_list"))
    make(55)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = admin_client.get(url("customer_list"))
    assert len(response.context["table"].page.object_list) == 50
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "Page 1 of 2" in response.content.decode()


def test_the_second_page_keeps_the_filters_in_its_links(admin_client):
    CustomerFactory.create_batch(51, state="TX")
    response = admin_client.get(url("customer_list"), {"state": "TX"})
    body = response.content.decode()
    assert "state=TX&amp;page=2" in body
    assert admin_client.get(url("customer_list"), {"state": "TX", "page": 2}).status_code == 200


def test_an_empty_list_offers_a_new_customer_link_to_those_who_may_create(client, roles):
    creator = login(client, UserFactory(perms=["customers.view", "customers.create"]))
    body = creator.get(url("customer_list")).content.decode()
    assert "There are no customers yet" in body
    assert f'href="{url("customer_create")}"' in body
    viewer = login(Client(), UserFactory(perms=["customers.view"]))
    assert f'href="{url("customer_create")}"' not in viewer.get(url("customer_list")).content.decode()
