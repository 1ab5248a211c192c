"""Shared values and helpers for the tests of pages."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from customers.models import Customer
from silqeqms.models import AuditEvent


def url(name: str, *args) -> str:
    return reverse(f"customers:{name}" if name != "customer_merge" else name, args=args)


def audit_events():
    """Events the test caused (the roles fixture records its own seeding)."""
    return AuditEvent.objects.exclude(reason="seed_permissions applied roles.py")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def login(client, user):
    client.force_login(user)
    return client


def customer_data(**overrides) -> dict:
    data = {"facility_name": "Hospital A", "address1": "100 Main St", "address2": "", "city": "Austin",
            "state": "TX", "postal_code": "78701", "country": "US", "phone": "", "email": "", "contact_name": ""}
    data.update(overrides)
    return data


def edit_data(customer: Customer, **overrides) -> dict:
    data = {name: getattr(customer, name) for name in ("facility_name", "address1", "address2", "city", "state",
                                                       "postal_code", "country", "phone", "email",
                                                       "contact_name")}
    data.update({"is_active": "on" if customer.is_active else "", "version": customer.version, "reason": ""})
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
