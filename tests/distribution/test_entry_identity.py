"""Which customer an entry belongs to, on every path that makes or edits one by hand: the entry form's
"Did you mean …?" (finding 2), edits that relink (finding 3), the form's defaults (finding 8), the
review queue for entries waiting for their customer. The summaries stay exact after every write."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from customers.models import Customer
from customers.selectors import customer_totals
from distribution import services
from distribution.models import DistributionLogEntry, Status
from distribution.summaries import rebuild_summaries, verify_summaries
from silqeqms.audit import history_for
from silqeqms.models import AuditEvent
from tests.factories import (
    CustomerFactory,
    DistributionLogEntryFactory,
    ProductFactory,
    RepAssignmentFactory,
    entry_data,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalogue(db):
    """The SKU the forms post is a product (a SKU not in the catalogue asks first: test_entry_catalogue.py)."""
    return ProductFactory(sku="211810SPT", gtin="")

ST_MARYS = "St. Mary's Hospital"


@pytest.fixture(autouse=True)
def summaries_stay_exact(db):
    yield
    assert verify_summaries() == []


@pytest.fixture
def st_marys():
    return CustomerFactory(facility_name=ST_MARYS, city="Austin", state="TX")


def form_data(**overrides) -> dict:
    return {k: ("" if v is None else v) for k, v in entry_data(**overrides).items()}


# Finding 1: names in every script -----------------------------------------------------------------------


def test_entries_for_two_cyrillic_facilities_with_the_same_number_go_to_two_customers(ops_user):
    clinic = services.create_entry(actor=ops_user, data=entry_data(facility_name="Поликлиника №1"))
    hospital = services.create_entry(actor=ops_user, data=entry_data(facility_name="Больница №1",
                                                                      order_number="SO-2"))
    assert clinic.customer != hospital.customer
    assert (clinic.customer.company_key, hospital.customer.company_key) == ("POLIKLINIKANO1", "BOLUBQINITSANO1")


def test_a_facility_named_only_in_chinese_is_accepted(ops_client):
    ops_client.post(reverse("distribution:entry_create"), form_data(facility_name="東京病院"))
    assert DistributionLogEntry.objects.get().customer.company_key == "DONGJINGBINGYUAN"


# The entry form's "Did you mean …?" -------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["Saint Marys Hospital", "St Marys Hospitl", "Hospital St. Mary's"])
def test_a_name_close_to_a_customer_asks_did_you_mean_and_saves_nothing(ops_client, st_marys, spelling):
    response = ops_client.post(reverse("distribution:entry_create"), form_data(facility_name=spelling))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Did you mean" in html and f'value="{st_marys.pk}"' in html and 'value="new"' in html
    assert [m.customer for m in response.context["form"].near_duplicates] == [st_marys]
    assert not DistributionLogEntry.objects.exists()
    assert list(Customer.objects.all()) == [st_marys]
    assert not AuditEvent.objects.filter(action__regex=r"^(customer|distribution)").exists()


def test_choosing_the_customer_links_the_entry_to_it(ops_client, st_marys):
    name = "Saint Marys Hospital"
    response = ops_client.post(reverse("distribution:entry_create"),
                               form_data(facility_name=name, customer_choice=st_marys.pk, choice_for=name))
    entry = DistributionLogEntry.objects.get()
    assert response["Location"] == entry.get_absolute_url()
    assert (entry.customer, entry.facility_name) == (st_marys, name)  # the consignee as shipped stays
    assert Customer.objects.count() == 1


def test_choosing_a_new_customer_creates_it(ops_client, st_marys):
    name = "Saint Marys Hospital"
    ops_client.post(reverse("distribution:entry_create"),
                    form_data(facility_name=name, customer_choice="new", choice_for=name))
    entry = DistributionLogEntry.objects.get()
    assert entry.customer.facility_name == name and entry.customer != st_marys
    assert AuditEvent.objects.filter(action="customer.created").count() == 1


def test_an_answer_given_for_another_name_is_not_taken_the_question_is_asked_again(ops_client, st_marys):
    response = ops_client.post(reverse("distribution:entry_create"), form_data(
        facility_name="Hospital St Marys", customer_choice="new", choice_for="Saint Marys Hospital"))
    assert "Did you mean" in response.content.decode()
    assert not DistributionLogEntry.objects.exists()


def test_an_exact_key_links_without_asking(ops_client, st_marys):
    ops_client.post(reverse("distribution:entry_create"), form_data(facility_name="ST MARYS HOSPITAL"))
    assert DistributionLogEntry.objects.get().customer == st_marys


# Edits relink --------------------------------------------------------------------------------------------


def test_editing_the_consignee_relinks_the_entry_and_its_totals_follow(ops_client, ops_user):
    """Finding 3: the hidden customer field still names the old customer; the new name decides."""
    entry = services.create_entry(actor=ops_user, data=entry_data(facility_name="Hospital A"))
    old_customer = entry.customer
    url = reverse("distribution:entry_edit", args=[entry.pk])
    form = {**form_data(facility_name="Lakeside Clinic"), "customer": old_customer.pk, "version": 1,
            "reason": "wrong consignee keyed"}
    response = ops_client.post(url, form)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.customer.facility_name == "Lakeside Clinic"
    assert customer_totals(old_customer)["orders"] == 0
    assert customer_totals(entry.customer)["orders"] == 1
    event = history_for(entry).get(action="distribution_entry.updated")
    assert event.changes["customer"] == ["Hospital A", "Lakeside Clinic"]
    assert event.reason == "wrong consignee keyed"


def test_editing_the_consignee_to_another_spelling_of_its_customer_keeps_the_link(ops_user):
    entry = services.create_entry(actor=ops_user, data=entry_data(facility_name="Hospital A"))
    updated = services.update_entry(actor=ops_user, entry=entry, data={"facility_name": "HOSPITAL-A"},
                                    reason="as on the slip", version=1)
    assert updated.customer == entry.customer
    assert "customer" not in history_for(entry).get(action="distribution_entry.updated").changes


def test_editing_the_consignee_to_an_existing_customers_name_links_to_it(ops_user, st_marys):
    entry = services.create_entry(actor=ops_user, data=entry_data(facility_name="Hospital A"))
    updated = services.update_entry(actor=ops_user, entry=entry, data={"facility_name": "St Marys Hospital"},
                                    reason="wrong consignee", version=1)
    assert updated.customer == st_marys


def test_editing_the_consignee_to_a_close_name_asks_did_you_mean_on_the_edit_page(ops_client, ops_user, st_marys):
    entry = services.create_entry(actor=ops_user, data=entry_data(facility_name="Hospital A"))
    url = reverse("distribution:entry_edit", args=[entry.pk])
    form = {**form_data(facility_name="Saint Marys Hospital"), "customer": entry.customer.pk, "version": 1,
            "reason": "wrong consignee"}
    assert "Did you mean" in ops_client.post(url, form).content.decode()
    entry.refresh_from_db()
    assert entry.facility_name == "Hospital A"
    ops_client.post(url, {**form, "customer_choice": st_marys.pk, "choice_for": "Saint Marys Hospital"})
    entry.refresh_from_db()
    assert (entry.customer, entry.facility_name) == (st_marys, "Saint Marys Hospital")


def test_choosing_another_customer_in_an_edit_links_it(ops_user, st_marys):
    entry = services.create_entry(actor=ops_user, data=entry_data(facility_name="Hospital A"))
    updated = services.update_entry(actor=ops_user, entry=entry, data={"customer": st_marys},
                                    reason="it went to St Mary's", version=1)
    assert updated.customer == st_marys


# Defaults of the new entry form (finding 8) -------------------------------------------------------------


def test_a_chosen_customer_brings_its_primary_rep_and_keeps_the_default_country(ops_client, rep_user):
    customer = CustomerFactory(facility_name="Lakeside Clinic", country="")
    RepAssignmentFactory(customer=customer, rep=rep_user, is_primary=True)
    form = ops_client.get(reverse("distribution:entry_create"), {"customer": customer.pk}).context["form"]
    assert form.initial["rep"] == rep_user.pk
    assert form.initial["country"] == "US"


# Entries waiting for their customer ------------------------------------------------------------------


@pytest.fixture
def waiting(admin_user, st_marys):
    return services.create_entry(actor=admin_user, data=entry_data(facility_name="Saint Marys Hospital"),
                                 on_near_duplicate=services.OnNearDuplicate.REVIEW)


def test_the_review_queue_asks_which_customer_an_entry_is(admin_client, waiting, st_marys):
    assert (waiting.customer, waiting.status) == (None, Status.NEEDS_REVIEW)
    html = admin_client.get(reverse("distribution:review_queue")).content.decode()
    assert "Which customer is “Saint Marys Hospital”?" in html
    assert f'name="customer_choice" value="{st_marys.pk}"' in html


def test_confirming_with_the_customer_chosen_links_and_activates_the_entry(admin_client, waiting, st_marys):
    response = admin_client.post(reverse("distribution:entry_confirm", args=[waiting.pk]),
                                 {"customer_choice": st_marys.pk, "version": waiting.version,
                                  "next": reverse("distribution:review_queue")})
    assert response["Location"] == reverse("distribution:review_queue")
    waiting.refresh_from_db()
    assert (waiting.customer, waiting.status) == (st_marys, Status.ACTIVE)
    event = history_for(waiting).get(action="distribution_entry.confirmed")
    assert event.changes == {"customer": [None, ST_MARYS], "status": ["needs_review", "active"]}


def test_confirming_without_a_choice_changes_nothing(admin_client, waiting):
    admin_client.post(reverse("distribution:entry_confirm", args=[waiting.pk]), {"version": waiting.version})
    waiting.refresh_from_db()
    assert (waiting.customer, waiting.status) == (None, Status.NEEDS_REVIEW)


def test_confirming_as_a_new_customer_creates_it(admin_client, waiting, st_marys):
    admin_client.post(reverse("distribution:entry_confirm", args=[waiting.pk]),
                      {"customer_choice": "new", "version": waiting.version})
    waiting.refresh_from_db()
    assert waiting.customer.facility_name == "Saint Marys Hospital" and waiting.status == Status.ACTIVE


def test_a_rep_cannot_link_a_waiting_entry_to_a_customer_they_cannot_see(client, rep_user, waiting, st_marys):
    rep_user.user_permissions.add(Permission.objects.get(codename="edit", content_type__app_label="distribution"))
    waiting.rep = rep_user
    waiting.save(update_fields=["rep"])
    client.force_login(rep_user)
    client.post(reverse("distribution:entry_confirm", args=[waiting.pk]),
                {"customer_choice": st_marys.pk, "version": waiting.version})
    waiting.refresh_from_db()
    assert waiting.customer is None


def test_the_entry_page_offers_the_close_customers_to_confirm_with(admin_client, waiting, st_marys):
    form = admin_client.get(waiting.get_absolute_url()).context["confirm_form"]
    assert [value for value, _ in form.fields["customer_choice"].choices] == [str(st_marys.pk), "new"]


def test_link_customers_leaves_close_names_waiting_for_a_person(st_marys):
    DistributionLogEntryFactory(customer=None, facility_name="Saint Marys Hospital", status=Status.ACTIVE)
    DistributionLogEntryFactory(customer=None, facility_name="Valley Hospital")
    rebuild_summaries()  # the factory writes raw rows
    counts = services.link_customers(actor=None)
    assert counts == {"linked": 1, "customers_created": 1, "skipped": 0, "waiting": 1}
    waiting = DistributionLogEntry.objects.get(facility_name="Saint Marys Hospital")
    assert (waiting.customer, waiting.status) == (None, Status.NEEDS_REVIEW)
    assert set(Customer.objects.values_list("facility_name", flat=True)) == {ST_MARYS, "Valley Hospital"}
