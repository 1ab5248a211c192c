"""The entry form and the catalogue: "Scan label" filled by the server (the form without JavaScript), the
UDI-DI that must agree with the product's GTIN, a SKU not in the catalogue asked about before saving
("Save anyway"), and lot numbers checked as they are typed."""

from __future__ import annotations

import re
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from distribution import services
from distribution.catalogue import CatalogueWarnings
from distribution.models import DistributionLogEntry
from products.models import Lot
from silqeqms.audit import history_for
from tests.factories import (
    CustomerFactory,
    DistributionLogEntryFactory,
    LotFactory,
    ProductFactory,
    entry_data,
)
from tests.products.gtins import gtin14, with_wrong_check_digit

pytestmark = pytest.mark.django_db

GS = "\x1d"
NEW = reverse("distribution:entry_create")


@pytest.fixture
def kit():
    return ProductFactory(sku="KIT-1", gtin=gtin14(1), description="Catheter kit")


def form(**overrides) -> dict:
    values = entry_data(**{"sku": "KIT-1", "lot_number": "L-1", **overrides})
    return {k: ("" if v is None else v) for k, v in values.items()}


def shown(response, name: str) -> str:
    """The value the re-shown form carries in its input `name`."""
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', response.content.decode())
    value = re.search(r'value="([^"]*)"', match.group(0)) if match else None
    return value.group(1) if value else ""


# Scan label, filled by the server -------------------------------------------------------------------


@pytest.mark.parametrize("code", [
    "]d2010{gtin}17280200" "10A1B2C3" + GS + "21SN-0001",  # raw, as a scanner types it (day 00)
    "]C1010{gtin}10A1B2C3" + GS + "17280200" "21SN-0001",  # GS1-128, fields in another order
    "(01)0{gtin}(17)280200(10)A1B2C3(21)SN-0001",  # the human-readable text under the barcode
    "https://id.gs1.org/01/0{gtin}/10/A1B2C3/21/SN-0001?17=280200",  # a GS1 Digital Link
])
def test_a_scanned_label_fills_the_form_and_saves_nothing(ops_client, kit, code):
    code = code.replace("0{gtin}", kit.gtin)
    response = ops_client.post(NEW, {**form(sku="", lot_number="", udi_di=""), "scan": code, "quantity": "4"})
    assert response.status_code == 200
    assert (shown(response, "udi_di"), shown(response, "sku"), shown(response, "lot_number"),
            shown(response, "expiry_date"), shown(response, "serial_number")) == (
        kit.gtin, "KIT-1", "A1B2C3", "2028-02-29", "SN-0001")  # day 00: the last day of the month
    assert shown(response, "quantity") == "4" and shown(response, "scan") == ""  # the rest is kept
    assert "Filled from the label: UDI-DI" in response.content.decode()
    assert not DistributionLogEntry.objects.exists()
    saved = ops_client.post(NEW, form(udi_di=kit.gtin, lot_number="A1B2C3", expiry_date="2028-02-29",
                                      serial_number="SN-0001"))
    assert saved.status_code == 302
    entry = DistributionLogEntry.objects.get()
    assert (entry.udi_di, entry.expiry_date.isoformat(), entry.serial_number) == (kit.gtin, "2028-02-29", "SN-0001")


@pytest.mark.parametrize(("code", "message"), [
    ("(01)" + with_wrong_check_digit("0081234567001") + "(10)A1", "has a wrong check digit"),
    ("(01)" + gtin14(999) + "(10)A1", f"No product has GTIN {gtin14(999)}"),
    ("hello scanner", "is not a GS1 label"),
])
def test_a_label_that_cannot_be_used_says_why_and_fills_nothing(ops_client, kit, code, message):
    response = ops_client.post(NEW, {**form(sku="TYPED", lot_number="L-TYPED"), "scan": code})
    html = response.content.decode()
    assert response.status_code == 200 and message in html
    assert (shown(response, "sku"), shown(response, "lot_number"), shown(response, "udi_di")) == ("TYPED", "L-TYPED",
                                                                                                   "")
    assert not DistributionLogEntry.objects.exists()


