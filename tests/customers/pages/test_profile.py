"""The customer pages: what each role sees, what each POST writes (and what a refused one does not): Profile and edit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from customers.services import add_note, delete_note, update_customer
from distribution.services import create_entry
from silqeqms.models import AuditEvent
from tests.customers.pages.support import (
    audit_events,
    edit_data,
    login,
    messages_of,
)
from tests.factories import (
    CustomerNoteFactory,
    RepAssignmentFactory,
    UserFactory,
    entry_data,
)

pytestmark = pytest.mark.django_db


def test_the_profile_shows_totals_orders_with_lines_lots_notes_reps_and_history(admin_client, admin_user, customer):
    create_entry(actor=admin_user, data=entry_data(facility_name="Hospital A", order_number="SO-1",
                                                   lot_number="LOT-7", quantity=3))
    create_entry(actor=admin_user, data=entry_data(facility_name="Hospital A", order_number="SO-1",
                                                   sku="311400KIT", lot_number="LOT-8", quantity=2))
    add_note(actor=admin_user, customer=customer, body="Dock closes at 4pm")
    RepAssignmentFactory(customer=customer, rep=UserFactory(username="riley"), is_primary=True)
    response = admin_client.get(customer.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["totals"]["orders"] == 1
    assert response.context["totals"]["units"] == 5
    (order,) = response.context["orders"]
    assert [(e.sku, e.lot_number, e.quantity) for e in order["entries"]] == [
        ("211810SPT", "LOT-7", 3), ("311400KIT", "LOT-8", 2)]
    assert reverse("distribution:lot_trace", args=["LOT-7"]) in body
    assert "Dock closes at 4pm" in body
    assert "riley" in body
    assert "<title>Hospital A · SilqeQMS</title>" in body
    assert "customer_note.created" in body  # the notes' events are in the customer's history


def test_the_profile_query_count_does_not_grow_with_orders(admin_client, admin_user, customer,
                                                           django_assert_max_num_queries):
    def make(n, start):
        for i in range(n):
            for _ in range(2):
                create_entry(actor=admin_user, data=entry_data(customer=customer, facility_name=customer.facility_name,
                                                               order_number=f"SO-{start + i}"))

    make(2, 0)
    with django_assert_max_num_queries(40) as few:
        admin_client.get(customer.get_absolute_url())
    make(30, 100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(customer.get_absolute_url())
    assert len(response.context["orders"]) == 20
    assert "orders_page=2#orders" in response.content.decode()
    second = admin_client.get(customer.get_absolute_url(), {"orders_page": 2})
    assert len(second.context["orders"]) == 12


def test_the_profile_history_is_paginated_and_includes_deleted_notes(admin_client, admin_user, customer):
    for i in range(21):
        add_note(actor=admin_user, customer=customer, body=f"note {i}")
    delete_note(actor=admin_user, note=customer.notes.get(body="note 0"), reason="duplicate note")
    response = admin_client.get(customer.get_absolute_url())
    table = response.context["history"]
    assert table.paginator.count == 22
    assert table.page.object_list.data[0].action == "customer_note.deleted"
    assert "history-page=2" in response.content.decode()
    second = admin_client.get(customer.get_absolute_url(), {"history-page": 2})
    assert [e.action for e in second.context["history"].page.object_list.data] == ["customer_note.created"] * 2


def test_the_profile_hides_buttons_the_user_may_not_use(client, customer):
    CustomerNoteFactory(customer=customer)
    RepAssignmentFactory(customer=customer)
    body = login(client, UserFactory(perms=["customers.view"])).get(customer.get_absolute_url()).content.decode()
    assert "Save changes" not in body
    assert "Add note" not in body
    assert "Make primary" not in body and ">Remove<" not in body
    assert "Merge a duplicate" not in body
    assert reverse("customers:note_edit", args=[customer.pk, customer.notes.get().pk]) not in body


def test_edit_saves_with_a_reason(ops_client, ops_user, customer):
    response = ops_client.post(customer.get_absolute_url(),
                               edit_data(customer, city="Round Rock", reason="moved campus"))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("Round Rock", 2)
    event = AuditEvent.objects.get(action="customer.updated")
    assert (event.actor, event.reason, event.changes) == (ops_user, "moved campus", {"city": ["Austin", "Round Rock"]})
    assert messages_of(response) == ["Customer “Hospital A” saved."]


@pytest.mark.parametrize("reason", ["", "   "])
def test_edit_requires_a_reason(ops_client, customer, reason):
    response = ops_client.post(customer.get_absolute_url(), edit_data(customer, city="Dallas", reason=reason))
    assert response.status_code == 200
    assert response.context["edit_form"].errors["reason"] == ["Give a reason for this change."]
    assert response.context["edit_open"]
    customer.refresh_from_db()
    assert customer.city == "Austin"
    assert not audit_events().exists()


def test_a_stale_edit_is_refused_naming_who_changed_it(ops_client, customer):
    update_customer(actor=UserFactory(username="quinn"), customer=customer, data={"city": "Dallas"},
                    reason="first", version=1)
    response = ops_client.post(customer.get_absolute_url(),
                               edit_data(customer, city="Houston", version=1, reason="second"))
    assert response.status_code == 200
    (error,) = response.context["edit_form"].non_field_errors()
    assert "quinn" in error
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("Dallas", 2)
    assert AuditEvent.objects.filter(action="customer.updated").count() == 1


def test_an_unchanged_edit_saves_nothing(ops_client, customer):
    response = ops_client.post(customer.get_absolute_url(), edit_data(customer, reason="checked"))
    assert response.status_code == 302
    assert messages_of(response) == ["Nothing changed, so nothing was saved."]
    assert not audit_events().exists()


def test_edit_needs_the_edit_permission_and_writes_nothing_without_it(client, customer):
    login(client, UserFactory(perms=["customers.view", "customers.view_all"]))
    response = client.post(customer.get_absolute_url(), edit_data(customer, city="Dallas", reason="x"))
    assert response.status_code == 403
    assert "customers.edit" in response.content.decode()
    customer.refresh_from_db()
    assert customer.city == "Austin"
    assert not audit_events().exists()


def test_csrf_is_enforced_on_edit(ops_user, customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ops_user)
    response = client.post(customer.get_absolute_url(), edit_data(customer, city="Dallas", reason="x"))
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.city == "Austin"
    assert not audit_events().exists()
