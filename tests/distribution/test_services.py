"""Distribution services: each write changes the record AND leaves its audit event."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from customers.models import Customer
from distribution import services
from distribution.imports.lines import ImportLine
from distribution.imports.planning import plan_import
from distribution.imports.writer import import_entries
from distribution.merge import merge_customers
from distribution.models import DistributionLogEntry, Status
from distribution.summaries import verify_summaries
from silqeqms.audit import history_for, verify_chain
from silqeqms.edits import StaleVersionError
from silqeqms.models import AuditEvent
from tests.factories import UserFactory, entry_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return UserFactory(username="oscar")


def test_create_links_the_customer_by_canonical_key_and_is_audited(actor):
    entry = services.create_entry(actor=actor, data=entry_data(facility_name="Hospital  A"))
    second = services.create_entry(
        actor=actor, data=entry_data(facility_name="HOSPITAL-A", order_number="SO-2")
    )
    assert entry.customer.company_key == "HOSPITALA"
    assert second.customer == entry.customer
    assert Customer.objects.count() == 1
    event = history_for(entry).get()
    assert event.action == "distribution_entry.created"
    assert event.actor == actor
    assert event.changes["lot_number"] == [None, "LOT2601"]
    assert event.changes["quantity"] == [None, 5]
    assert entry.status == Status.ACTIVE


def test_create_without_a_lot_lands_in_needs_review(actor):
    entry = services.create_entry(actor=actor, data=entry_data(lot_number=""))
    assert entry.status == Status.NEEDS_REVIEW


def test_create_refuses_a_zero_quantity_and_writes_nothing(actor):
    with pytest.raises(ValidationError) as excinfo:
        services.create_entry(actor=actor, data=entry_data(quantity=0))
    assert "quantity" in excinfo.value.message_dict
    assert DistributionLogEntry.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="distribution").exists()


def test_update_records_old_and_new_values_with_the_reason(actor):
    entry = services.create_entry(actor=actor, data=entry_data())
    editor = UserFactory(username="quinn")
    updated = services.update_entry(
        actor=editor,
        entry=entry,
        data={"quantity": 7, "lot_number": "LOT2602"},
        reason="packing slip shows 7",
        version=entry.version,
    )
    assert (updated.quantity, updated.lot_number, updated.version) == (7, "LOT2602", 2)
    event = history_for(entry).filter(action="distribution_entry.updated").get()
    assert event.actor == editor
    assert event.reason == "packing slip shows 7"
    assert event.changes == {"quantity": [5, 7], "lot_number": ["LOT2601", "LOT2602"]}


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_update_without_a_reason_is_refused_before_anything_is_written(actor, reason):
    entry = services.create_entry(actor=actor, data=entry_data())
    with pytest.raises(ValidationError):
        services.update_entry(actor=actor, entry=entry, data={"quantity": 9}, reason=reason, version=1)
    entry.refresh_from_db()
    assert entry.quantity == 5
    assert not AuditEvent.objects.filter(action="distribution_entry.updated").exists()


def test_a_stale_edit_is_refused_naming_who_changed_it_and_nothing_is_overwritten(actor):
    entry = services.create_entry(actor=actor, data=entry_data())
    first = UserFactory(username="first_editor")
    services.update_entry(actor=first, entry=entry, data={"quantity": 6}, reason="first", version=1)
    with pytest.raises(StaleVersionError, match="first_editor"):
        services.update_entry(actor=actor, entry=entry, data={"quantity": 99}, reason="second", version=1)
    entry.refresh_from_db()
    assert entry.quantity == 6


def test_void_keeps_the_row_marks_it_and_it_leaves_every_total(actor):
    from django.db.models import Sum

    entry = services.create_entry(actor=actor, data=entry_data(quantity=4))
    services.create_entry(actor=actor, data=entry_data(quantity=3, order_number="SO-2"))
    services.void_entry(actor=actor, entry=entry, reason="shipment returned unopened", version=entry.version)
    entry.refresh_from_db()
    assert entry.status == Status.VOIDED
    assert entry.void_reason == "shipment returned unopened"
    assert DistributionLogEntry.objects.count() == 2
    live_units = DistributionLogEntry.objects.exclude(status=Status.VOIDED).aggregate(u=Sum("quantity"))["u"]
    assert live_units == 3
    event = history_for(entry).filter(action="distribution_entry.voided").get()
    assert event.changes == {"status": ["active", "voided"]}
    assert verify_summaries() == []
    with pytest.raises(ValidationError):
        services.update_entry(
            actor=actor, entry=entry, data={"quantity": 1}, reason="x", version=entry.version
        )


def test_void_needs_a_reason(actor):
    entry = services.create_entry(actor=actor, data=entry_data())
    with pytest.raises(ValidationError):
        services.void_entry(actor=actor, entry=entry, reason=" ")
    entry.refresh_from_db()
    assert entry.status == Status.ACTIVE


def test_confirm_supplies_the_lot_and_activates_the_entry(actor):
    entry = services.create_entry(actor=actor, data=entry_data(lot_number=""))
    with pytest.raises(ValidationError):
        services.confirm_entry(actor=actor, entry=entry, lot_number="  ")
    confirmed = services.confirm_entry(actor=actor, entry=entry, lot_number="LOT9", version=entry.version)
    assert (confirmed.status, confirmed.lot_number) == (Status.ACTIVE, "LOT9")
    event = history_for(entry).filter(action="distribution_entry.confirmed").get()
    assert event.changes == {"lot_number": ["", "LOT9"], "status": ["needs_review", "active"]}


def test_editing_the_facility_name_relinks_the_entry_but_keeps_the_old_customer(actor):
    entry = services.create_entry(actor=actor, data=entry_data(facility_name="Hospital A"))
    old_customer = entry.customer
    updated = services.update_entry(
        actor=actor,
        entry=entry,
        data={"facility_name": "Clinic B"},
        reason="wrong consignee typed",
        version=1,
    )
    assert updated.customer.company_key == "CLINICB"
    assert Customer.objects.filter(pk=old_customer.pk).exists()


def _line(n: int, **overrides) -> ImportLine:
    values = {
        "line": n + 1,
        "ship_date": datetime.date(2026, 2, 1) + datetime.timedelta(days=n % 20),
        "order_number": f"SO-{n // 2}",
        "facility_name": f"Hospital {n % 7}",
        "sku": "211810SPT",
        "quantity": 1 + n % 5,
        "lot_number": f"LOT{n % 11}",
    }
    values.update(overrides)
    return ImportLine(**values)


def test_import_writes_every_row_with_one_batch_event_sharing_the_batch_id(actor):
    from silqeqms.audit import audit_batch

    rows = [_line(n) for n in range(30)]
    with audit_batch() as batch:
        result = import_entries(
            actor=actor,
            rows=rows,
            source="csv",
            reason="February ERP export",
            file_name="feb.csv",
            sha256="a" * 64,
        )
    assert result.created == 30
    assert result.customers_created == 7
    batch_event = AuditEvent.objects.get(action="distribution.imported")
    assert batch_event.data["file_name"] == "feb.csv"
    assert batch_event.data["sha256"] == "a" * 64
    assert batch_event.data["created"] == 30
    assert batch_event.reason == "February ERP export"
    row_events = AuditEvent.objects.filter(action="distribution_entry.imported")
    assert row_events.count() == 30
    assert set(row_events.values_list("batch_id", flat=True)) == {batch.batch_id}
    assert batch_event.batch_id == batch.batch_id
    assert verify_chain().ok
    assert verify_summaries() == []


def test_importing_the_same_rows_twice_creates_nothing_the_second_time(actor):
    rows = [_line(n) for n in range(12)]
    import_entries(
        actor=actor, rows=rows, source="csv", reason="r", file_name="a.csv", sha256="1" * 64
    )
    again = import_entries(
        actor=actor, rows=rows, source="csv", reason="r", file_name="a.csv", sha256="1" * 64
    )
    assert again.created == 0
    assert again.duplicates == 12
    assert DistributionLogEntry.objects.count() == 12


def test_a_voided_entry_is_not_a_duplicate(actor):
    rows = [_line(0)]
    result = import_entries(
        actor=actor, rows=rows, source="csv", reason="r", file_name="a.csv", sha256="1" * 64
    )
    services.void_entry(
        actor=actor, entry=DistributionLogEntry.objects.get(pk=result.entry_ids[0]), reason="x"
    )
    again = import_entries(
        actor=actor, rows=rows, source="csv", reason="r", file_name="a.csv", sha256="1" * 64
    )
    assert again.created == 1


def test_an_error_on_the_last_of_1000_rows_writes_nothing(actor):
    rows = [_line(n) for n in range(999)] + [_line(999, rep="nobody@example.com")]
    with pytest.raises(ValidationError, match="Line 1000, rep"):
        import_entries(
            actor=actor, rows=rows, source="csv", reason="r", file_name="big.csv", sha256="2" * 64
        )
    assert DistributionLogEntry.objects.count() == 0
    assert Customer.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="distribution").exists()


def test_import_resolves_reps_by_username_or_email_case_insensitively(actor):
    rep = UserFactory(username="riley", email="Riley@Example.com")
    rows = [_line(0, rep="RILEY"), _line(1, rep="riley@example.com")]
    result = import_entries(
        actor=actor, rows=rows, source="csv", reason="r", file_name="a.csv", sha256="3" * 64
    )
    assert set(
        DistributionLogEntry.objects.filter(pk__in=result.entry_ids).values_list("rep", flat=True)
    ) == {rep.pk}


def test_import_needs_a_reason(actor):
    with pytest.raises(ValidationError):
        import_entries(
            actor=actor, rows=[_line(0)], source="csv", reason="", file_name="a.csv", sha256="4" * 64
        )


def test_link_customers_links_unlinked_entries_and_is_idempotent(actor):
    from tests.factories import DistributionLogEntryFactory

    DistributionLogEntryFactory.create_batch(3, customer=None, facility_name="Mercy Clinic")
    DistributionLogEntryFactory(customer=None, facility_name="Valley Hospital")
    first = services.link_customers(actor=None)
    assert first == {"linked": 4, "customers_created": 2, "skipped": 0, "waiting": 0}
    assert not DistributionLogEntry.objects.filter(customer__isnull=True).exists()
    assert services.link_customers(actor=None) == {"linked": 0, "customers_created": 0, "skipped": 0, "waiting": 0}
    assert verify_summaries() == []


def test_merge_moves_entries_and_keeps_the_duplicate_spelling_as_an_alias(actor):
    a = services.create_entry(actor=actor, data=entry_data(facility_name="St. Mary Hospital"))
    b = services.create_entry(  # close to "St. Mary Hospital": a person chose "a new customer"
        actor=actor, data=entry_data(facility_name="Saint Mary Hospital", order_number="SO-9"),
        on_near_duplicate=services.OnNearDuplicate.CREATE,
    )
    survivor, duplicate = a.customer, b.customer
    merge_customers(actor=actor, survivor=survivor, duplicate=duplicate, reason="same hospital")
    assert DistributionLogEntry.objects.filter(customer=survivor).count() == 2
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    c = services.create_entry(
        actor=actor, data=entry_data(facility_name="SAINT MARY HOSPITAL", order_number="SO-10")
    )
    assert c.customer == survivor
    assert AuditEvent.objects.filter(action="customer.merged", reason="same hospital").exists()
    assert verify_summaries() == []


def test_clearing_the_lot_in_an_edit_sends_the_entry_back_to_review(actor):
    entry = services.create_entry(actor=actor, data=entry_data())
    updated = services.update_entry(actor=actor, entry=entry, data={"lot_number": ""}, reason="lot was wrong",
                                     version=entry.version)
    assert updated.status == Status.NEEDS_REVIEW
    assert history_for(entry).filter(action="distribution_entry.updated").get().changes["status"] == [
        "active", "needs_review"]
    assert verify_summaries() == []


def test_filling_in_the_lot_of_an_entry_waiting_for_review_activates_it(actor):
    entry = services.create_entry(actor=actor, data=entry_data(lot_number=""))
    updated = services.update_entry(actor=actor, entry=entry, data={"lot_number": "LOT5"}, reason="slip found",
                                    version=entry.version)
    assert updated.status == Status.ACTIVE


@pytest.mark.parametrize("ship_date", [datetime.date(2099, 3, 10), datetime.date(1900, 1, 1)])
def test_a_ship_date_far_in_the_future_or_past_is_refused(actor, ship_date):
    with pytest.raises(ValidationError) as excinfo:
        services.create_entry(actor=actor, data=entry_data(ship_date=ship_date))
    assert "ship_date" in excinfo.value.message_dict
    plan = plan_import([_line(0, ship_date=ship_date)])
    (problem,) = plan.problems
    assert (problem.column, problem.value) == ("ship_date", ship_date.isoformat())
    assert problem.message in ("is in the future", "is before 1990")


def test_an_import_assigns_the_rep_it_names_to_the_customer(actor):
    from django.contrib.auth.models import Group

    from customers.models import RepAssignment
    from distribution.selectors import entries_visible_to

    riley = UserFactory(username="riley")
    riley.groups.add(Group.objects.get_or_create(name="sales_rep")[0])
    result = import_entries(actor=actor, rows=[_line(0, rep="riley"), _line(1, rep="riley")], source="csv",
                                     reason="r", file_name="a.csv", sha256="5" * 64)
    customers = set(DistributionLogEntry.objects.filter(pk__in=result.entry_ids).values_list("customer", flat=True))
    assert set(RepAssignment.objects.filter(rep=riley, is_primary=True).values_list("customer", flat=True)) == customers
    assert set(entries_visible_to(riley).values_list("pk", flat=True)) == set(result.entry_ids)
    assert AuditEvent.objects.filter(action="rep_assignment.created").count() == len(customers)


def test_an_external_reference_is_unique_where_set_and_entries_without_one_are_many(actor):
    """The ShipStation sync relies on external_ref being unique; the constraint is partial (only rows
    that have one), so ordinary entries never touch it."""
    from django.db import IntegrityError, transaction

    from tests.factories import DistributionLogEntryFactory

    DistributionLogEntryFactory(external_ref="ss-1-1")
    DistributionLogEntryFactory.create_batch(2, external_ref=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        DistributionLogEntryFactory(external_ref="ss-1-1")
    assert DistributionLogEntry.objects.filter(external_ref__startswith="ss-1").count() == 1
    assert DistributionLogEntry.objects.filter(external_ref__isnull=True).count() == 2


def test_editing_an_entry_voided_meanwhile_says_it_was_voided_not_changed(actor):
    entry = services.create_entry(actor=actor, data=entry_data())
    voider = UserFactory(username="quinn")
    services.void_entry(actor=voider, entry=entry, reason="shipped to the wrong address")
    with pytest.raises(ValidationError) as refused:
        services.update_entry(actor=actor, entry=entry, data={"quantity": 9}, reason="recount", version=1)
    message = refused.value.messages[0]
    assert "was voided by quinn" in message and "shipped to the wrong address" in message
    assert "changed by" not in message
