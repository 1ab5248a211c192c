"""The customer pages: what each role sees, what each POST writes (and what a refused one does not): Merge."""

from __future__ import annotations

import pytest

from customers.models import Customer
from distribution.services import create_entry
from silqeqms.models import AuditEvent
from tests.customers.pages.support import (
    login,
    messages_of,
    url,
)
from tests.factories import (
    CustomerFactory,
    CustomerNoteFactory,
    UserFactory,
    entry_data,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def spellings(admin_user):
    survivor = CustomerFactory(facility_name="Saint Mary Hospital")
    create_entry(actor=admin_user, data=entry_data(facility_name="Saint Mary Hospital", order_number="SO-1"))
    create_entry(actor=admin_user, data=entry_data(facility_name="Saint Mary Hospita", order_number="SO-2"),
                 on_near_duplicate="create")  # a person said "a new customer": the slip to merge later
    duplicate = Customer.objects.get(company_key="SAINTMARYHOSPITA")
    CustomerNoteFactory(customer=duplicate)
    return survivor, duplicate


def test_the_merge_page_suggests_similar_names_and_previews_what_moves(admin_client, spellings):
    survivor, duplicate = spellings
    response = admin_client.get(url("customer_merge", survivor.pk))
    assert response.status_code == 200
    assert [c for c, _ in response.context["suggestions"]] == [duplicate]
    response = admin_client.get(url("customer_merge", survivor.pk), {"duplicate": duplicate.pk})
    preview = response.context["preview"]
    assert (preview.entries, preview.notes, preview.reps) == (1, 1, 0)
    assert "Merge and remove the duplicate" in response.content.decode()


def test_the_merge_page_searches_for_a_duplicate(admin_client, spellings):
    survivor, duplicate = spellings
    response = admin_client.get(url("customer_merge", survivor.pk), {"q": "hospita"})
    assert response.context["results"] == [duplicate]


def test_merging_needs_a_reason(admin_client, spellings):
    survivor, duplicate = spellings
    response = admin_client.post(url("customer_merge", survivor.pk), {"duplicate": duplicate.pk, "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert response.context["preview"].entries == 1
    assert Customer.objects.filter(pk=duplicate.pk).exists()
    assert not AuditEvent.objects.filter(action="customer.merged").exists()


def test_merging_moves_everything_and_redirects_to_the_survivor(admin_client, admin_user, spellings):
    survivor, duplicate = spellings
    response = admin_client.post(url("customer_merge", survivor.pk),
                                 {"duplicate": duplicate.pk, "reason": "same hospital"})
    assert response["Location"] == survivor.get_absolute_url()
    assert "was merged into" in messages_of(response)[0]
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    assert survivor.distribution_entries.count() == 2
    assert survivor.notes.count() == 1
    event = AuditEvent.objects.get(action="customer.merged")
    assert (event.actor, event.reason) == (admin_user, "same hospital")
    profile = admin_client.get(survivor.get_absolute_url())
    events = list(profile.context["history"].data)
    assert events[0].action == "customer.merged"
    # The duplicate's own history stays reachable from the survivor.
    assert ("customer.created", str(duplicate.pk)) in [(e.action, e.target_id) for e in events]
    assert "SAINTMARYHOSPITA" in profile.content.decode()  # the alias


def test_merging_needs_the_delete_permission(client, spellings):
    survivor, duplicate = spellings
    login(client, UserFactory(perms=["customers.view", "customers.edit", "customers.notes"]))
    response = client.post(url("customer_merge", survivor.pk), {"duplicate": duplicate.pk, "reason": "x"})
    assert response.status_code == 403
    assert "customers.delete" in response.content.decode()
    assert Customer.objects.filter(pk=duplicate.pk).exists()


def test_a_customer_cannot_be_merged_into_itself(admin_client, customer):
    response = admin_client.post(url("customer_merge", customer.pk), {"duplicate": customer.pk, "reason": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["duplicate"]
    assert Customer.objects.filter(pk=customer.pk).exists()
