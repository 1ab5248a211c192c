"""Paging parameters typed by hand or by a crawler never surprise: not a positive whole number → default."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import DistributionLogEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sixty_entries():
    from distribution.summaries import rebuild_summaries

    entries = DistributionLogEntryFactory.create_batch(60)
    rebuild_summaries()  # the list reads its total from the summaries, as it does at a million entries
    return entries


@pytest.mark.parametrize("page", ["0", "-1", "x", "", "1.5"])
def test_a_page_number_that_is_not_positive_shows_the_first_page(admin_client, sixty_entries, page):
    response = admin_client.get(reverse("distribution:entry_list"), {"page": page})
    assert response.status_code == 200
    table = response.context["table"]
    assert table.page.number == 1
    assert len(table.page.object_list) == 50


def test_a_page_past_the_end_shows_the_last_page(admin_client, sixty_entries):
    table = admin_client.get(reverse("distribution:entry_list"), {"page": "99"}).context["table"]
    assert table.page.number == 2 and len(table.page.object_list) == 10


@pytest.mark.parametrize("per_page", ["-5", "0", "abc"])
def test_a_page_size_that_is_not_positive_means_the_default(admin_client, sixty_entries, per_page):
    response = admin_client.get(reverse("distribution:entry_list"), {"per_page": per_page})
    assert response.status_code == 200
    assert response.context["table"].paginator.per_page == 50


def test_the_audit_trail_links_each_target_and_labels_the_time_zone(admin_client, admin_user, settings):
    from customers.services import create_customer

    customer = create_customer(actor=admin_user, data={"facility_name": "Hospital A"})
    html = admin_client.get(reverse("audit_list")).content.decode()
    assert f'<a href="{customer.get_absolute_url()}">Hospital A</a>' in html
    assert " CST" in html or " CDT" in html  # settings.TIME_ZONE is America/Chicago
