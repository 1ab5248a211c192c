"""Imports and the catalogue: the `udi` column (a scanned label per line, read as the entry form's scan),
expiry and serial columns, the preview's warnings, the UDI-DI that must agree with the product's GTIN,
new lot numbers, and the exports that carry the production identifiers back out."""

from __future__ import annotations

import csv as csv_module
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distribution import services
from distribution.imports.csv_file import CsvImportError, parse_distribution_csv
from distribution.imports.planning import plan_import
from distribution.imports.rows import csv_rows_to_lines
from distribution.imports.use_cases import import_csv_file, preview_csv_file
from distribution.models import DistributionLogEntry
from tests.factories import DistributionLogEntryFactory, LotFactory, ProductFactory, UserFactory, entry_data
from tests.products.gtins import gtin14, with_wrong_check_digit

pytestmark = pytest.mark.django_db

GS = "\x1d"


@pytest.fixture
def kit():
    return ProductFactory(sku="KIT-1", gtin=gtin14(1), description="Catheter kit")


def csv_bytes(header: str, *lines: str) -> bytes:
    buffer = io.StringIO()
    writer = csv_module.writer(buffer, lineterminator="\r\n")
    writer.writerow(header.split(","))
    for line in lines:
        writer.writerow(line.split("|"))
    return buffer.getvalue().encode()


def lines_of(data: bytes):
    parsed = parse_distribution_csv(data)
    assert parsed.errors == []
    return csv_rows_to_lines(parsed.rows)


# The udi column ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", [
    "]d201{gtin}17270600" "10L-77" + GS + "21SN-9",  # raw, as a scanner types it; day 00 = 30 June
    "(01){gtin}(17)270600(10)L-77(21)SN-9",
    "https://id.gs1.org/01/{gtin}/10/L-77/21/SN-9?17=270600",
])
def test_a_udi_column_fills_udi_di_sku_lot_expiry_and_serial_as_the_form_scan_does(kit, label):
    data = csv_bytes("ship_date,order_number,facility_name,quantity,udi",
                     f"2026-03-02|SO-1|Hospital A|2|{label.format(gtin=kit.gtin)}")
    [line] = lines_of(data)
    assert (line.udi_di, line.sku, line.lot_number, line.expiry_date, line.serial_number) == (
        kit.gtin, "KIT-1", "L-77", datetime.date(2027, 6, 30), "SN-9")
    result = import_csv_file(actor=UserFactory(), name="scans.csv", data=data, reason="scanned at the dock")
    entry = DistributionLogEntry.objects.get(pk=result.entry_ids[0])
    assert (entry.sku, entry.udi_di, entry.lot_number, entry.expiry_date, entry.serial_number) == (
        "KIT-1", kit.gtin, "L-77", datetime.date(2027, 6, 30), "SN-9")


def test_a_udi_label_that_cannot_be_read_is_a_cell_error_naming_line_column_and_value():
    wrong = "(01)" + with_wrong_check_digit("0081234567001") + "(10)L1"
    result = parse_distribution_csv(csv_bytes("ship_date,order_number,facility_name,quantity,udi",
                                              f"2026-03-02|SO-1|Hospital A|2|{wrong}", "2026-03-02|SO-2|Hospital A|2|junk"))
    first, second = result.errors
    assert (first.line, first.column, first.value) == (2, "udi", wrong)
    assert "is not a usable UDI label: GTIN" in first.message and "wrong check digit" in first.message
    assert (second.line, second.column, second.value) == (3, "udi", "junk")
    assert result.rows == []


def test_columns_that_disagree_with_the_label_are_named_with_their_values(kit):
    header = "ship_date,order_number,facility_name,sku,udi_di,lot_number,expiry_date,serial_number,quantity,udi"
    label = f"(01){kit.gtin}(17)270630(10)L-77(21)SN-9"
    result = parse_distribution_csv(csv_bytes(
        header, f"2026-03-02|SO-1|Hospital A|KIT-1|{gtin14(2)}|L-78|2027-07-01|SN-8|2|{label}"))
    assert [str(e) for e in result.errors] == [
        f"Line 2, udi_di '{gtin14(2)}': differs from the udi column, whose label gives UDI-DI {kit.gtin}",
        "Line 2, lot_number 'L-78': differs from the udi column, whose label gives lot L-77",
        "Line 2, serial_number 'SN-8': differs from the udi column, whose label gives serial number SN-9",
        "Line 2, expiry_date '2027-07-01': differs from the udi column, whose label gives expiry 2027-06-30",
    ]
    agreeing = parse_distribution_csv(csv_bytes(
        header, f"2026-03-02|SO-1|Hospital A|KIT-1|{kit.gtin[1:]}|l-77|6/30/2027|SN-9|2|{label}"))
    assert agreeing.errors == [] and agreeing.rows[0].lot_number == "l-77"