def test_the_edit_form_fills_from_a_scan_too_and_keeps_the_reason(ops_client, ops_user, kit):
    entry = services.create_entry(actor=ops_user, data=entry_data(sku="KIT-1", lot_number="L-1"))
    url = reverse("distribution:entry_edit", args=[entry.pk])
    response = ops_client.post(url, {**form(), "version": 1, "reason": "relabelled",
                                     "scan": f"(01){kit.gtin}(10)L-2"})
    assert (shown(response, "lot_number"), shown(response, "version")) == ("L-2", "1")
    assert "relabelled" in response.content.decode()
    entry.refresh_from_db()
    assert entry.lot_number == "L-1" and entry.version == 1


def test_a_scan_fills_the_form_well_under_100_ms_of_server_time(ops_client, kit):
    LotFactory(product=kit, lot_number="A1")
    data = {**form(), "scan": f"]d201{kit.gtin}17280200" f"10A1{GS}21SN-1"}
    ops_client.post(NEW, data)  # warm: templates compiled, session read
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        assert ops_client.post(NEW, data).status_code == 200
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.1


# The UDI-DI and the product's GTIN ---------------------------------------------------------------------


def test_the_udi_di_must_agree_with_the_products_gtin(ops_client, kit):
    other = ProductFactory(sku="TRAY-2", gtin=gtin14(2))
    response = ops_client.post(NEW, form(udi_di=other.gtin))
    assert (f"UDI-DI {other.gtin} does not match SKU KIT-1, whose GTIN is {kit.gtin} (it is the GTIN of TRAY-2)."
            in response.content.decode())
    assert not DistributionLogEntry.objects.exists()
    assert ops_client.post(NEW, form(udi_di=kit.gtin[1:])).status_code == 302  # its GTIN-13 form
    assert DistributionLogEntry.objects.get().udi_di == kit.gtin  # kept as the 14-digit GTIN


def test_a_udi_di_with_a_wrong_check_digit_is_refused_on_its_field(ops_client, kit):
    wrong = with_wrong_check_digit(kit.gtin[:-1])
    response = ops_client.post(NEW, form(udi_di=wrong))
    assert response.context["form"].errors["udi_di"] == [
        f"GTIN {wrong} has a wrong check digit: the last digit should be {kit.gtin[-1]}, not {wrong[-1]}. "
        "Check the number on the label."]


def test_an_edit_keeps_a_historic_udi_di_it_does_not_change(ops_client, ops_user):
    ProductFactory(sku="211810SPT", gtin="")
    entry = DistributionLogEntryFactory(sku="211810SPT", udi_di="0123", lot_number="LOT-7")
    url = reverse("distribution:entry_edit", args=[entry.pk])
    data = {**form(sku="211810SPT", lot_number="LOT-7", udi_di="0123", facility_name=entry.facility_name,
                   ship_date=entry.ship_date.isoformat()), "version": entry.version, "reason": "qty recount"}
    data["customer"] = entry.customer_id
    assert ops_client.post(url, {**data, "quantity": 99}).status_code == 302
    entry.refresh_from_db()
    assert (entry.quantity, entry.udi_di) == (99, "0123")


# A SKU not in the catalogue ----------------------------------------------------------------------------


def test_an_unknown_sku_is_asked_about_and_saved_once_the_person_says_save_anyway(ops_client, ops_user):
    response = ops_client.post(NEW, form(sku="KTI-1"))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="catalogue-warnings"' in html
    assert "SKU “KTI-1” is not in the product catalogue." in html
    assert not DistributionLogEntry.objects.exists()
    key = response.context["form"].warnings_key
    assert f'name="warnings_seen" value="{key}"' in html
    # A changed SKU is a new question: the confirmation given for KTI-1 does not cover it.
    again = ops_client.post(NEW, {**form(sku="KTI-2"), "warnings_seen": key})
    assert "SKU “KTI-2” is not in the product catalogue." in again.content.decode()
    assert not DistributionLogEntry.objects.exists()
    saved = ops_client.post(NEW, {**form(sku="KTI-1"), "warnings_seen": key})
    entry = DistributionLogEntry.objects.get()
    assert saved.status_code == 302 and entry.sku == "KTI-1"
    event = history_for(entry).get()
    assert event.data == {"catalogue_warnings": ["SKU “KTI-1” is not in the product catalogue."]}


