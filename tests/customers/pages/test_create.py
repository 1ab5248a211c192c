"""The customer pages: what each role sees, what each POST writes (and what a refused one does not): Create."""

from __future__ import annotations

import pytest

from customers.models import Customer, CustomerAlias
from silqeqms.models import AuditEvent
from tests.customers.pages.support import (
    customer_data,
    messages_of,
    url,
)

pytestmark = pytest.mark.django_db


def test_the_new_customer_form_marks_required_fields(ops_client):
    body = ops_client.get(url("customer_create")).content.decode()
    assert '<label for="id_facility_name">Facility name <span class="req"' in body
    assert '<label for="id_city">City</label>' in body


def test_create_makes_the_customer_and_redirects_to_it(ops_client, ops_user):
    response = ops_client.post(url("customer_create"), customer_data(facility_name="Hôpital Sainte-Anne"))
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url()
    assert (customer.company_key, customer.city, customer.created_by) == ("HOPITALSAINTEANNE", "Austin", ops_user)
    event = AuditEvent.objects.get(action="customer.created")
    assert (event.actor, event.target_id) == (ops_user, str(customer.pk))
    assert messages_of(response) == ["Customer “Hôpital Sainte-Anne” created."]


def test_create_refuses_an_existing_key_with_a_link_to_it(ops_client, customer):
    response = ops_client.post(url("customer_create"), customer_data(facility_name="HOSPITAL-A"))
    assert response.status_code == 200
    assert Customer.objects.count() == 1
    body = response.content.decode()
    assert f'<a href="{customer.get_absolute_url()}">Hospital A</a>' in body
    assert "already exists" in response.context["form"].errors["facility_name"][0]
    assert not AuditEvent.objects.filter(action="customer.created").exists()


def test_create_refuses_a_spelling_kept_as_an_alias(ops_client, customer):
    CustomerAlias.objects.create(key="HOSPA", customer=customer, facility_name="Hosp. A")
    response = ops_client.post(url("customer_create"), customer_data(facility_name="Hosp A"))
    assert f'href="{customer.get_absolute_url()}"' in response.content.decode()
    assert Customer.objects.count() == 1


def test_create_warns_about_similar_names_then_creates_when_confirmed(ops_client, customer):
    response = ops_client.post(url("customer_create"), customer_data(facility_name="Hospitals A"))
    assert response.status_code == 200
    assert Customer.objects.count() == 1
    body = response.content.decode()
    assert "Possible duplicates" in body
    assert f'href="{customer.get_absolute_url()}"' in body
    assert 'type="checkbox" name="confirm_similar"' in body

    response = ops_client.post(url("customer_create"), customer_data(facility_name="Hospitals A",
                                                                     confirm_similar="on"))
    assert response.status_code == 302
    assert Customer.objects.filter(company_key="HOSPITALSA").exists()


def test_create_refuses_a_name_without_letters(ops_client):
    response = ops_client.post(url("customer_create"), customer_data(facility_name="---"))
    assert "no letters or digits" in response.context["form"].errors["facility_name"][0]
    assert not Customer.objects.exists()


def test_create_returns_to_a_local_next_url_with_the_new_customer(ops_client):
    response = ops_client.post(url("customer_create") + "?next=/admin/distribution-log/new/%3Fa%3D1",
                               customer_data())
    assert response["Location"] == f"/admin/distribution-log/new/?a=1&customer={Customer.objects.get().pk}"


def test_create_ignores_a_next_url_on_another_site(ops_client):
    response = ops_client.post(url("customer_create"), {**customer_data(), "next": "https://evil.example/"})
    assert response["Location"] == Customer.objects.get().get_absolute_url()


def test_create_prefills_the_name_from_the_query_string(ops_client):
    body = ops_client.get(url("customer_create"), {"facility_name": "Mercy Clinic"}).content.decode()
    assert 'value="Mercy Clinic"' in body
