"""What an import asks a person before it writes (distribution.imports.decisions): facilities close to
existing customers (finding 2), blank customer fields it could fill (finding 5), lines that look like
corrections of entries in the log (finding 4); names in every script (finding 1). Through the pages,
the use cases and the commands; the summaries stay exact after every import."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from customers.models import Customer
from distribution import services
from distribution.imports.decisions import NEW_CUSTOMER, ImportDecisions
from distribution.imports.use_cases import import_csv_file, preview_csv_file
from distribution.models import DistributionLogEntry
from distribution.summaries import verify_summaries
from silqeqms.audit import history_for
from silqeqms.models import AuditEvent
from tests.distribution.pdf_samples import make_order_pdf_reportlab, sample_order
from tests.factories import CustomerFactory, UserFactory, entry_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]

HEADER = "ship_date,order_number,facility_name,city,state,country,sku,lot_number,quantity\n"
ST_MARYS = "St. Mary's Hospital"


@pytest.fixture(autouse=True)
def summaries_stay_exact(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    assert verify_summaries() == []


def csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def upload(client, data: bytes, name: str = "shipments.csv"):
    return client.post(reverse("distribution:import_csv"), {"file": SimpleUploadedFile(name, data, "text/csv")})


def confirm(client, preview, **answers):
    token = preview.context["confirm_form"].initial["token"]
    return client.post(reverse("distribution:import_csv"), {"token": token, "reason": "March ERP export", **answers})


@pytest.fixture
def st_marys():
    return CustomerFactory(facility_name=ST_MARYS, city="Austin", state="TX", country="US")


@pytest.fixture
def clerk():
    return UserFactory(username="clerk")


# Finding 1: names in every script --------------------------------------------------------------------


def test_names_in_other_scripts_preview_as_the_different_customers_they_are():
    preview = preview_csv_file(name="a.csv", data=csv("2026-03-02,SO-1,Больница №2,Moscow,,RU,211810SPT,L1,1",
                                                      "2026-03-02,SO-2,Аптека №2,Moscow,,RU,211810SPT,L1,1",
                                                      "2026-03-02,SO-3,東京病院,Tokyo,,JP,211810SPT,L1,1"))
    assert preview.problems == []
    assert set(preview.plan.new_customers) == {"BOLUBQINITSANO2", "APTEKANO2", "DONGJINGBINGYUAN"}


# Finding 2: a close customer is a person's choice ------------------------------------------------------


def test_the_preview_shows_each_new_facilitys_closest_customers_to_choose_from(ops_client, st_marys):
    response = upload(ops_client, csv("2026-03-02,SO-1,Saint Marys Hospital,Austin,TX,US,211810SPT,L1,2",
                                      "2026-03-03,SO-2,Saint Marys Hospital,Austin,TX,US,211810SPT,L1,1",
                                      "2026-03-03,SO-3,Lakeside Clinic,Omaha,NE,US,211810SPT,L1,1"))
    plan = response.context["plan"]
    (close,) = plan.close_customers
    assert (close.facility_name, close.lines, [m.customer for m in close.similar]) == (
        "Saint Marys Hospital", [2, 3], [st_marys])
    html = response.content.decode()
    assert "New facilities close to existing customers" in html
    assert f'name="customer_SAINTMARYSHOSPITAL" value="{st_marys.pk}"' in html
    assert 'name="customer_SAINTMARYSHOSPITAL" value="new"' in html
    assert not DistributionLogEntry.objects.exists()


def test_confirming_without_choosing_imports_nothing_and_says_what_to_choose(ops_client, st_marys):
    preview = upload(ops_client, csv("2026-03-02,SO-1,Saint Marys Hospital,Austin,TX,US,211810SPT,L1,2"))
    response = confirm(ops_client, preview)
    assert response.status_code == 200
    assert "Choose for “Saint Marys Hospital”" in response.content.decode()
    assert not DistributionLogEntry.objects.exists()
    assert list(Customer.objects.all()) == [st_marys]


def test_linking_to_the_existing_customer_is_imported_and_audited_with_the_import(ops_client, st_marys):
    preview = upload(ops_client, csv("2026-03-02,SO-1,Saint Marys Hospital,Austin,TX,US,211810SPT,L1,2"))
    response = confirm(ops_client, preview, customer_SAINTMARYSHOSPITAL=st_marys.pk)
    assert response.status_code == 302
    entry = DistributionLogEntry.objects.get()
    assert (entry.customer, entry.facility_name) == (st_marys, "Saint Marys Hospital")
    assert list(Customer.objects.all()) == [st_marys]
    batch = AuditEvent.objects.get(action="distribution.imported")
    assert batch.data["decisions"]["customers_linked"] == {"Saint Marys Hospital": st_marys.pk}
    assert batch.reason == "March ERP export"


def test_creating_a_new_customer_despite_a_close_one_is_audited_too(ops_client, st_marys):
    preview = upload(ops_client, csv("2026-03-02,SO-1,Saint Marys Hospital,Austin,TX,US,211810SPT,L1,2"))
    confirm(ops_client, preview, customer_SAINTMARYSHOSPITAL=NEW_CUSTOMER)
    assert Customer.objects.count() == 2
    batch = AuditEvent.objects.get(action="distribution.imported")
    assert batch.data["decisions"]["customers_created_though_close"] == ["Saint Marys Hospital"]


def test_a_choice_that_is_no_longer_offered_is_refused_on_the_page(ops_client, st_marys):
    other = CustomerFactory(facility_name="Mercy Clinic")
    preview = upload(ops_client, csv("2026-03-02,SO-1,Saint Marys Hospital,Austin,TX,US,211810SPT,L1,2"))
    response = confirm(ops_client, preview, customer_SAINTMARYSHOSPITAL=other.pk)
    assert "no longer among those close to it" in response.content.decode()
    assert not DistributionLogEntry.objects.exists()


def test_the_import_checks_the_choices_again_against_the_log_as_it_is_then(clerk, st_marys):
    data = csv("2026-03-02,SO-1,Saint Marys Hospital,Austin,TX,US,211810SPT,L1,2")
    with pytest.raises(ValidationError, match="close to an existing customer: choose one"):
        import_csv_file(actor=clerk, name="a.csv", data=data, reason="r")
    # Someone created the exact customer since the preview: the choice made for it no longer fits.
    CustomerFactory(facility_name="Saint Marys Hospital")
    with pytest.raises(ValidationError, match="no longer needs a choice"):
        import_csv_file(actor=clerk, name="a.csv", data=data, reason="r",
                        decisions=ImportDecisions(customers={"SAINTMARYSHOSPITAL": st_marys.pk}))
    assert not DistributionLogEntry.objects.exists()


# Finding 5: blank customer fields are filled only when the person confirms ---------------------------------


@pytest.fixture
def blank_country(clerk):
    return CustomerFactory(facility_name="Lakeside Clinic", city="Omaha", state="NE", country="")


def test_the_preview_lists_the_blank_fields_it_could_fill_and_leaves_them_unless_ticked(ops_client, blank_country):
    preview = upload(ops_client, csv("2026-03-02,SO-1,Lakeside Clinic,Omaha,NE,US,211810SPT,L1,2"))
    html = preview.content.decode()
    assert "Blank customer fields this file could fill" in html and "fill it with “US”" in html
    confirm(ops_client, preview)
    blank_country.refresh_from_db()
    assert blank_country.country == ""
    assert not AuditEvent.objects.filter(action="customer.updated").exists()


def test_a_ticked_fill_is_made_and_audited_with_the_imports_reason(ops_client, blank_country):
    preview = upload(ops_client, csv("2026-03-02,SO-1,Lakeside Clinic,Omaha,NE,US,211810SPT,L1,2"))
    confirm(ops_client, preview, fill_LAKESIDECLINIC_country="on")
    blank_country.refresh_from_db()
    assert blank_country.country == "US"
    (event,) = AuditEvent.objects.filter(action="customer.updated")
    assert (event.changes, event.reason) == ({"country": ["", "US"]}, "March ERP export")


def test_a_fill_is_never_an_overwrite_even_when_the_field_was_filled_since_the_preview(clerk, blank_country):
    data = csv("2026-03-02,SO-1,Lakeside Clinic,Omaha,NE,US,211810SPT,L1,2")
    blank_country.country = "CA"
    blank_country.save()
    with pytest.raises(ValidationError, match="no longer has a blank country"):
        import_csv_file(actor=clerk, name="a.csv", data=data, reason="r",
                        decisions=ImportDecisions(fills=frozenset({("LAKESIDECLINIC", "country")})))
    blank_country.refresh_from_db()
    assert blank_country.country == "CA"


# Finding 4: a changed quantity is a possible correction, not a second line --------------------------------


@pytest.fixture
def shipped(clerk):
    return services.create_entry(actor=clerk, data=entry_data(facility_name="Hospital A", order_number="SO-1",
                                                              sku="211810SPT", lot_number="L1", quantity=5))


def test_a_reimported_row_with_another_quantity_previews_as_a_possible_correction(ops_client, shipped):
    response = upload(ops_client, csv("2026-03-02,SO-1,Hospital A,Austin,TX,US,211810SPT,L1,6"))
    (line,) = response.context["plan"].lines
    assert (line.status, line.correction_of, line.correction) == ("correction", shipped.pk, "qty 5 → 6")
    assert f"possible correction of #{shipped.pk} (qty 5 → 6)" in response.content.decode()


def test_a_possible_correction_is_skipped_by_default(ops_client, shipped):
    preview = upload(ops_client, csv("2026-03-02,SO-1,Hospital A,Austin,TX,US,211810SPT,L1,6"))
    confirm(ops_client, preview)
    assert list(DistributionLogEntry.objects.values_list("quantity", flat=True)) == [5]
    batch = AuditEvent.objects.get(action="distribution.imported")
    assert batch.data["decisions"]["corrections_skipped"] == [2]


def test_a_ticked_possible_correction_is_imported_as_an_additional_line(ops_client, shipped):
    preview = upload(ops_client, csv("2026-03-02,SO-1,Hospital A,Austin,TX,US,211810SPT,L1,6",
                                     "2026-03-09,SO-1,Hospital A,Austin,TX,US,211810SPT,L1,5"))
    plan = preview.context["plan"]
    assert [line.correction for line in plan.corrections] == ["qty 5 → 6", "ship date 2026-03-02 → 2026-03-09"]
    confirm(ops_client, preview, correction_2="on")
    assert sorted(DistributionLogEntry.objects.values_list("quantity", flat=True)) == [5, 6]
    batch = AuditEvent.objects.get(action="distribution.imported")
    assert (batch.data["decisions"]["corrections_imported"], batch.data["decisions"]["corrections_skipped"]) == (
        [2], [3])


def test_the_exact_row_again_is_still_a_duplicate_not_a_correction(clerk, shipped):
    plan = preview_csv_file(name="a.csv", data=csv("2026-03-02,SO-1,Hospital A,Austin,TX,US,211810SPT,L1,5")).plan
    (line,) = plan.lines
    assert (line.status, line.duplicate_of) == ("duplicate", shipped.pk)


# PDF: the same questions ----------------------------------------------------------------------------------


def test_the_pdf_preview_asks_per_new_facility_and_the_choice_is_imported(ops_client):
    mercy = CustomerFactory(facility_name="Mercy General Hospital", city="Sacramento", state="CA")
    pdf = make_order_pdf_reportlab(sample_order(facility_name="Mercy Genral Hospital"), ruled=True)
    url = reverse("distribution:import_pdf")
    preview = ops_client.post(url, {"files": [SimpleUploadedFile("order.pdf", pdf, "application/pdf")]})
    (close,) = preview.context["import_plan"].close_customers
    assert [m.customer for m in close.similar] == [mercy]
    tokens = preview.context["confirm_form"].initial["tokens"]
    refused = ops_client.post(url, {"tokens": tokens, "reason": "orders"})
    assert "Choose for “Mercy Genral Hospital”" in refused.content.decode()
    ops_client.post(url, {"tokens": tokens, "reason": "orders", f"customer_{close.key}": mercy.pk})
    assert set(DistributionLogEntry.objects.values_list("customer", flat=True)) == {mercy.pk}
    assert Customer.objects.count() == 1


# The commands ------------------------------------------------------------------------------------------------


def test_the_command_lists_the_questions_and_answers_them_only_with_its_flags(tmp_path: Path, capsys, st_marys,
                                                                             blank_country, shipped):
    file = tmp_path / "march.csv"
    file.write_bytes(csv("2026-03-02,SO-9,Saint Marys Hospital,Austin,TX,US,211810SPT,L1,2",
                         "2026-03-02,SO-8,Lakeside Clinic,Omaha,NE,US,211810SPT,L1,2",
                         "2026-03-02,SO-1,Hospital A,Austin,TX,US,211810SPT,L1,6"))
    call_command("import_distribution", str(file), dry_run=True)
    out = capsys.readouterr().out
    assert f"“Saint Marys Hospital” (line 2) is close to #{st_marys.pk}" in out
    assert "country would be filled with “US” (line 3)" in out
    assert f"possible correction: line 4 of #{shipped.pk} (qty 5 → 6)" in out
    with pytest.raises(CommandError, match="--create-close-customers"):
        call_command("import_distribution", str(file), reason="March")
    call_command("import_distribution", str(file), reason="March", create_close_customers=True,
                 fill_blank_fields=True, import_corrections=True)
    assert DistributionLogEntry.objects.count() == 4
    blank_country.refresh_from_db()
    assert blank_country.country == "US"
    assert history_for(blank_country).get(action="customer.updated").reason == "March"
