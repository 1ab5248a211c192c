"""The customer pages: what each role sees, what each POST writes (and what a refused one does not): Rep scoping."""

from __future__ import annotations

import pytest

from customers.models import CustomerNote
from tests.customers.pages.support import (
    audit_events,
    edit_data,
    url,
)
from tests.factories import (
    CustomerFactory,
    CustomerNoteFactory,
    RepAssignmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(rep_user):
    customer = CustomerFactory(facility_name="Assigned Clinic")
    RepAssignmentFactory(customer=customer, rep=rep_user)
    return customer


@pytest.fixture
def unassigned(db):
    return CustomerFactory(facility_name="Unassigned Clinic")


def test_a_rep_lists_only_assigned_customers(rep_client, assigned, unassigned):
    response = rep_client.get(url("customer_list"))
    assert list(response.context["table"].data) == [assigned]


def test_a_rep_cannot_open_an_unassigned_customer(rep_client, assigned, unassigned):
    assert rep_client.get(assigned.get_absolute_url()).status_code == 200
    assert rep_client.get(unassigned.get_absolute_url()).status_code == 404


def test_a_rep_cannot_touch_notes_of_an_unassigned_customer(rep_client, unassigned):
    note = CustomerNoteFactory(customer=unassigned, body="private")
    assert rep_client.get(url("note_edit", unassigned.pk, note.pk)).status_code == 404
    assert rep_client.get(url("note_delete", unassigned.pk, note.pk)).status_code == 404
    assert rep_client.post(url("note_edit", unassigned.pk, note.pk),
                           {"body": "x", "reason": "x", "version": 1}).status_code == 404
    assert rep_client.post(url("note_create", unassigned.pk), {"body": "x"}).status_code == 404
    note.refresh_from_db()
    assert note.body == "private"
    assert CustomerNote.objects.count() == 1
    assert not audit_events().exists()


def test_a_rep_adds_a_note_to_an_assigned_customer(rep_client, rep_user, assigned):
    assert rep_client.post(url("note_create", assigned.pk), {"body": "Visited today"}).status_code == 302
    assert assigned.notes.get().author == rep_user


def test_a_rep_gets_404_not_403_posting_an_edit_to_an_unassigned_customer(rep_client, unassigned):
    response = rep_client.post(unassigned.get_absolute_url(), edit_data(unassigned, reason="x"))
    assert response.status_code == 404


def test_search_returns_json_and_excludes_customers_a_rep_cannot_see(rep_client, assigned, unassigned):
    response = rep_client.get(url("customer_search"), {"q": "clinic"})
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result == {
        "id": assigned.pk, "facility_name": "Assigned Clinic", "address1": assigned.address1,
        "address2": assigned.address2, "city": assigned.city, "state": assigned.state,
        "postal_code": assigned.postal_code, "country": assigned.country, "url": assigned.get_absolute_url(),
        "primary_rep": None,
    }


def test_search_gives_each_customers_primary_rep_for_the_entry_form(admin_client, rep_user):
    """Finding 8: the entry form defaults the rep to the chosen customer's primary rep."""
    customer = CustomerFactory(facility_name="Primary Clinic")
    RepAssignmentFactory(customer=customer, rep=rep_user, is_primary=True)
    (result,) = admin_client.get(url("customer_search"), {"q": "primary"}).json()["results"]
    assert result["primary_rep"] == rep_user.pk


def test_search_returns_at_most_ten(admin_client):
    CustomerFactory.create_batch(12)
    response = admin_client.get(url("customer_search"), {"q": "general"})
    assert len(response.json()["results"]) == 10
