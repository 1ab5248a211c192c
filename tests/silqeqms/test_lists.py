"""Every list says when what was asked of it cannot be done, instead of quietly doing something else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LISTS = ["customers:customer_list", "distribution:entry_list", "distribution:review_queue", "audit_list",
         "products:product_list", "products:lot_list", "users:user_list", "jobs:job_list"]


@pytest.mark.parametrize("name", LISTS)
def test_a_sort_the_list_does_not_offer_is_said_and_the_usual_order_kept(admin_client, name):
    response = admin_client.get(reverse(name), {"sort": "bogus"})
    assert response.status_code == 200
    assert "cannot be sorted by “bogus”" in [str(m) for m in response.context["messages"]][0]


@pytest.mark.parametrize("name", LISTS)
def test_a_sort_the_list_offers_says_nothing(admin_client, name):
    response = admin_client.get(reverse(name))
    assert not list(response.context["messages"])


def test_a_status_the_customer_list_does_not_know_is_shown_as_a_filter_problem(admin_client):
    CustomerFactory.create_batch(2)
    response = admin_client.get(reverse("customers:customer_list"), {"is_active": "maybe"})
    html = response.content.decode()
    assert "nothing is listed until it is fixed" in html
    assert "maybe is not one of the available choices" in html
    assert response.context["table"].paginator.count == 0


def test_each_section_page_is_headed_and_titled_as_the_navigation_names_it(admin_client):
    from silqeqms.navigation import SECTIONS

    for section in SECTIONS:
        html = admin_client.get(reverse(section.url_name)).content.decode()
        assert f"<h1>{section.title}" in html, section.title
        assert f"<title>{section.title} · SilqeQMS</title>" in html, section.title
