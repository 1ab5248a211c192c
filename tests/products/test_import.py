"""The products CSV: parser (no database), plan and import (all rows or none, each audited)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from products.csv_import import MAX_ROWS, ProductCsvError, parse_products_csv
from products.models import Product
from products.services import import_products, plan_product_import, update_product
from silqeqms.models import AuditEvent
from tests.factories import ProductFactory, UserFactory
from tests.products.gtins import gtin14, with_wrong_check_digit

BAD = with_wrong_check_digit(gtin14(9)[:-1])


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


# Parser ---------------------------------------------------------------------------------------------


def test_the_parser_reads_columns_in_any_order_and_case_with_aliases():
    result = parse_products_csv(csv_bytes("Description,UDI-DI,SKU,Active",
                                          f"Spinal tray,{gtin14(1)[1:]},211810SPT,yes", ",,KIT-2,no", "", "x,,KIT-3,"))
    assert result.ok and result.total_rows == 3
    first, second, third = result.rows
    assert (first.line, first.sku, first.description, first.gtin, first.is_active) == (
        2, "211810SPT", "Spinal tray", gtin14(1), True)
    assert (second.line, second.description, second.gtin, second.is_active) == (3, None, None, False)
    assert third.line == 5


def test_the_parser_reads_windows_1252_and_a_byte_order_mark():
    assert parse_products_csv(csv_bytes("sku,description", "KIT-1,Plaque 5 µm", encoding="cp1252")).rows[0].description \
        == "Plaque 5 µm"
    assert parse_products_csv(b"\xef\xbb\xbfsku\r\nKIT-1\r\n").rows[0].sku == "KIT-1"


def test_every_cell_problem_is_named_by_line_column_and_value():
    result = parse_products_csv(csv_bytes(
        "sku,gtin,active,description",
        f"KIT 1,{BAD},maybe,ok",
        f"KIT-2,{gtin14(2)},yes," + "d" * 256,
        f"kit-2,{gtin14(2)},,",
        ",,,",  # blank row: skipped
        ",,,stray description",
    ))
    assert not result.ok
    messages = [str(e) for e in result.errors]
    assert messages[0].startswith("Line 2, column sku, value “KIT 1”: SKU “KIT 1” contains a space")
    assert messages[1].startswith(f"Line 2, column gtin, value “{BAD}”: GTIN {BAD} has a wrong check digit")
    assert messages[2] == "Line 2, column active, value “maybe”: is not yes or no (also true/false, 1/0)."
    assert messages[3].startswith("Line 3, column description")
    assert "Line 4, column sku, value “kit-2”: repeats the SKU of line 3." not in messages  # line 3 had an error
    assert messages[4:] == ["Line 6, column sku: Enter a SKU."]


def test_a_sku_or_gtin_given_twice_is_an_error_on_the_later_row():
    result = parse_products_csv(csv_bytes("sku,gtin", f"KIT-1,{gtin14(1)}", f"kit-1,{gtin14(2)}", f"KIT-3,{gtin14(1)}"))
    assert [str(e) for e in result.errors] == [
        "Line 3, column sku, value “kit-1”: repeats the SKU of line 2.",
        f"Line 4, column gtin, value “{gtin14(1)}”: is also the GTIN of line 2.",
    ]


@pytest.mark.parametrize(("data", "says"), [
    (b"", "empty"),
    (b"sku\r\n", "no rows"),
    (b"sku,colour\r\nKIT-1,red\r\n", "unknown column “colour”"),
    (b"description\r\nx\r\n", "“sku” is missing"),
    (b"sku,SKU\r\nA,B\r\n", "appears twice"),
    (b"\xff\xfes\x00k\x00u\x00", "not CSV text"),
    (b'sku\r\n"KIT-1\r\n', "could not be read as CSV"),
    (b"x" * (2 * 1024 * 1024 + 1), "the limit is 2 MB"),
])
def test_an_unusable_file_is_refused_as_a_whole(data, says):
    with pytest.raises(ProductCsvError, match=says):
        parse_products_csv(data)


def test_a_file_over_the_row_limit_is_refused():
    with pytest.raises(ProductCsvError, match="more than"):
        parse_products_csv(csv_bytes("sku", *(f"K{i}" for i in range(MAX_ROWS + 1))))


# Plan and import ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_import_creates_updates_and_leaves_unchanged_rows_each_audited_with_a_batch_event():
    user = UserFactory()
    kit = ProductFactory(sku="KIT-1", description="Old", gtin="")
    ProductFactory(sku="KIT-2", description="Same", gtin=gtin14(2))
    rows = parse_products_csv(csv_bytes("sku,description,gtin,active", f"kit-1,New,{gtin14(1)},",
                                        "KIT-2,,,", f"KIT-3,Brand new,{gtin14(3)},no")).rows
    plan = plan_product_import(rows)
    assert [(p.row.line, p.action) for p in plan.lines] == [(2, "update"), (3, "unchanged"), (4, "create")]
    result = import_products(actor=user, rows=rows, reason="2027 catalogue", file_name="catalogue.csv",
                             sha256="ab" * 32, expected_fingerprint=plan.fingerprint)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    kit.refresh_from_db()
    assert (kit.sku, kit.description, kit.gtin, kit.version) == ("KIT-1", "New", gtin14(1), 2)
    new = Product.objects.get(sku="KIT-3")
    assert (new.description, new.gtin, new.is_active, new.created_by) == ("Brand new", gtin14(3), False, user)
    imported = list(AuditEvent.objects.filter(action="product.imported").order_by("seq"))
    assert {e.target_id: (e.data["line"], e.data["created"]) for e in imported} == {
        str(new.pk): (4, True), str(kit.pk): (2, False)}
    assert next(e for e in imported if e.target_id == str(kit.pk)).changes == {
        "description": ["Old", "New"], "gtin": ["", gtin14(1)]}
    (batch,) = AuditEvent.objects.filter(action="products.imported")
    assert (batch.reason, batch.target_repr, batch.data["created"], batch.data["updated"], batch.data["unchanged"]) == (
        "2027 catalogue", "catalogue.csv", 1, 1, 1)
    assert {e.batch_id for e in imported} == {batch.batch_id}


@pytest.mark.django_db
def test_a_gtin_held_by_another_product_stops_the_whole_import():
    ProductFactory(sku="KIT-1", gtin=gtin14(1))
    rows = parse_products_csv(csv_bytes("sku,gtin", "KIT-5,", f"KIT-6,{gtin14(1)}")).rows
    assert plan_product_import(rows).errors == [f"Line 3, column gtin, value “{gtin14(1)}”: already the GTIN of KIT-1."]
    with pytest.raises(ValidationError):
        import_products(actor=UserFactory(), rows=rows, reason="r")
    assert Product.objects.count() == 1 and not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_an_import_is_refused_when_the_catalogue_changed_after_the_preview():
    user = UserFactory()
    kit = ProductFactory(sku="KIT-1", description="Old")
    rows = parse_products_csv(csv_bytes("sku,description", "KIT-1,New", "KIT-2,Other")).rows
    fingerprint = plan_product_import(rows).fingerprint
    update_product(actor=user, product=kit, data={"description": "Edited meanwhile"}, reason="fix", version=1)
    with pytest.raises(ValidationError, match="since the preview"):
        import_products(actor=user, rows=rows, reason="r", expected_fingerprint=fingerprint)
    kit.refresh_from_db()
    assert kit.description == "Edited meanwhile" and not Product.objects.filter(sku="KIT-2").exists()


@pytest.mark.django_db
def test_an_import_needs_a_reason():
    rows = parse_products_csv(csv_bytes("sku", "KIT-1")).rows
    with pytest.raises(ValidationError):
        import_products(actor=UserFactory(), rows=rows, reason="  ")
    assert not Product.objects.exists()


@given(st.binary(max_size=300))
def test_any_bytes_give_rows_or_a_whole_file_error_never_another_exception(data):
    try:
        result = parse_products_csv(b"sku,description,gtin,active\r\n" + data)
    except ProductCsvError as error:
        assert str(error)
    else:
        assert all(row.sku for row in result.rows)
