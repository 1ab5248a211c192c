"""Fixtures shared by the tests of pages."""

from __future__ import annotations

import pytest

from tests.customers.pages.support import (
    login,
)
from tests.factories import (
    CustomerFactory,
)


@pytest.fixture
def customer(db):
    return CustomerFactory(facility_name="Hospital A", city="Austin", state="TX")


@pytest.fixture
def rep_client(client, rep_user):
    return login(client, rep_user)
