"""Finding 9: writers that need the same new customer (or rep assignment) at the same time both succeed
and link to one record — imports (which hold ENTRY_WRITERS_LOCK) and the paths that do not (the entry
form, ShipStation, find_or_create_customer itself)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from customers import services as customer_services
from customers.models import Customer, RepAssignment
from customers.services import create_customer, ensure_rep_assignments, find_or_create_customers
from distribution.imports.use_cases import import_csv_file
from distribution.models import DistributionLogEntry
from distribution.services import create_entry
from distribution.summaries import verify_summaries
from silqeqms.audit import verify_chain
from silqeqms.models import AuditEvent
from tests.concurrency import run_at_once
from tests.factories import CustomerFactory, UserFactory, entry_data

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent connections")
HEADER = "ship_date,order_number,facility_name,city,state,sku,lot_number,quantity\n"


def both_read_before_either_writes(monkeypatch, parties=2):
    """Make every writer read the customers it needs, then wait for the other: both see the customer
    missing, so both insert it — the race, every time instead of now and then."""
    barrier = threading.Barrier(parties, timeout=30)
    read = customer_services.customers_for_keys
    waited = threading.local()

    def read_then_wait(keys):
        found = read(keys)
        if not getattr(waited, "once", False):  # the first read only; the re-read after a conflict is fresh
            waited.once = True
            barrier.wait()
        return found

    monkeypatch.setattr(customer_services, "customers_for_keys", read_then_wait)


def assert_every_entry_links_to_one_new_customer(key: str, *, orders: set[str]) -> None:
    (customer,) = Customer.objects.all()
    assert customer.company_key == key
    assert set(DistributionLogEntry.objects.values_list("order_number", "customer")) == {
        (order, customer.pk) for order in orders}
    assert AuditEvent.objects.filter(action="customer.created").count() == 1
    assert verify_summaries() == []
    assert verify_chain().ok


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_web_import_and_the_import_command_at_once_create_one_customer(tmp_path: Path):
    clerk = UserFactory(username="clerk")
    web = (HEADER + "2026-03-02,SO-WEB,Harbor Clinic,Austin,TX,211810SPT,LOT1,2\n").encode()
    command_file = tmp_path / "command.csv"
    command_file.write_text(HEADER + "2026-03-03,SO-CMD,HARBOR CLINIC,Austin,TX,211810SPT,LOT2,3\n")
    errors = run_at_once(
        lambda: import_csv_file(actor=clerk, name="web.csv", data=web, reason="web import"),
        lambda: call_command("import_distribution", str(command_file), reason="nightly import", verbosity=0),
    )
    assert errors == []
    assert_every_entry_links_to_one_new_customer("HARBORCLINIC", orders={"SO-WEB", "SO-CMD"})


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_entry_form_and_an_import_needing_the_same_new_customer_at_once_link_to_one(monkeypatch):
    """create_entry takes no import lock: the insert's conflict handling is what keeps one customer."""
    clerk = UserFactory(username="clerk")
    both_read_before_either_writes(monkeypatch)
    csv = (HEADER + "2026-03-02,SO-IMP,Harbor Clinic,Austin,TX,211810SPT,LOT1,2\n").encode()
    errors = run_at_once(
        lambda: import_csv_file(actor=clerk, name="a.csv", data=csv, reason="import"),
        lambda: create_entry(actor=clerk, data=entry_data(facility_name="Harbor Clinic", order_number="SO-FORM")),
    )
    assert errors == []
    assert_every_entry_links_to_one_new_customer("HARBORCLINIC", orders={"SO-IMP", "SO-FORM"})


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_find_or_creates_of_the_same_new_customers_at_once_both_succeed(monkeypatch):
    both_read_before_either_writes(monkeypatch)
    records = [{"facility_name": "Harbor Clinic"}, {"facility_name": "Bay Hospital"}]
    results = []
    errors = run_at_once(
        lambda: results.append(find_or_create_customers(records=records, actor=None)),
        lambda: results.append(find_or_create_customers(records=list(reversed(records)), actor=None)),
    )
    assert errors == []
    assert Customer.objects.count() == 2
    (found_a, created_a), (found_b, created_b) = results
    assert {k: c.pk for k, c in found_a.items()} == {k: c.pk for k, c in found_b.items()}
    assert created_a | created_b == {"HARBORCLINIC", "BAYHOSPITAL"} and not created_a & created_b


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_writers_assigning_the_same_rep_at_once_leave_one_primary_assignment():
    customer, rep = CustomerFactory(), UserFactory(username="riley")
    errors = run_at_once(
        lambda: ensure_rep_assignments(pairs={(customer.pk, rep.pk)}, actor=None, reason="import a"),
        lambda: ensure_rep_assignments(pairs={(customer.pk, rep.pk)}, actor=None, reason="import b"),
    )
    assert errors == []
    (assignment,) = RepAssignment.objects.all()
    assert assignment.is_primary
    assert AuditEvent.objects.filter(action="rep_assignment.created").count() == 1


# The same conflict handling, on every database: a writer whose read is already stale -------------------


@pytest.mark.django_db
def test_a_customer_created_after_the_read_is_linked_not_duplicated(monkeypatch):
    existing = CustomerFactory(facility_name="Harbor Clinic")
    reads = iter([lambda keys: {}, customer_services.customers_for_keys])  # the first read predates it
    monkeypatch.setattr(customer_services, "customers_for_keys", lambda keys: next(reads)(keys))
    found, created = find_or_create_customers(records=[{"facility_name": "HARBOR CLINIC"}], actor=None)
    assert found == {"HARBORCLINIC": existing} and created == set()
    assert Customer.objects.count() == 1
    assert not AuditEvent.objects.filter(action="customer.created").exists()


@pytest.mark.django_db
def test_create_customer_racing_another_writer_is_a_validation_error_not_a_crash(monkeypatch):
    existing = CustomerFactory(facility_name="Harbor Clinic")
    answers = iter([None, existing])  # missing when checked, there when the insert conflicts
    monkeypatch.setattr(customer_services, "customer_for_key", lambda key: next(answers))
    with pytest.raises(ValidationError) as info:
        create_customer(actor=None, data={"facility_name": "Harbor Clinic"})
    (error,) = info.value.error_dict["facility_name"]
    assert (error.code, error.params["pk"]) == ("duplicate_customer", existing.pk)
    assert Customer.objects.count() == 1