def test_a_label_whose_gtin_is_no_products_leaves_the_sku_to_fill():
    data = csv_bytes("ship_date,order_number,facility_name,quantity,udi", f"2026-03-02|SO-1|Hospital A|2|(01){gtin14(5)}")
    preview = preview_csv_file(name="x.csv", data=data)
    [problem] = preview.problems
    assert (problem.line, problem.column) == (2, "sku")
    assert problem.message == (f"is required: the UDI-DI {gtin14(5)} is no product's GTIN (add the GTIN to the product "
                               "catalogue, or fill the sku column)")


def test_without_a_udi_label_the_sku_is_still_required():
    with pytest.raises(CsvImportError, match="The required column 'sku' is missing."):
        parse_distribution_csv(csv_bytes("ship_date,order_number,facility_name,udi_di,quantity",
                                         f"2026-03-02|SO-1|Hospital A|{gtin14(1)}|2"))
    result = parse_distribution_csv(csv_bytes("ship_date,order_number,facility_name,sku,quantity,udi",
                                              "2026-03-02|SO-1|Hospital A||2|"))
    assert [(e.line, e.column, e.message) for e in result.errors] == [(2, "sku", "is required")]


def test_expiry_and_serial_columns_are_read_and_a_bad_expiry_is_named():
    result = parse_distribution_csv(csv_bytes("ship_date,order_number,facility_name,sku,quantity,expiry_date,serial_number",
                                              "2026-03-02|SO-1|Hospital A|KIT-1|2|March 31, 2027|0042",
                                              "2026-03-02|SO-2|Hospital A|KIT-1|2|31/03/2027|x"))
    assert (result.rows[0].expiry_date, result.rows[0].serial_number) == (datetime.date(2027, 3, 31), "0042")
    assert [(e.line, e.column, e.value) for e in result.errors] == [(3, "expiry_date", "31/03/2027")]


def test_a_line_whose_label_expired_before_it_shipped_is_a_problem():
    data = csv_bytes("ship_date,order_number,facility_name,sku,quantity,expiry_date",
                     "2026-03-02|SO-1|Hospital A|KIT-1|2|2026-03-01")
    [problem] = preview_csv_file(name="x.csv", data=data).problems
    assert (problem.column, problem.value) == ("expiry_date", "2026-03-01")
    assert "is before the ship date 2026-03-02" in problem.message


# The preview's judgement ---------------------------------------------------------------------------


def test_an_unknown_sku_is_a_warning_in_the_preview_and_the_import_goes_ahead(ops_client, ops_user):
    data = csv_bytes("ship_date,order_number,facility_name,sku,lot_number,quantity",
                     "2026-03-02|SO-1|Hospital A|KTI-1|L1|2", "2026-03-03|SO-2|Hospital A|KTI-1|L1|1")
    preview = preview_csv_file(name="x.csv", data=data)
    assert preview.problems == [] and preview.can_import
    assert preview.plan.warnings == [("SKU “KTI-1” is not in the product catalogue.", [2, 3])]
    response = ops_client.post(reverse("distribution:import_csv"),
                               {"file": SimpleUploadedFile("x.csv", data, "text/csv")})
    html = response.content.decode()
    assert "Check these — they do not stop the import" in html
    assert "SKU “KTI-1” is not in the product catalogue. (lines 2, 3)" in html
    assert import_csv_file(actor=ops_user, name="x.csv", data=data, reason="March").created == 2


