"""Long values wrap inside the page: a 255-character facility name or a long lot never makes a page
wider than the window (before: the entry page was 2,600 px wide at 1280)."""

from __future__ import annotations

import pytest

from distribution.services import create_entry
from tests.factories import UserFactory, entry_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_with_the_longest_values_fit_the_window(page, live_server, login, roles):
    admin = UserFactory(username="avery")
    admin.groups.add(roles["admin"])
    long_name = "H" * 255
    entry = create_entry(actor=admin, data=entry_data(facility_name=long_name, address1="A" * 255, lot_number="L" * 64,
                                                      order_number="O" * 64, notes="N" * 2000))
    page.set_viewport_size({"width": 1280, "height": 900})
    login(admin)
    for path in (entry.get_absolute_url(), "/admin/distribution-log/", entry.customer.get_absolute_url(),
                 f"/admin/distribution-log/lots/{'L' * 64}/", "/admin/audit/"):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, f"{path} is {width} px wide"
