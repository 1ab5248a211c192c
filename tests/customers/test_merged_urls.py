"""Finding 7: a merged customer's old address leads to the customer it was merged into."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.models import MergedCustomer
from distribution.merge import merge_customers
from silqeqms.models import AuditEvent
from tests.factories import CustomerFactory, CustomerNoteFactory, RepAssignmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(admin_user):
    survivor = CustomerFactory(facility_name="St. Mary's Hospital")
    duplicate = CustomerFactory(facility_name="Saint Marys Hospitl")
    note = CustomerNoteFactory(customer=duplicate)
    old_id = duplicate.pk
    merge_customers(actor=admin_user, survivor=survivor, duplicate=duplicate, reason="same hospital")
    return survivor, old_id, note


def test_the_old_profile_address_redirects_to_the_survivor(admin_client, merged):
    survivor, old_id, _ = merged
    response = admin_client.get(f"/admin/customers/{old_id}/", {"orders_page": "2"})
    assert response.status_code == 302
    assert response["Location"] == f"/admin/customers/{survivor.pk}/?orders_page=2"
    assert MergedCustomer.objects.get(former_id=old_id).survivor == survivor


@pytest.mark.parametrize("suffix", ["notes/", "reps/", "merge/", "notes/{note}/edit/", "notes/{note}/delete/"])
def test_the_pages_under_the_old_address_redirect_to_the_same_page_of_the_survivor(admin_client, merged, suffix):
    survivor, old_id, note = merged
    response = admin_client.get(f"/admin/customers/{old_id}/" + suffix.format(note=note.pk))
    assert response.status_code == 302
    assert response["Location"] == f"/admin/customers/{survivor.pk}/" + suffix.format(note=note.pk)


def test_a_post_to_the_old_address_is_404_and_writes_nothing(admin_client, merged):
    _, old_id, _ = merged
    before = AuditEvent.objects.count()
    response = admin_client.post(f"/admin/customers/{old_id}/notes/", {"body": "hello"})
    assert response.status_code == 404
    assert AuditEvent.objects.count() == before


def test_a_rep_who_cannot_see_the_survivor_gets_the_same_404(client, rep_user, merged):
    client.force_login(rep_user)
    _, old_id, _ = merged
    assert client.get(f"/admin/customers/{old_id}/").status_code == 404


def test_a_rep_who_can_see_the_survivor_is_redirected(client, rep_user, merged):
    survivor, old_id, _ = merged
    RepAssignmentFactory(customer=survivor, rep=rep_user)
    client.force_login(rep_user)
    assert client.get(f"/admin/customers/{old_id}/")["Location"] == survivor.get_absolute_url()


def test_a_customer_merged_twice_leads_to_the_last_survivor(admin_client, admin_user, merged):
    survivor, old_id, _ = merged
    middle_id = survivor.pk
    last = CustomerFactory(facility_name="St Mary Regional")
    merge_customers(actor=admin_user, survivor=last, duplicate=survivor, reason="one system")
    assert admin_client.get(f"/admin/customers/{old_id}/")["Location"] == last.get_absolute_url()
    assert admin_client.get(f"/admin/customers/{middle_id}/")["Location"] == last.get_absolute_url()


def test_an_id_that_never_existed_is_still_404(admin_client):
    assert admin_client.get(reverse("customers:customer_detail", args=[999999])).status_code == 404
