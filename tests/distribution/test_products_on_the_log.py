"""The catalogue seen from the log: filter the log by product, and a lot trace shows the lot's record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import DistributionLogEntryFactory, LotFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_the_log_filters_by_product_whatever_case_the_sku_was_shipped_in(admin_client):
    kit = ProductFactory(sku="311400KIT")
    mine = [DistributionLogEntryFactory(sku="311400KIT"), DistributionLogEntryFactory(sku="311400kit")]
    DistributionLogEntryFactory(sku="211810SPT")
    response = admin_client.get(reverse("distribution:entry_list"), {"product": kit.pk})
    assert {row.record.pk for row in response.context["table"].page.object_list} == {e.pk for e in mine}


def test_a_lot_trace_shows_the_lot_record_with_its_status_and_expiry(admin_client, django_assert_max_num_queries):
    lot = LotFactory(lot_number="LOT-77", product=ProductFactory(sku="311400KIT", description="Catheter kit"),
                     status="on_hold")
    DistributionLogEntryFactory(sku="311400KIT", lot_number="LOT-77")
    url = reverse("distribution:lot_trace", kwargs={"lot": "LOT-77"})
    admin_client.get(url)
    with django_assert_max_num_queries(20):
        html = admin_client.get(url).content.decode()
    assert "In the catalogue" in html and "Catheter kit" in html and "On hold" in html
    assert lot.get_absolute_url() in html and "2030-12-31" in html


def test_a_lot_not_in_the_catalogue_says_so(admin_client):
    DistributionLogEntryFactory(lot_number="OLD-1")
    html = admin_client.get(reverse("distribution:lot_trace", kwargs={"lot": "OLD-1"})).content.decode()
    assert "is not in the product catalogue" in html


def test_the_log_shows_each_skus_catalogue_description_without_a_query_per_row(admin_client,
                                                                               django_assert_max_num_queries):
    ProductFactory(sku="311400KIT", description="Catheter kit")
    ProductFactory(sku="211810SPT", description="")
    DistributionLogEntryFactory(sku="311400kit")
    DistributionLogEntryFactory(sku="211810SPT")
    DistributionLogEntryFactory(sku="NOT-IN-CATALOGUE")
    url = reverse("distribution:entry_list")
    admin_client.get(url)
    with django_assert_max_num_queries(20) as few:
        html = admin_client.get(url).content.decode()
    assert '311400kit<br><span class="muted">Catheter kit</span>' in html
    assert "NOT-IN-CATALOGUE</td>" in html
    DistributionLogEntryFactory.create_batch(40, sku="311400KIT")
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(url)


def test_the_review_queue_and_the_entry_page_show_the_product(admin_client):
    kit = ProductFactory(sku="311400KIT", description="Catheter kit")
    entry = DistributionLogEntryFactory(sku="311400KIT", lot_number="", status="needs_review")
    queue = admin_client.get(reverse("distribution:review_queue")).content.decode()
    assert 'Catheter kit' in queue
    page = admin_client.get(entry.get_absolute_url()).content.decode()
    assert f'<a href="{kit.get_absolute_url()}">311400KIT</a> <span class="muted">Catheter kit</span>' in page
