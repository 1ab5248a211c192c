"""The product and lot pages: lists, forms, status changes, the CSV import, and who may do what."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from products.forms import ProductImportConfirmForm
from products.models import Lot, LotStatusChange, Product
from products.services import change_lot_status, update_product
from silqeqms.models import AuditEvent
from tests.factories import LotFactory, ProductFactory, UserFactory
from tests.products.gtins import gtin14, with_wrong_check_digit

pytestmark = pytest.mark.django_db

LIST = "/admin/products/"
NEW = "/admin/products/new/"


def csv_upload(text: str, name: str = "catalogue.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


# List and create ----------------------------------------------------------------------------------------


def test_the_list_shows_products_with_their_lot_counts_in_a_fixed_number_of_queries(
        client, readonly_user, django_assert_max_num_queries):
    client.force_login(readonly_user)
    for i in range(30):
        LotFactory(product=ProductFactory(sku=f"KIT-{i:02d}", gtin=gtin14(i)))
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Products · SilqeQMS</title>" in page
    assert "KIT-00" in page and "KIT-29" in page
    assert 'href="/admin/products/new/"' not in page  # readonly cannot create


def test_searching_a_gtin_in_another_length_finds_the_product(client, readonly_user):
    client.force_login(readonly_user)
    ProductFactory(sku="KIT-1", gtin=gtin14(1))
    ProductFactory(sku="KIT-2", gtin=gtin14(2))
    page = client.get(LIST, {"q": gtin14(1)[1:]}).content.decode()
    assert "KIT-1" in page and "KIT-2" not in page


def test_an_empty_catalogue_says_how_to_fill_it(client, ops_user):
    client.force_login(ops_user)
    page = client.get(LIST).content.decode()
    assert "There are no products yet" in page and "Import CSV" in page


def test_creating_a_product_through_the_form(client, ops_user):
    client.force_login(ops_user)
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, {"sku": "211810SPT", "description": "Spinal tray", "gtin": gtin14(4)[1:]})
    product = Product.objects.get()
    assert response.status_code == 302 and response["Location"] == product.get_absolute_url()
    assert (product.gtin, product.created_by) == (gtin14(4), ops_user)
    assert AuditEvent.objects.filter(action="product.created", actor=ops_user).count() == 1


def test_the_form_names_what_is_wrong_and_links_the_product_a_sku_belongs_to(client, ops_user):
    client.force_login(ops_user)
    existing = ProductFactory(sku="211810SPT")
    page = client.post(NEW, {"sku": "211810spt", "description": "", "gtin": ""}).content.decode()
    assert "A product with SKU 211810SPT already exists." in page
    assert existing.get_absolute_url() in page
    bad = with_wrong_check_digit(gtin14(5)[:-1])
    page = client.post(NEW, {"sku": "NEW 1", "gtin": bad}).content.decode()
    assert "contains a space" in page and "wrong check digit" in page
    assert Product.objects.count() == 1


# Product page -----------------------------------------------------------------------------------------


def test_editing_a_product_needs_a_reason_and_products_edit(client, ops_user, readonly_user):
    product = ProductFactory(sku="KIT-1", description="Kit", gtin="")
    data = {"description": "Kit, sterile", "gtin": gtin14(8), "is_active": "on", "version": 1, "reason": ""}
    client.force_login(readonly_user)
    assert client.post(product.get_absolute_url(), {**data, "reason": "x"}).status_code == 403
    client.force_login(ops_user)
    page = client.post(product.get_absolute_url(), data).content.decode()
    assert "Give a reason for this change." in page
    response = client.post(product.get_absolute_url(), {**data, "reason": "GTIN assigned"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.description, product.gtin, product.version) == ("Kit, sterile", gtin14(8), 2)
    page = client.get(product.get_absolute_url()).content.decode()
    assert "GTIN assigned" in page and "product.updated" in page


def test_a_stale_product_form_says_who_saved_in_between(client, ops_user):
    product = ProductFactory(description="Kit")
    update_product(actor=UserFactory(username="quinn"), product=product, data={"description": "Kit A"},
                   reason="typo", version=1)
    client.force_login(ops_user)
    page = client.post(product.get_absolute_url(), {"description": "Kit B", "version": 1, "reason": "mine",
                                                    "is_active": "on"}).content.decode()
    assert "changed by quinn" in page
    product.refresh_from_db()
    assert product.description == "Kit A"


def test_adding_a_lot_from_the_product_page(client, ops_user):
    product = ProductFactory(sku="KIT-1")
    client.force_login(ops_user)
    url = reverse("products:lot_create", args=[product.pk])
    page = client.post(url, {"lot_number": "L 1", "expiry_date": "2028-01-31"}).content.decode()
    assert "contains a space" in page
    response = client.post(url, {"lot_number": "L-1", "expiry_date": "2028-01-31", "manufacture_date": "2026-01-31"})
    lot = Lot.objects.get()
    assert response["Location"] == lot.get_absolute_url()
    assert (lot.status, lot.expiry_date) == ("released", datetime.date(2028, 1, 31))
    assert "L-1" in client.get(product.get_absolute_url()).content.decode()


# Lot page and status ------------------------------------------------------------------------------------


def test_the_lot_page_shows_its_status_history(client, readonly_user):
    lot = LotFactory(lot_number="L-9")
    day = timezone.localdate() - datetime.timedelta(days=2)
    change_lot_status(actor=UserFactory(username="quinn"), lot=lot, status="quarantined", reason="NCR-44 bioburden",
                      version=1, effective_date=day)
    client.force_login(readonly_user)
    page = client.get(lot.get_absolute_url()).content.decode()
    assert f"<title>Lot L-9 · {lot.product.sku} · SilqeQMS</title>" in page
    assert "Quarantined" in page and "NCR-44 bioburden" in page and "quinn" in page and f"{day:%Y-%m-%d}" in page
    assert "Change the status" not in page  # readonly


def test_quality_changes_a_lot_status_with_a_reason(client, quality_user):
    lot = LotFactory()
    client.force_login(quality_user)
    url = reverse("products:lot_status", args=[lot.pk])
    today = timezone.localdate()
    page = client.post(url, {"status": "on_hold", "effective_date": today.isoformat(), "version": 1,
                             "reason": " "}).content.decode()
    assert "Give a reason for this change." in page and not LotStatusChange.objects.exists()
    response = client.post(url, {"status": "on_hold", "effective_date": today.isoformat(), "version": 1,
                                 "reason": "complaint CMP-3"})
    assert response.status_code == 302 and response["Location"].endswith("#status")
    change = LotStatusChange.objects.get()
    assert (change.to_status, change.changed_by, change.reason) == ("on_hold", quality_user, "complaint CMP-3")
    assert AuditEvent.objects.filter(action="lot.status_changed", actor=quality_user).count() == 1


def test_ops_cannot_change_a_lot_status_and_nothing_is_written(client, ops_user):
    lot = LotFactory()
    client.force_login(ops_user)
    before = AuditEvent.objects.count()  # seeding the roles is audited too
    response = client.post(reverse("products:lot_status", args=[lot.pk]),
                           {"status": "recalled", "effective_date": timezone.localdate().isoformat(), "version": 1,
                            "reason": "x"})
    assert response.status_code == 403 and "products.lot_status" in response.content.decode()
    lot.refresh_from_db()
    assert lot.status == "released" and AuditEvent.objects.count() == before


def test_editing_lot_dates_with_a_reason(client, ops_user, quality_user):
    lot = LotFactory(expiry_date=datetime.date(2030, 1, 31))
    data = {"expiry_date": "2029-12-31", "manufacture_date": "2026-01-15", "version": 1, "reason": "label reprint"}
    client.force_login(quality_user)
    assert client.post(lot.get_absolute_url(), data).status_code == 403
    client.force_login(ops_user)
    assert client.post(lot.get_absolute_url(), data).status_code == 302
    lot.refresh_from_db()
    assert lot.expiry_date == datetime.date(2029, 12, 31)


def test_the_lot_list_filters_expired_lots_by_date(client, readonly_user):
    LotFactory(lot_number="OLD-1", expiry_date=datetime.date(2020, 1, 31), manufacture_date=datetime.date(2018, 1, 1))
    LotFactory(lot_number="NEW-1", expiry_date=datetime.date(2099, 1, 31))
    client.force_login(readonly_user)
    page = client.get(reverse("products:lot_list"), {"status": "expired"}).content.decode()
    assert "OLD-1" in page and "NEW-1" not in page
    page = client.get(reverse("products:lot_list"), {"status": "released"}).content.decode()
    assert "NEW-1" in page and "OLD-1" not in page


# CSV import ----------------------------------------------------------------------------------------------


def test_import_preview_then_confirm(client, ops_user):
    client.force_login(ops_user)
    url = reverse("products:product_import")
    text = f"sku,description,gtin\r\nKIT-1,Kit one,{gtin14(1)}\r\nKIT-2,Kit two,\r\n"
    page = client.post(url, {"file": csv_upload(text)}).content.decode()
    assert "Preview of catalogue.csv" in page and "Import 2 products" in page
    assert not Product.objects.exists()
    confirm = {
        "file_name": "catalogue.csv", "payload": ProductImportConfirmForm.encode(text.encode()),
        "fingerprint": page.split('name="fingerprint" value="')[1].split('"')[0], "reason": "first catalogue",
    }
    response = client.post(url, confirm)
    assert response.status_code == 302 and response["Location"] == LIST
    assert sorted(Product.objects.values_list("sku", flat=True)) == ["KIT-1", "KIT-2"]
    assert AuditEvent.objects.filter(action="product.imported").count() == 2
    assert AuditEvent.objects.get(action="products.imported").reason == "first catalogue"


def test_import_preview_lists_every_problem_and_offers_no_import(client, ops_user):
    client.force_login(ops_user)
    bad = with_wrong_check_digit(gtin14(1)[:-1])
    page = client.post(reverse("products:product_import"),
                       {"file": csv_upload(f"sku,gtin\r\nKIT 1,\r\nKIT-2,{bad}\r\n")}).content.decode()
    assert "Line 2, column <b>sku</b>, value “KIT 1”" in page
    assert f"Line 3, column <b>gtin</b>, value “{bad}”" in page
    assert 'name="payload"' not in page and not Product.objects.exists()


def test_an_import_confirmed_with_a_damaged_payload_imports_nothing(client, ops_user):
    client.force_login(ops_user)
    before = AuditEvent.objects.count()
    response = client.post(reverse("products:product_import"), {"file_name": "x.csv", "payload": "%%%",
                                                                 "fingerprint": "0" * 64, "reason": "r"}, follow=True)
    assert "did not come back intact" in response.content.decode()
    assert not Product.objects.exists() and AuditEvent.objects.count() == before


def test_an_import_without_the_permission_is_403(client, quality_user):
    client.force_login(quality_user)
    response = client.post(reverse("products:product_import"), {"file": csv_upload("sku\r\nKIT-1\r\n")})
    assert response.status_code == 403 and not Product.objects.exists()


# Roles ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "can_create", "can_status"), [
    ("admin_user", True, True), ("ops_user", True, False), ("quality_user", False, True),
    ("rep_user", False, False), ("readonly_user", False, False),
])
def test_what_each_role_may_do(request, role, can_create, can_status):
    user = request.getfixturevalue(role)
    assert user.has_perm("products.view")
    assert user.has_perm("products.create") == user.has_perm("products.edit") == user.has_perm(
        "products.import") == can_create
    assert user.has_perm("products.lot_status") == can_status
