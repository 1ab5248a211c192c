"""The customer pages: what each role sees, what each POST writes (and what a refused one does not): Every page with exactly its permission."""

from __future__ import annotations

import datetime

import pytest

from distribution.services import create_entry
from tests.customers.pages.support import (
    login,
    url,
)
from tests.factories import (
    CustomerFactory,
    CustomerNoteFactory,
    DistributionLogEntryFactory,
    RepAssignmentFactory,
    UserFactory,
    entry_data,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("name", "perm", "status"), [
    ("customer_list", "customers.view", 200),
    ("customer_create", "customers.create", 200),
    ("customer_detail", "customers.view", 200),
    ("note_create", "customers.notes", 302),
    ("note_edit", "customers.notes", 200),
    ("note_delete", "customers.notes", 200),
    ("rep_assign", "customers.edit", 302),
    ("customer_search", "customers.view", 200),
    ("customer_merge", "customers.delete", 200),
])
def test_each_page_opens_with_exactly_its_permission_and_refuses_without(client, name, perm, status):
    note = CustomerNoteFactory()
    args = {"customer_list": (), "customer_create": (), "customer_search": (),
            "note_edit": (note.customer_id, note.pk), "note_delete": (note.customer_id, note.pk)}.get(
        name, (note.customer_id,))
    login(client, UserFactory(perms=[perm, "customers.view_all"]))
    assert client.get(url(name, *args)).status_code == status
    login(client, UserFactory(perms=["customers.view"] if perm != "customers.view" else []))
    assert client.get(url(name, *args)).status_code == 403


def test_lots_received_are_paginated(admin_client, customer):
    for n in range(30):
        DistributionLogEntryFactory(customer=customer, lot_number=f"LOT-{n:02d}")
    first = admin_client.get(customer.get_absolute_url())
    assert len(first.context["lots"]) == 25 and first.context["lots"].paginator.count == 30
    second = admin_client.get(customer.get_absolute_url(), {"lots_page": 2})
    assert len(second.context["lots"]) == 5


def test_a_rep_is_offered_only_themselves_in_the_rep_filter(client, rep_user, roles):
    other = UserFactory(username="other_rep")
    other.groups.add(roles["sales_rep"])
    client.force_login(rep_user)
    choices = list(client.get(url("customer_list")).context["filter"].form.fields["rep"].queryset)
    assert choices == [rep_user]


@pytest.mark.parametrize("sort", ["last_order_date", "-last_order_date", "primary_rep_name", "-primary_rep_name"])
def test_customers_without_orders_or_rep_come_last_in_either_direction(admin_client, admin_user, ops_user, sort):
    for name, day in [("Hospital A", datetime.date(2026, 3, 1)), ("Clinic B", datetime.date(2026, 4, 1))]:
        entry = create_entry(actor=admin_user, data=entry_data(facility_name=name, ship_date=day))
        if not entry.customer.rep_assignments.filter(is_primary=True).exists():
            RepAssignmentFactory(customer=entry.customer, rep=ops_user, is_primary=True)
    CustomerFactory(facility_name="Nothing Yet")
    response = admin_client.get(url("customer_list"), {"sort": sort})
    names = [row.record.facility_name for row in response.context["table"].page.object_list]
    assert names[-1] == "Nothing Yet"
    if sort.endswith("last_order_date"):
        assert names[:2] == (["Hospital A", "Clinic B"] if sort == "last_order_date" else ["Clinic B", "Hospital A"])


def test_paging_through_lots_keeps_the_order_history_page(admin_client, admin_user, customer):
    for n in range(30):
        create_entry(actor=admin_user, data=entry_data(customer=customer, facility_name=customer.facility_name,
                                                       order_number=f"SO-{n}", lot_number=f"L-{n}"))
    html = admin_client.get(customer.get_absolute_url(), {"orders_page": 2}).content.decode()
    assert "orders_page=2&amp;lots_page=2#lots" in html
