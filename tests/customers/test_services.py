"""customers.services (and the merge in distribution.services): database effects and their audit events."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from customers.keys import canonical_customer_key
from customers.models import Customer, CustomerAlias, CustomerNote, RepAssignment
from customers.services import (
    StaleVersionError,
    add_note,
    create_customer,
    delete_note,
    ensure_rep_assignment,
    fill_blank_customer_fields,
    find_or_create_customer,
    remove_rep_assignment,
    update_customer,
    update_note,
)
from distribution.merge import merge_customers, merge_preview
from distribution.services import create_entry
from distribution.summaries import verify_summaries
from silqeqms.models import AuditEvent
from tests.factories import (
    CustomerFactory,
    CustomerNoteFactory,
    RepAssignmentFactory,
    UserFactory,
    entry_data,
)

pytestmark = pytest.mark.django_db


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# Canonical key ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "key"), [
    ("Hospital A", "HOSPITALA"),
    ("hospital a", "HOSPITALA"),
    ("HOSPITAL A", "HOSPITALA"),
    ("  Hospital   A  ", "HOSPITALA"),
    ("Hospital\tA\n", "HOSPITALA"),
    ("Hospital-A.", "HOSPITALA"),
    ("St. Mary's (North) #2", "STMARYSNORTH2"),
    ("Hôpital Sainte-Anne", "HOPITALSAINTEANNE"),
    ("Zürich Klinik", "ZURICHKLINIK"),
    ("Clínica São João", "CLINICASAOJOAO"),
    ("Ｈｏｓｐｉｔａｌ １", "HOSPITAL1"),  # full-width letters fold to ASCII under NFKD
    ("Straße Klinik", "STRASSEKLINIK"),  # "ß".upper() is "SS"
])
def test_canonical_key_folds_case_spaces_punctuation_and_accents(name, key):
    assert canonical_customer_key(name) == key


@pytest.mark.parametrize("name", ["", "   ", "---", "!!! ...", "\t\n", None])
def test_canonical_key_refuses_a_name_without_letters_or_digits(name):
    with pytest.raises(ValidationError) as info:
        canonical_customer_key(name)
    assert info.value.code == "blank_customer_key"


@pytest.mark.parametrize(("name", "key"), [
    ("Ελληνικό Νοσοκομείο 2", "ELLINIKONOSOKOMEIO2"),
    ("Городская больница 1", "GORODSKAYABOLUBQINITSA1"),  # ь has no Latin letter: its code point stands in
    ("Поликлиника №1", "POLIKLINIKANO1"),
    ("東京病院", "DONGJINGBINGYUAN"),
    ("Øst Clinic", "OSTCLINIC"),
    ("Łódź Szpital", "LODZSZPITAL"),
    ("Ærø Klinik", "AEROKLINIK"),
    ("Đà Nẵng Hospital", "DANANGHOSPITAL"),
    ("1199", "1199"),
])
def test_canonical_key_transliterates_every_script_instead_of_refusing_it(name, key):
    """Finding 1: non-Latin names no longer collapse to their digits (or to nothing) and are not refused."""
    assert canonical_customer_key(name) == key


@pytest.mark.parametrize(("one", "other"), [
    ("Поликлиника №1", "Больница №1"),
    ("Больница №2", "Аптека №2"),
    ("Øst Clinic", "St Clinic"),
    ("東京病院", "大阪病院"),
    ("Больница", "Болница"),  # the soft sign counts
])
def test_names_that_once_shared_a_key_now_have_their_own(one, other):
    assert canonical_customer_key(one) != canonical_customer_key(other)


def test_a_very_long_name_in_a_wide_script_still_fits_the_key_column():
    name = "병원" * 120  # each syllable transliterates to several letters
    key = canonical_customer_key(name)
    assert len(key) == 255
    assert key != canonical_customer_key("병원" * 119 + "의원")  # the digest keeps the tails apart


# Create and find-or-create -----------------------------------------------------------------------


def test_create_customer_saves_the_key_and_records_the_event():
    actor = UserFactory()
    customer = create_customer(actor=actor, data={"facility_name": " Hospital A ", "city": "Austin"})
    assert customer.company_key == "HOSPITALA"
    assert customer.facility_name == "Hospital A"
    assert customer.created_by == actor
    (event,) = events("customer.created")
    assert event.actor == actor
    assert event.target_id == str(customer.pk)
    assert event.changes["facility_name"] == [None, "Hospital A"]
    assert event.changes["company_key"] == [None, "HOSPITALA"]
    assert event.changes["city"] == [None, "Austin"]


def test_create_customer_refuses_an_existing_key_and_writes_nothing():
    existing = CustomerFactory(facility_name="Hospital A")
    with pytest.raises(ValidationError) as info:
        create_customer(actor=UserFactory(), data={"facility_name": "HOSPITAL-A"})
    (error,) = info.value.error_dict["facility_name"]
    assert error.code == "duplicate_customer"
    assert error.params["pk"] == existing.pk
    assert Customer.objects.count() == 1
    assert not AuditEvent.objects.filter(action="customer.created").exists()


def test_find_or_create_creates_a_missing_customer():
    actor = UserFactory()
    customer, created = find_or_create_customer(facility_name="Hôpital Sainte-Anne", actor=actor, city="Paris",
                                                country="FR")
    assert created
    assert (customer.company_key, customer.city, customer.country) == ("HOPITALSAINTEANNE", "Paris", "FR")
    (event,) = events("customer.created")
    assert event.actor == actor
    assert event.changes["facility_name"] == [None, "Hôpital Sainte-Anne"]


def test_find_or_create_finds_another_spelling_by_key():
    existing = CustomerFactory(facility_name="Hospital A")
    customer, created = find_or_create_customer(facility_name="hospital-a", actor=None)
    assert (customer, created) == (existing, False)
    assert Customer.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_find_or_create_finds_a_customer_by_alias():
    survivor = CustomerFactory(facility_name="Saint Mary Hospital")
    CustomerAlias.objects.create(key="STMARYSHOSP", customer=survivor, facility_name="St Mary's Hosp")
    customer, created = find_or_create_customer(facility_name="St. Mary's Hosp.", actor=None)
    assert (customer, created) == (survivor, False)


def test_find_or_create_never_changes_an_existing_customer():
    """Finding 5: a new distribution record does not fill or overwrite the customer record (its consignee
    address stays on the entry); fills happen only through fill_blank_customer_fields, confirmed."""
    existing = CustomerFactory(facility_name="Hospital A", address1="9 Elm St", city="", state="TX")
    customer, created = find_or_create_customer(facility_name="Hospital A", actor=None, address1="1 Main St",
                                                city="Austin", state="TX")
    assert (customer, created) == (existing, False)
    existing.refresh_from_db()
    assert (existing.address1, existing.city, existing.version) == ("9 Elm St", "", 1)
    assert not AuditEvent.objects.exists()


def test_fill_blank_customer_fields_fills_only_blanks_and_audits_it():
    actor = UserFactory()
    existing = CustomerFactory(facility_name="Hospital A", address1="", city="", postal_code="78701")
    changes = fill_blank_customer_fields(customer=existing, actor=actor, reason="March import",
                                         incoming={"address1": "1 Main St", "city": "Austin", "postal_code": "99999"})
    assert changes == {"address1": ["", "1 Main St"], "city": ["", "Austin"]}
    existing.refresh_from_db()
    assert (existing.address1, existing.city, existing.postal_code) == ("1 Main St", "Austin", "78701")
    assert existing.version == 2
    (event,) = events("customer.updated")
    assert (event.actor, event.reason, event.changes) == (actor, "March import", changes)


@pytest.mark.parametrize("data", [{"state": None}, {"city": None, "email": None, "is_active": None}])
def test_create_customer_treats_none_as_blank(data):
    """Finding 6: None and "" are the same blank to every customer service (never an IntegrityError)."""
    customer = create_customer(actor=None, data={"facility_name": "Blank Fields Clinic", **data})
    assert (customer.state, customer.city, customer.email, customer.is_active) == ("", "", "", True)


def test_update_customer_treats_none_as_blank():
    customer = CustomerFactory(city="Austin", phone="555")
    updated = update_customer(actor=UserFactory(), customer=customer, data={"city": None, "phone": None},
                              reason="moved", version=customer.version)
    assert (updated.city, updated.phone) == ("", "")
    (event,) = events("customer.updated")
    assert event.changes == {"city": ["Austin", ""], "phone": ["555", ""]}


def test_create_customer_stores_the_words_the_near_duplicate_finder_compares():
    customer = create_customer(actor=None, data={"facility_name": "St. Mary's Hosp, Inc."})
    assert customer.match_words == "HOSPITAL MARYS SAINT"


# Update ----------------------------------------------------------------------------------------------


def test_update_customer_saves_with_a_reason_and_records_old_and_new():
    actor = UserFactory(username="olivia")
    customer = CustomerFactory(facility_name="Hospital A", city="Austin")
    updated = update_customer(actor=actor, customer=customer, data={"city": "Round Rock", "phone": "512-555-0100"},
                              reason="moved campus", version=1)
    assert (updated.city, updated.phone, updated.version, updated.updated_by) == (
        "Round Rock", "512-555-0100", 2, actor)
    (event,) = events("customer.updated")
    assert (event.actor, event.reason) == (actor, "moved campus")
    assert event.changes == {"city": ["Austin", "Round Rock"], "phone": ["", "512-555-0100"]}


def test_update_customer_rekeys_a_renamed_customer():
    customer = CustomerFactory(facility_name="Hospital A")
    updated = update_customer(actor=UserFactory(), customer=customer, data={"facility_name": "Hospital B"},
                              reason="renamed", version=1)
    assert updated.company_key == "HOSPITALB"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_update_customer_requires_a_reason(reason):
    customer = CustomerFactory(city="Austin")
    with pytest.raises(ValidationError) as info:
        update_customer(actor=UserFactory(), customer=customer, data={"city": "Dallas"}, reason=reason, version=1)
    assert "reason" in info.value.message_dict
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("Austin", 1)
    assert not AuditEvent.objects.exists()


def test_update_customer_refuses_a_stale_version_naming_who_changed_it():
    first, second = UserFactory(username="first_editor"), UserFactory(username="second_editor")
    customer = CustomerFactory(city="Austin")
    update_customer(actor=first, customer=customer, data={"city": "Dallas"}, reason="fix", version=1)
    with pytest.raises(StaleVersionError) as info:
        update_customer(actor=second, customer=customer, data={"city": "Houston"}, reason="fix", version=1)
    assert "first_editor" in info.value.messages[0]
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("Dallas", 2)
    assert [e.actor for e in events("customer.updated")] == [first]


def test_update_customer_refuses_a_name_another_customer_has():
    CustomerFactory(facility_name="Hospital B")
    customer = CustomerFactory(facility_name="Hospital A")
    with pytest.raises(ValidationError) as info:
        update_customer(actor=UserFactory(), customer=customer, data={"facility_name": "hospital b"},
                        reason="rename", version=1)
    assert "facility_name" in info.value.message_dict
    customer.refresh_from_db()
    assert customer.facility_name == "Hospital A"


# Notes -----------------------------------------------------------------------------------------------


def test_add_note_records_its_text():
    actor = UserFactory()
    customer = CustomerFactory()
    note = add_note(actor=actor, customer=customer, body="  Prefers deliveries before noon.  ")
    assert (note.body, note.author, note.customer) == ("Prefers deliveries before noon.", actor, customer)
    (event,) = events("customer_note.created")
    assert event.actor == actor
    assert event.changes == {"body": [None, "Prefers deliveries before noon."]}
    assert event.data["customer_id"] == customer.pk


def test_add_note_refuses_an_empty_note():
    with pytest.raises(ValidationError):
        add_note(actor=UserFactory(), customer=CustomerFactory(), body="   ")
    assert not CustomerNote.objects.exists()
    assert not AuditEvent.objects.exists()


def test_update_note_keeps_the_old_text_in_the_audit_trail():
    actor = UserFactory()
    note = CustomerNoteFactory(body="Call Tom")
    update_note(actor=actor, note=note, body="Call Tomás", reason="typo", version=1)
    note.refresh_from_db()
    assert (note.body, note.version) == ("Call Tomás", 2)
    (event,) = events("customer_note.updated")
    assert (event.actor, event.reason, event.changes) == (actor, "typo", {"body": ["Call Tom", "Call Tomás"]})


def test_update_note_refuses_a_stale_version():
    note = CustomerNoteFactory(body="v1")
    update_note(actor=UserFactory(), note=note, body="v2", reason="r", version=1)
    with pytest.raises(StaleVersionError):
        update_note(actor=UserFactory(), note=note, body="v3", reason="r", version=1)
    note.refresh_from_db()
    assert note.body == "v2"


def test_delete_note_removes_it_but_its_text_stays_in_the_audit_trail():
    actor = UserFactory()
    note = CustomerNoteFactory(body="Secret gate code 1234")
    customer_id = note.customer_id
    delete_note(actor=actor, note=note, reason="not a place for codes")
    assert not CustomerNote.objects.exists()
    (event,) = events("customer_note.deleted")
    assert (event.actor, event.reason) == (actor, "not a place for codes")
    assert event.changes == {"body": ["Secret gate code 1234", None]}
    assert event.data["customer_id"] == customer_id


def test_delete_note_requires_a_reason():
    note = CustomerNoteFactory()
    with pytest.raises(ValidationError):
        delete_note(actor=UserFactory(), note=note, reason=" ")
    assert CustomerNote.objects.filter(pk=note.pk).exists()
    assert not AuditEvent.objects.exists()


# Rep assignments ---------------------------------------------------------------------------------


def test_ensure_rep_assignment_is_idempotent():
    actor, rep = UserFactory(), UserFactory(username="riley")
    customer = CustomerFactory()
    first = ensure_rep_assignment(customer=customer, rep=rep, actor=actor)
    again = ensure_rep_assignment(customer=customer, rep=rep, actor=actor)
    assert first.pk == again.pk
    assert RepAssignment.objects.filter(customer=customer).count() == 1
    (event,) = events("rep_assignment.created")
    assert (event.actor, event.target_id, event.changes) == (actor, str(customer.pk), {"rep": [None, "riley"]})


def test_making_a_rep_primary_demotes_the_previous_primary():
    actor = UserFactory()
    customer = CustomerFactory()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    ensure_rep_assignment(customer=customer, rep=alice, primary=True, actor=actor)
    ensure_rep_assignment(customer=customer, rep=bob, primary=True, actor=actor)
    primaries = RepAssignment.objects.filter(customer=customer, is_primary=True)
    assert [a.rep for a in primaries] == [bob]
    assert RepAssignment.objects.filter(customer=customer).count() == 2
    changes = [e.changes for e in events("rep_assignment.primary_changed")]
    assert changes == [{"primary_rep": [None, "alice"]}, {"primary_rep": ["alice", "bob"]}]


def test_the_database_refuses_a_second_primary_rep():
    customer = CustomerFactory()
    RepAssignmentFactory(customer=customer, is_primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        RepAssignmentFactory(customer=customer, is_primary=True)


def test_remove_rep_assignment_deletes_it_and_records_it():
    actor, rep = UserFactory(), UserFactory(username="riley")
    assignment = RepAssignmentFactory(rep=rep, is_primary=True)
    with pytest.raises(ValidationError):
        remove_rep_assignment(customer=assignment.customer, rep=rep, actor=actor, reason=" ")
    assert RepAssignment.objects.exists()
    remove_rep_assignment(customer=assignment.customer, rep=rep, actor=actor, reason="moved territory")
    assert not RepAssignment.objects.exists()
    (event,) = events("rep_assignment.removed")
    assert event.actor == actor
    assert event.reason == "moved territory"
    assert event.changes == {"rep": ["riley", None], "was_primary": [True, None]}


def test_removing_a_rep_who_is_not_assigned_does_nothing():
    remove_rep_assignment(customer=CustomerFactory(), rep=UserFactory(), actor=UserFactory(), reason="cleanup")
    assert not AuditEvent.objects.exists()


# Merge -------------------------------------------------------------------------------------------------


def test_merge_moves_entries_notes_and_reps_and_keeps_the_spelling_as_an_alias():
    actor = UserFactory(username="merger")
    survivor, _ = find_or_create_customer(facility_name="Saint Mary Hospital", actor=actor)
    create_entry(actor=actor, data=entry_data(facility_name="Saint Mary Hospital", order_number="SO-1"))
    # "St Mary Hosp" is close to "Saint Mary Hospital": here a person said "create new" (a mistake to merge).
    duplicate_entry = create_entry(actor=actor, data=entry_data(facility_name="St Mary Hosp", order_number="SO-2",
                                                                lot_number="LOT9"), on_near_duplicate="create")
    create_entry(actor=actor, data=entry_data(facility_name="St Mary Hosp", order_number="SO-1", quantity=2))
    duplicate = duplicate_entry.customer
    assert duplicate != survivor
    note = CustomerNoteFactory(customer=duplicate)
    shared, only_duplicate = UserFactory(), UserFactory()
    ensure_rep_assignment(customer=survivor, rep=shared, primary=True, actor=actor)
    ensure_rep_assignment(customer=duplicate, rep=shared, actor=actor)
    ensure_rep_assignment(customer=duplicate, rep=only_duplicate, primary=True, actor=actor)

    preview = merge_preview(survivor=survivor, duplicate=duplicate)
    assert (preview.entries, preview.notes, preview.reps) == (2, 1, 1)

    duplicate_pk, duplicate_name = duplicate.pk, duplicate.facility_name
    moved = merge_customers(actor=actor, survivor=survivor, duplicate=duplicate, reason="same facility")

    assert (moved["entries"], moved["notes"], moved["reps"]) == (2, 1, 1)
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    assert survivor.distribution_entries.count() == 3
    note.refresh_from_db()
    assert note.customer == survivor
    assignments = {a.rep: a.is_primary for a in RepAssignment.objects.filter(customer=survivor)}
    assert assignments == {shared: True, only_duplicate: False}  # the survivor keeps its primary
    assert CustomerAlias.objects.get(key="STMARYHOSP").customer == survivor
    again, created = find_or_create_customer(facility_name="St. Mary Hosp.", actor=None)
    assert (again, created) == (survivor, False)
    (merged,) = events("customer.merged")
    assert (merged.actor, merged.reason, merged.target_id) == (actor, "same facility", str(survivor.pk))
    # The audit trail shows who was merged in words; the merged record's fields are kept in its data.
    assert merged.changes["merged_customer"] == [f"{duplicate_name} (#{duplicate_pk})", None]
    assert merged.data["duplicate"]["company_key"] == "STMARYHOSP"
    relinked = events("distribution_entry.relinked")
    assert len(relinked) == 2
    assert {e.reason for e in relinked} == {"same facility"}
    assert relinked[0].changes == {"customer": ["St Mary Hosp", "Saint Mary Hospital"]}
    assert verify_summaries() == []


def test_merge_requires_a_reason_and_writes_nothing_without_one():
    survivor, duplicate = CustomerFactory(), CustomerFactory()
    CustomerNoteFactory(customer=duplicate)
    with pytest.raises(ValidationError):
        merge_customers(actor=UserFactory(), survivor=survivor, duplicate=duplicate, reason="  ")
    assert Customer.objects.filter(pk=duplicate.pk).exists()
    assert duplicate.notes.count() == 1
    assert not AuditEvent.objects.exists()


def test_a_customer_cannot_be_merged_into_itself():
    customer = CustomerFactory()
    with pytest.raises(ValidationError):
        merge_customers(actor=UserFactory(), survivor=customer, duplicate=customer, reason="oops")
    assert Customer.objects.filter(pk=customer.pk).exists()


# Migrations ------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_customer_migrations_reverse_and_reapply():
    # distribution depends on customers, so it steps back to before its customer link first.
    call_command("migrate", "distribution", "0001", verbosity=0)
    call_command("migrate", "customers", "zero", verbosity=0)
    assert "customers_customer" not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)
    assert "customers_customer" in connection.introspection.table_names()
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    customer = create_customer(actor=None, data={"facility_name": "After Migrations"})
    assert customer.company_key == "AFTERMIGRATIONS"


def test_a_customers_first_rep_becomes_primary_and_a_removed_primary_is_succeeded():
    customer, actor = CustomerFactory(), UserFactory()
    first, second = UserFactory(username="first_rep"), UserFactory(username="second_rep")
    ensure_rep_assignment(customer=customer, rep=first, actor=actor)
    ensure_rep_assignment(customer=customer, rep=second, actor=actor)
    assert {a.rep.username: a.is_primary for a in customer.rep_assignments.all()} == {
        "first_rep": True, "second_rep": False}
    remove_rep_assignment(customer=customer, rep=first, actor=actor, reason="left")
    assert [(a.rep.username, a.is_primary) for a in customer.rep_assignments.all()] == [("second_rep", True)]


def test_search_finds_a_customer_by_a_spelling_merged_into_it(admin_user):
    from customers.models import CustomerAlias
    from customers.selectors import customer_search

    survivor = CustomerFactory(facility_name="St. Luke's Regional Medical Center")
    CustomerAlias.objects.create(key="SAINTLUKESREGIONALMEDICALCTR", customer=survivor)
    assert list(customer_search(admin_user, "Saint Lukes")) == [survivor]
