"""Reading a label against the catalogue: products.scanning.read_label and GET /admin/scan/?code=."""

from __future__ import annotations

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from products.scanning import read_label
from silqeqms.models import AuditEvent
from tests.factories import LotFactory, ProductFactory, UserFactory
from tests.products.gtins import gtin14, with_wrong_check_digit

pytestmark = pytest.mark.django_db

GS = "\x1d"
SCAN_URL = "/admin/scan/"
EMPTY = {"udi_di": "", "sku": "", "lot_number": "", "expiry_date": None, "serial_number": ""}


@pytest.fixture
def kit():
    return ProductFactory(sku="KIT-1", gtin=gtin14(1))


@pytest.fixture
def scanner(client):
    client.force_login(UserFactory(perms=["products.view"]))
    return client


def test_read_label_fills_every_field_and_finds_the_product_and_lot_in_two_queries(kit):
    lot = LotFactory(product=kit, lot_number="A1", expiry_date=datetime.date(2027, 12, 31))
    with CaptureQueriesContext(connection) as queries:
        result = read_label(f"]d201{kit.gtin}17271200" f"10a1{GS}21SN-7")
    assert len(queries.captured_queries) == 2
    assert result.as_json() == {"udi_di": kit.gtin, "sku": "KIT-1", "lot_number": "a1", "expiry_date": "2027-12-31",
                                "serial_number": "SN-7", "error": ""}
    assert (result.product, result.lot, result.warnings) == (kit, lot, ())


def test_read_label_warns_when_the_label_and_the_lot_record_disagree_on_expiry(kit):
    LotFactory(product=kit, lot_number="A1", expiry_date=datetime.date(2027, 6, 30))
    result = read_label(f"(01){kit.gtin}(17)271231(10)A1")
    assert result.ok
    assert result.warnings == ("The label's expiry date 2027-12-31 differs from lot A1's recorded 2027-06-30.",)


def test_an_unknown_gtin_fills_nothing(kit):
    result = read_label(f"01{gtin14(2)}10A1")
    assert result.as_json() == {**EMPTY, "error": f"No product has GTIN {gtin14(2)}. Add it to the product "
                                                   "catalogue (Products › New product) or check the label."}


@pytest.mark.parametrize("code", [
    f"https://id.gs1.org/01/{gtin14(1)}/10/A1?17=271231",
    f"(01){gtin14(1)}(17)271231(10)A1",
    f"]C101{gtin14(1)}17271231" "10A1",
])
def test_the_scan_endpoint_answers_each_form_with_200(scanner, kit, code):
    response = scanner.get(SCAN_URL, {"code": code})
    assert response.status_code == 200
    assert response.json() == {"udi_di": kit.gtin, "sku": "KIT-1", "lot_number": "A1", "expiry_date": "2027-12-31",
                               "serial_number": "", "error": ""}


@pytest.mark.parametrize(("code", "says"), [
    (f"01{with_wrong_check_digit(gtin14(1)[:-1])}10A1", "wrong check digit"),
    (f"01{gtin14(2)}10A1", "No product has GTIN"),
    ("not a label", "is not a GS1 label"),
    ("", "Scan a label"),
    ("9" * 100_000, "characters long"),
])
def test_the_scan_endpoint_answers_400_with_the_reason_and_fills_nothing(scanner, kit, code, says):
    response = scanner.get(SCAN_URL, {"code": code})
    assert response.status_code == 400
    body = response.json()
    assert says in body.pop("error")
    assert body == EMPTY
    assert not AuditEvent.objects.exists()


def test_a_scan_takes_a_few_queries_and_well_under_100_ms(scanner, kit, django_assert_max_num_queries):
    code = f"]d201{kit.gtin}17271231" f"10A1{GS}21S1"
    scanner.get(SCAN_URL, {"code": code})  # warm-up: URL resolver, templates, biip's tables
    # Session and user (2), permissions (2), product and lot (2), the idle-timeout session save (3).
    with django_assert_max_num_queries(9):
        started = time.perf_counter()
        response = scanner.get(SCAN_URL, {"code": code})
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed < 0.1, f"scan took {elapsed * 1000:.0f} ms"
