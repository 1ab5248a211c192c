"""Lots in URLs round-trip exactly: a lot trace (and its export, and every link to it) opens the lot that
was recorded, whatever characters it holds — never another lot, never another page."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from distribution.converters import lot_from_path, lot_to_path
from tests.factories import DistributionLogEntryFactory

pytestmark = pytest.mark.django_db

LOTS = ["A/../B", "..", ".", "../../etc", "50%", "50%25", "a?b=c", "L#7", "L 7&8", "Ωmega-東京", "~7E", "a\\b",
        "A/B/", " lead"]


@pytest.mark.parametrize("lot", LOTS)
def test_the_trace_of_any_lot_opens_exactly_that_lot(admin_client, lot):
    DistributionLogEntryFactory(lot_number=lot, quantity=7)
    DistributionLogEntryFactory(lot_number="B", quantity=1)  # the lot "A/../B" once led to
    url = reverse("distribution:lot_trace", kwargs={"lot": lot})
    assert url.startswith("/admin/distribution-log/lots/") and url.endswith("/")
    response = admin_client.get(url)
    assert response.status_code == 200
    assert response.context["lot"] == lot
    assert response.context["totals"]["units"] == 7


@pytest.mark.parametrize("lot", LOTS)
def test_the_lot_export_carries_exactly_that_lot(admin_client, lot):
    DistributionLogEntryFactory(lot_number=lot)
    response = admin_client.get(reverse("distribution:lot_trace_export", kwargs={"lot": lot}))
    body = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(body) == 2  # header and the one line of this lot


@pytest.mark.parametrize("lot", LOTS)
def test_the_log_links_each_row_to_its_own_lot(admin_client, lot):
    DistributionLogEntryFactory(lot_number=lot, order_number="SO-LINKED")
    html = admin_client.get(reverse("distribution:entry_list"), {"order_number": "SO-LINKED"}).content.decode()
    (href,) = re.findall(r'href="(/admin/distribution-log/lots/[^"]*)"', html)
    followed = admin_client.get(unescape(href))
    assert followed.status_code == 200 and followed.context["lot"] == lot


def test_typing_a_path_into_trace_a_lot_stays_on_the_lot_trace(admin_client):
    DistributionLogEntryFactory(lot_number="../../etc")
    response = admin_client.get(reverse("distribution:lot_search"), {"lot": "../../etc"})
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/distribution-log/lots/")
    assert admin_client.get(response["Location"]).context["lot"] == "../../etc"


@pytest.mark.parametrize("lot", LOTS)
def test_the_escape_is_its_own_inverse(lot):
    assert lot_from_path(lot_to_path(lot)) == lot
    assert "/" not in lot_to_path(lot)
