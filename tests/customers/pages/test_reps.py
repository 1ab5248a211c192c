"""The customer pages: what each role sees, what each POST writes (and what a refused one does not): Reps."""

from __future__ import annotations

import pytest

from customers.models import RepAssignment
from tests.customers.pages.support import (
    audit_events,
    login,
    messages_of,
    url,
)
from tests.factories import (
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_assigning_two_reps_and_switching_the_primary(ops_client, ops_user, customer, roles):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for rep in (alice, bob):
        rep.groups.add(roles["sales_rep"])
    reps = url("rep_assign", customer.pk)
    ops_client.post(reps, {"action": "assign", "rep": alice.pk, "primary": "on"})
    response = ops_client.post(reps, {"action": "assign", "rep": bob.pk})
    assert response["Location"] == customer.get_absolute_url() + "#reps"
    assert {a.rep: a.is_primary for a in customer.rep_assignments.all()} == {alice: True, bob: False}
    ops_client.post(reps, {"action": "primary", "rep": bob.pk})  # no reason: refused like a removal
    assert {a.rep: a.is_primary for a in customer.rep_assignments.all()} == {alice: True, bob: False}
    ops_client.post(reps, {"action": "primary", "rep": bob.pk, "reason": "Bob covers Texas now"})
    assert {a.rep: a.is_primary for a in customer.rep_assignments.all()} == {alice: False, bob: True}
    ops_client.post(reps, {"action": "remove", "rep": alice.pk})  # no reason: refused, nothing changes
    assert {a.rep for a in customer.rep_assignments.all()} == {alice, bob}
    ops_client.post(reps, {"action": "remove", "rep": alice.pk, "reason": "left the company"})
    assert [a.rep for a in customer.rep_assignments.all()] == [bob]
    actions = list(audit_events().order_by("seq").values_list("action", flat=True))
    assert actions == ["rep_assignment.created", "rep_assignment.primary_changed", "rep_assignment.created",
                       "rep_assignment.primary_changed", "rep_assignment.removed"]
    assert set(audit_events().values_list("actor", flat=True)) == {ops_user.pk}
    assert audit_events().filter(action="rep_assignment.primary_changed").order_by("seq").last().reason == (
        "Bob covers Texas now")


def test_only_sales_reps_can_be_assigned(ops_client, customer):
    not_a_rep = UserFactory()
    response = ops_client.post(url("rep_assign", customer.pk), {"action": "assign", "rep": not_a_rep.pk})
    assert response.status_code == 200
    assert response.context["rep_form"].errors["rep"]
    assert not RepAssignment.objects.exists()


def test_making_an_unassigned_user_primary_changes_nothing(ops_client, customer, rep_user):
    response = ops_client.post(url("rep_assign", customer.pk), {"action": "primary", "rep": rep_user.pk})
    assert response.status_code == 302
    assert "Nothing was changed" in messages_of(response)[0]
    assert not RepAssignment.objects.exists()
    assert not audit_events().exists()


def test_rep_changes_need_the_edit_permission(client, customer, rep_user):
    login(client, UserFactory(perms=["customers.view", "customers.notes"]))
    response = client.post(url("rep_assign", customer.pk), {"action": "assign", "rep": rep_user.pk})
    assert response.status_code == 403
    assert not RepAssignment.objects.exists()
    assert not audit_events().exists()


@pytest.mark.parametrize("name", ["note_create", "rep_assign"])
def test_post_only_pages_redirect_a_get_to_the_profile(ops_client, customer, name):
    response = ops_client.get(url(name, customer.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(customer.get_absolute_url() + "#")