def test_a_known_sku_saves_at_once(ops_client, kit):
    assert ops_client.post(NEW, form()).status_code == 302


def test_with_the_setting_an_unknown_sku_is_refused_outright(ops_client, ops_user, settings):
    settings.PRODUCTS_UNKNOWN_SKU = "error"
    response = ops_client.post(NEW, {**form(sku="KTI-1"), "warnings_seen": "anything"})
    assert response.context["form"].errors["sku"] == ["SKU “KTI-1” is not in the product catalogue."]
    assert 'id="catalogue-warnings"' not in response.content.decode()
    with pytest.raises(ValidationError):
        services.create_entry(actor=ops_user, data=entry_data(sku="KTI-1"))
    assert not DistributionLogEntry.objects.exists()


def test_machines_save_an_unknown_sku_and_the_warning_is_recorded(ops_user):
    entry = services.create_entry(actor=ops_user, data=entry_data(sku="NEW-SKU"))
    assert history_for(entry).get().data == {"catalogue_warnings": ["SKU “NEW-SKU” is not in the product catalogue."]}
    with pytest.raises(CatalogueWarnings):
        services.create_entry(actor=ops_user, data=entry_data(sku="NEW-SKU", order_number="SO-2"), warnings_seen="")


# Lot numbers typed ---------------------------------------------------------------------------------


def test_a_new_lot_number_must_keep_the_character_set(ops_client, kit):
    response = ops_client.post(NEW, form(lot_number="LOT 7"))
    assert response.context["form"].errors["lot_number"] == [
        "Lot number “LOT 7” contains a space; use only letters A–Z a–z, digits 0–9 and - . _ / "
        "(the rule for a lot not yet in the product catalogue)."]
    assert not DistributionLogEntry.objects.exists() and not Lot.objects.exists()


def test_a_lot_already_in_the_catalogue_may_be_typed_as_recorded(ops_client, kit):
    LotFactory(product=kit, lot_number="LOT 7")
    assert ops_client.post(NEW, form(lot_number="lot 7")).status_code == 302
    assert Lot.objects.count() == 1


def test_an_edit_that_keeps_a_historic_lot_is_accepted(ops_client, ops_user):
    entry = services.create_entry(actor=ops_user, data=entry_data(sku="KIT-9", lot_number="old lot #1"))
    url = reverse("distribution:entry_edit", args=[entry.pk])
    data = {**form(sku="KIT-9", lot_number="old lot #1", quantity=9), "version": 1, "reason": "recount",
            "customer": entry.customer_id}
    assert ops_client.post(url, data).status_code == 302
    entry.refresh_from_db()
    assert entry.quantity == 9
    refused = ops_client.post(url, {**data, "lot_number": "new lot #2", "version": 2})
    assert "contains a space" in refused.context["form"].errors["lot_number"][0]


def test_the_confirm_form_checks_a_new_lot_number(client, ops_user, kit):
    waiting = services.create_entry(actor=ops_user, data=entry_data(sku="KIT-1", lot_number=""))
    client.force_login(ops_user)
    response = client.post(reverse("distribution:entry_confirm", args=[waiting.pk]),
                           {"lot_number": "L#1", "version": 1}, follow=True)
    assert "Lot number “L#1” contains “#”" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.lot_number == ""


def test_an_unknown_sku_and_a_name_close_to_a_customer_are_each_asked_once(ops_client):
    CustomerFactory(facility_name="St. Mary's Hospital")
    data = form(sku="KTI-1", facility_name="Saint Marys Hospital")
    asked = ops_client.post(NEW, data)
    key = asked.context["form"].warnings_key
    did_you_mean = ops_client.post(NEW, {**data, "warnings_seen": key})
    html = did_you_mean.content.decode()
    assert 'id="did-you-mean"' in html and f'name="warnings_seen" value="{key}"' in html  # the first answer kept
    saved = ops_client.post(NEW, {**data, "warnings_seen": key, "customer_choice": "new",
                                  "choice_for": "Saint Marys Hospital"})
    assert saved.status_code == 302
    assert DistributionLogEntry.objects.get().customer.facility_name == "Saint Marys Hospital"