def test_with_the_setting_an_unknown_sku_refuses_the_import(settings):
    settings.PRODUCTS_UNKNOWN_SKU = "error"
    data = csv_bytes("ship_date,order_number,facility_name,sku,quantity", "2026-03-02|SO-1|Hospital A|KTI-1|2")
    assert [str(p) for p in preview_csv_file(name="x.csv", data=data).problems] == [
        "Line 2, sku 'KTI-1': SKU “KTI-1” is not in the product catalogue."]


def test_a_udi_di_that_is_another_products_gtin_is_a_problem_of_the_line(kit):
    other = ProductFactory(sku="TRAY-2", gtin=gtin14(2))
    data = csv_bytes("ship_date,order_number,facility_name,sku,udi_di,quantity",
                     f"2026-03-02|SO-1|Hospital A|KIT-1|{other.gtin}|2", f"2026-03-02|SO-2|Hospital A|KIT-1|{kit.gtin}|2")
    [problem] = preview_csv_file(name="x.csv", data=data).problems
    assert (problem.line, problem.column, problem.value) == (2, "udi_di", other.gtin)
    assert problem.message.startswith(f"UDI-DI {other.gtin} does not match SKU KIT-1")


def test_a_new_lot_number_outside_the_character_set_is_a_problem_but_a_recorded_one_is_not(kit):
    LotFactory(product=kit, lot_number="OLD LOT 1")
    data = csv_bytes("ship_date,order_number,facility_name,sku,lot_number,quantity",
                     "2026-03-02|SO-1|Hospital A|KIT-1|NEW LOT 2|2", "2026-03-02|SO-2|Hospital A|KIT-1|old lot 1|2")
    [problem] = preview_csv_file(name="x.csv", data=data).problems
    assert (problem.line, problem.column, problem.value) == (2, "lot_number", "NEW LOT 2")
    assert problem.message.startswith("Lot number “NEW LOT 2” contains a space")


def test_the_catalogue_check_costs_the_same_queries_for_ten_lines_or_five_hundred(kit):
    LotFactory(product=kit, lot_number="L-1")

    def planned(count: int) -> int:
        lines = lines_of(csv_bytes("ship_date,order_number,facility_name,sku,lot_number,quantity",
                                   *(f"2026-03-{1 + n % 28:02d}|SO-{n}|Hospital {n % 7}|{'KIT-1' if n % 2 else f'X-{n}'}"
                                     f"|L-{n % 3}|1" for n in range(count))))
        with CaptureQueriesContext(connection) as captured:
            plan_import(lines)
        return len(captured)

    assert planned(10) == planned(500)


# Exports ---------------------------------------------------------------------------------------------


def _rows(response) -> list[dict]:
    return list(csv_module.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_log_export_carries_expiry_and_serial_and_imports_back_unchanged(admin_client, admin_user, kit):
    services.create_entry(actor=admin_user, data=entry_data(sku="KIT-1", udi_di=kit.gtin, lot_number="L-1",
                                                            expiry_date=datetime.date(2027, 6, 30),
                                                            serial_number="=SN-1"))
    DistributionLogEntryFactory(sku="KIT-1", lot_number="historic lot #3", order_number="SO-OLD")  # before the rules
    response = admin_client.get(reverse("distribution:export"))
    raw = b"".join(response.streaming_content)
    rows = list(csv_module.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    row = next(r for r in rows if r["order_number"] == "SO-1001")
    assert (row["udi_di"], row["expiry_date"], row["serial_number"]) == (kit.gtin, "2027-06-30", "'=SN-1")
    assert next(r for r in rows if r["order_number"] == "SO-OLD")["expiry_date"] == ""
    preview = preview_csv_file(name="export.csv", data=raw)
    assert preview.problems == [] and preview.nothing_new  # the historic lot is a duplicate, not a new lot


def test_the_lot_trace_export_carries_udi_di_expiry_and_serial(admin_client, admin_user, kit):
    services.create_entry(actor=admin_user, data=entry_data(sku="KIT-1", udi_di=kit.gtin, lot_number="L-1",
                                                            expiry_date=datetime.date(2027, 6, 30), serial_number="SN-1"))
    [row] = _rows(admin_client.get(reverse("distribution:lot_trace_export", args=["L-1"])))
    assert (row["udi_di"], row["expiry_date"], row["serial_number"]) == (kit.gtin, "2027-06-30", "SN-1")
