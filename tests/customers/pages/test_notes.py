"""The customer pages: what each role sees, what each POST writes (and what a refused one does not): Notes."""

from __future__ import annotations

import pytest

from customers.models import CustomerNote
from silqeqms.models import AuditEvent
from tests.customers.pages.support import (
    audit_events,
    login,
    url,
)
from tests.factories import (
    CustomerNoteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_adding_a_note_shows_it_with_author_and_time(ops_client, ops_user, customer):
    response = ops_client.post(url("note_create", customer.pk), {"body": "Prefers morning delivery"})
    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url() + "#notes"
    note = CustomerNote.objects.get()
    assert (note.body, note.author, note.customer) == ("Prefers morning delivery", ops_user, customer)
    assert AuditEvent.objects.get(action="customer_note.created").actor == ops_user
    body = ops_client.get(customer.get_absolute_url()).content.decode()
    assert "Prefers morning delivery" in body
    assert note.created_at.astimezone().strftime("%Y-%m-%d") in body


def test_an_empty_note_is_refused_on_the_profile(ops_client, customer):
    response = ops_client.post(url("note_create", customer.pk), {"body": "  "})
    assert response.status_code == 200
    assert response.context["note_form"].errors["body"]
    assert not CustomerNote.objects.exists()


def test_editing_a_note_needs_a_reason_and_keeps_the_old_text_in_history(ops_client, ops_user, customer):
    note = CustomerNoteFactory(customer=customer, body="Call Tom")
    edit = url("note_edit", customer.pk, note.pk)
    assert ops_client.get(edit).status_code == 200
    refused = ops_client.post(edit, {"body": "Call Tomás", "reason": "", "version": 1})
    assert refused.context["form"].errors["reason"]
    response = ops_client.post(edit, {"body": "Call Tomás", "reason": "typo", "version": 1})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.body == "Call Tomás"
    event = AuditEvent.objects.get(action="customer_note.updated")
    assert (event.actor, event.reason, event.changes) == (ops_user, "typo", {"body": ["Call Tom", "Call Tomás"]})
    history = ops_client.get(customer.get_absolute_url()).content.decode()
    assert "Call Tom →" in history


def test_a_stale_note_edit_is_refused(ops_client, customer):
    note = CustomerNoteFactory(customer=customer, body="v1")
    ops_client.post(url("note_edit", customer.pk, note.pk), {"body": "v2", "reason": "r", "version": 1})
    response = ops_client.post(url("note_edit", customer.pk, note.pk), {"body": "v3", "reason": "r", "version": 1})
    assert response.status_code == 200
    assert "after you opened it" in response.context["form"].non_field_errors()[0]
    note.refresh_from_db()
    assert note.body == "v2"


def test_deleting_a_note_asks_for_a_reason_and_keeps_its_text_in_history(ops_client, ops_user, customer):
    note = CustomerNoteFactory(customer=customer, body="Gate code 1234")
    delete = url("note_delete", customer.pk, note.pk)
    confirm = ops_client.get(delete)
    assert confirm.status_code == 200
    assert "Gate code 1234" in confirm.content.decode()
    assert ops_client.post(delete, {"reason": ""}).status_code == 200
    assert CustomerNote.objects.exists()
    response = ops_client.post(delete, {"reason": "no codes in notes"})
    assert response["Location"] == customer.get_absolute_url() + "#notes"
    assert not CustomerNote.objects.exists()
    event = AuditEvent.objects.get(action="customer_note.deleted")
    assert (event.actor, event.reason, event.changes) == (ops_user, "no codes in notes",
                                                          {"body": ["Gate code 1234", None]})
    assert "Gate code 1234" in ops_client.get(customer.get_absolute_url()).content.decode()


def test_a_note_of_another_customer_is_not_found(ops_client, customer):
    note = CustomerNoteFactory()
    assert ops_client.get(url("note_edit", customer.pk, note.pk)).status_code == 404
    assert ops_client.post(url("note_delete", customer.pk, note.pk), {"reason": "x"}).status_code == 404
    assert CustomerNote.objects.filter(pk=note.pk).exists()


def test_a_user_without_the_notes_permission_cannot_add_one(client, customer):
    login(client, UserFactory(perms=["customers.view", "customers.edit"]))
    response = client.post(url("note_create", customer.pk), {"body": "hello"})
    assert response.status_code == 403
    assert "customers.notes" in response.content.decode()
    assert not CustomerNote.objects.exists()
    assert not audit_events().exists()
