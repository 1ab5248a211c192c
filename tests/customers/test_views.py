"""The customer pages: what each role sees, what each POST writes (and what a refused one does not)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from customers.models import Customer, CustomerAlias, CustomerNote, RepAssignment
from customers.services import add_note, delete_note, update_customer
from distribution.services import create_entry
from silqeqms.models import AuditEvent
from tests.factories import (
    CustomerFactory,
    CustomerNoteFactory,
    DistributionLogEntryFactory,
    RepAssignmentFactory,
    UserFactory,
    entry_data,
)

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"customers:{name}" if name != "customer_merge" else name, args=args)


def audit_events():
    """Events the test caused (the roles fixture records its own seeding)."""
    return AuditEvent.objects.exclude(reason="seed_permissions applied roles.py")


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def login(client, user):
    client.force_login(user)
    return client


def customer_data(**overrides) -> dict:
    data = {"facility_name": "Hospital A", "address1": "100 Main St", "address2": "", "city": "Austin",
            "state": "TX", "postal_code": "78701", "country": "US", "phone": "", "email": "", "contact_name": ""}
    data.update(overrides)
    return data


def edit_data(customer: Customer, **overrides) -> dict:
    data = {name: getattr(customer, name) for name in ("facility_name", "address1", "address2", "city", "state",
                                                       "postal_code", "country", "phone", "email",
                                                       "contact_name")}
    data.update({"is_active": "on" if customer.is_active else "", "version": customer.version, "reason": ""})
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def customer(db):
    return CustomerFactory(facility_name="Hospital A", city="Austin", state="TX")


@pytest.fixture
def rep_client(client, rep_user):
    return login(client, rep_user)


# List ---------------------------------------------------------------------------------------------


def test_the_list_shows_the_annotated_columns(admin_client, ops_user):
    """Entries written through the services (as every page and import does) show up in the list's
    orders, units and last order; a voided line counts nowhere."""
    from distribution.services import void_entry

    customer = CustomerFactory(facility_name="Hospital A", city="Austin", state="TX")
    RepAssignmentFactory(customer=customer, rep=ops_user, is_primary=True)
    for order, quantity, day in [("SO-1", 3, datetime.date(2026, 3, 1)), ("SO-1", 4, datetime.date(2026, 3, 1)),
                                 ("SO-2", 5, datetime.date(2026, 4, 2)), ("SO-3", 50, datetime.date(2026, 5, 3))]:
        entry = create_entry(actor=ops_user, data=entry_data(customer=customer, facility_name="Hospital A",
                                                             order_number=order, quantity=quantity, ship_date=day))
    void_entry(actor=ops_user, entry=entry, reason="shipped in error")
    response = admin_client.get(url("customer_list"))
    assert response.status_code == 200
    (row,) = response.context["table"].page.object_list
    assert row.record == customer
    cells = {column.name: str(row.get_cell(column.name)) for column in response.context["table"].columns}
    assert cells["facility_name"].startswith('<a href="/admin/customers/')
    assert cells["city_state"] == "Austin, TX"
    assert cells["primary_rep_name"] == ops_user.username
    assert (cells["order_count"], cells["unit_count"], cells["last_order_date"]) == ("2", "12", "2026-04-02")


@pytest.mark.parametrize(("params", "expected"), [
    ({"q": "mercy"}, ["Mercy Clinic"]),
    ({"q": "MERCY-CLIN"}, ["Mercy Clinic"]),  # by key: punctuation and case ignored
    ({"q": "Dallas"}, ["Baylor Medical"]),
    ({"state": "TX"}, ["Baylor Medical", "Mercy Clinic"]),
    ({"state": "TX", "q": "baylor"}, ["Baylor Medical"]),
    ({"is_active": "no"}, ["Old Clinic"]),
])
def test_the_list_filters_by_search_state_and_status(admin_client, params, expected):
    CustomerFactory(facility_name="Mercy Clinic", city="Austin", state="TX")
    CustomerFactory(facility_name="Baylor Medical", city="Dallas", state="TX")
    CustomerFactory(facility_name="Hôpital Sainte-Anne", city="Paris", state="")
    CustomerFactory(facility_name="Old Clinic", city="Reno", state="NV", is_active=False)
    response = admin_client.get(url("customer_list"), params)
    assert [r.facility_name for r in response.context["table"].data] == expected


def test_the_list_filters_by_rep(admin_client, roles):
    riley = UserFactory(username="riley")
    riley.groups.add(roles["sales_rep"])
    mine = CustomerFactory(facility_name="Mine")
    CustomerFactory(facility_name="Theirs")
    RepAssignmentFactory(customer=mine, rep=riley)
    response = admin_client.get(url("customer_list"), {"rep": riley.pk})
    assert [r.facility_name for r in response.context["table"].data] == ["Mine"]
    assert f'value="{riley.pk}"' in response.content.decode()


@pytest.mark.parametrize("sort", ["facility_name", "-order_count", "unit_count", "-last_order_date", "city_state",
                                  "primary_rep_name"])
def test_the_list_sorts_by_every_column(admin_client, sort):
    a, b = CustomerFactory(facility_name="A Clinic"), CustomerFactory(facility_name="B Clinic")
    DistributionLogEntryFactory(customer=b, quantity=9)
    response = admin_client.get(url("customer_list"), {"sort": sort})
    assert response.status_code == 200
    assert set(response.context["table"].data) == {a, b}


def test_the_list_query_count_does_not_grow_with_the_number_of_customers(admin_client, django_assert_max_num_queries,
                                                                          ops_user):
    def make(n):
        for customer in CustomerFactory.create_batch(n):
            RepAssignmentFactory(customer=customer, rep=ops_user, is_primary=True)
            DistributionLogEntryFactory(customer=customer)

    make(5)
    with django_assert_max_num_queries(12) as few:
        admin_client.get(url("customer_list"))
    make(55)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = admin_client.get(url("customer_list"))
    assert len(response.context["table"].page.object_list) == 50
    assert len(many.captured_queries) == len(few.captured_queries)
    assert "Page 1 of 2" in response.content.decode()


def test_the_second_page_keeps_the_filters_in_its_links(admin_client):
    CustomerFactory.create_batch(51, state="TX")
    response = admin_client.get(url("customer_list"), {"state": "TX"})
    body = response.content.decode()
    assert "state=TX&amp;page=2" in body
    assert admin_client.get(url("customer_list"), {"state": "TX", "page": 2}).status_code == 200


def test_an_empty_list_offers_a_new_customer_link_to_those_who_may_create(client, roles):
    creator = login(client, UserFactory(perms=["customers.view", "customers.create"]))
    body = creator.get(url("customer_list")).content.decode()
    assert "There are no customers yet" in body
    assert f'href="{url("customer_create")}"' in body
    viewer = login(Client(), UserFactory(perms=["customers.view"]))
    assert f'href="{url("customer_create")}"' not in viewer.get(url("customer_list")).content.decode()


# Create -----------------------------------------------------------------------------------------------


def test_the_new_customer_form_marks_required_fields(ops_client):
    body = ops_client.get(url("customer_create")).content.decode()
    assert '<label for="id_facility_name">Facility name <span class="req"' in body
    assert '<label for="id_city">City</label>' in body


def test_create_makes_the_customer_and_redirects_to_it(ops_client, ops_user):
    response = ops_client.post(url("customer_create"), customer_data(facility_name="Hôpital Sainte-Anne"))
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url()
    assert (customer.company_key, customer.city, customer.created_by) == ("HOPITALSAINTEANNE", "Austin", ops_user)
    event = AuditEvent.objects.get(action="customer.created")
    assert (event.actor, event.target_id) == (ops_user, str(customer.pk))
    assert messages_of(response) == ["Customer “Hôpital Sainte-Anne” created."]


def test_create_refuses_an_existing_key_with_a_link_to_it(ops_client, customer):
    response = ops_client.post(url("customer_create"), customer_data(facility_name="HOSPITAL-A"))
    assert response.status_code == 200
    assert Customer.objects.count() == 1
    body = response.content.decode()
    assert f'<a href="{customer.get_absolute_url()}">Hospital A</a>' in body
    assert "already exists" in response.context["form"].errors["facility_name"][0]
    assert not AuditEvent.objects.filter(action="customer.created").exists()


def test_create_refuses_a_spelling_kept_as_an_alias(ops_client, customer):
    CustomerAlias.objects.create(key="HOSPA", customer=customer, facility_name="Hosp. A")
    response = ops_client.post(url("customer_create"), customer_data(facility_name="Hosp A"))
    assert f'href="{customer.get_absolute_url()}"' in response.content.decode()
    assert Customer.objects.count() == 1


def test_create_warns_about_similar_names_then_creates_when_confirmed(ops_client, customer):
    response = ops_client.post(url("customer_create"), customer_data(facility_name="Hospitals A"))
    assert response.status_code == 200
    assert Customer.objects.count() == 1
    body = response.content.decode()
    assert "Possible duplicates" in body
    assert f'href="{customer.get_absolute_url()}"' in body
    assert 'type="checkbox" name="confirm_similar"' in body

    response = ops_client.post(url("customer_create"), customer_data(facility_name="Hospitals A",
                                                                     confirm_similar="on"))
    assert response.status_code == 302
    assert Customer.objects.filter(company_key="HOSPITALSA").exists()


def test_create_refuses_a_name_without_letters(ops_client):
    response = ops_client.post(url("customer_create"), customer_data(facility_name="---"))
    assert "no letters or digits" in response.context["form"].errors["facility_name"][0]
    assert not Customer.objects.exists()


def test_create_returns_to_a_local_next_url_with_the_new_customer(ops_client):
    response = ops_client.post(url("customer_create") + "?next=/admin/distribution-log/new/%3Fa%3D1",
                               customer_data())
    assert response["Location"] == f"/admin/distribution-log/new/?a=1&customer={Customer.objects.get().pk}"


def test_create_ignores_a_next_url_on_another_site(ops_client):
    response = ops_client.post(url("customer_create"), {**customer_data(), "next": "https://evil.example/"})
    assert response["Location"] == Customer.objects.get().get_absolute_url()


def test_create_prefills_the_name_from_the_query_string(ops_client):
    body = ops_client.get(url("customer_create"), {"facility_name": "Mercy Clinic"}).content.decode()
    assert 'value="Mercy Clinic"' in body


# Profile and edit -------------------------------------------------------------------------------------


def test_the_profile_shows_totals_orders_with_lines_lots_notes_reps_and_history(admin_client, admin_user, customer):
    create_entry(actor=admin_user, data=entry_data(facility_name="Hospital A", order_number="SO-1",
                                                   lot_number="LOT-7", quantity=3))
    create_entry(actor=admin_user, data=entry_data(facility_name="Hospital A", order_number="SO-1",
                                                   sku="311400KIT", lot_number="LOT-8", quantity=2))
    add_note(actor=admin_user, customer=customer, body="Dock closes at 4pm")
    RepAssignmentFactory(customer=customer, rep=UserFactory(username="riley"), is_primary=True)
    response = admin_client.get(customer.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["totals"]["orders"] == 1
    assert response.context["totals"]["units"] == 5
    (order,) = response.context["orders"]
    assert [(e.sku, e.lot_number, e.quantity) for e in order["entries"]] == [
        ("211810SPT", "LOT-7", 3), ("311400KIT", "LOT-8", 2)]
    assert reverse("distribution:lot_trace", args=["LOT-7"]) in body
    assert "Dock closes at 4pm" in body
    assert "riley" in body
    assert "<title>Hospital A · SilqeQMS</title>" in body
    assert "customer_note.created" in body  # the notes' events are in the customer's history


def test_the_profile_query_count_does_not_grow_with_orders(admin_client, admin_user, customer,
                                                           django_assert_max_num_queries):
    def make(n, start):
        for i in range(n):
            for _ in range(2):
                create_entry(actor=admin_user, data=entry_data(customer=customer, facility_name=customer.facility_name,
                                                               order_number=f"SO-{start + i}"))

    make(2, 0)
    with django_assert_max_num_queries(40) as few:
        admin_client.get(customer.get_absolute_url())
    make(30, 100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(customer.get_absolute_url())
    assert len(response.context["orders"]) == 20
    assert "orders_page=2#orders" in response.content.decode()
    second = admin_client.get(customer.get_absolute_url(), {"orders_page": 2})
    assert len(second.context["orders"]) == 12


def test_the_profile_history_is_paginated_and_includes_deleted_notes(admin_client, admin_user, customer):
    for i in range(21):
        add_note(actor=admin_user, customer=customer, body=f"note {i}")
    delete_note(actor=admin_user, note=customer.notes.get(body="note 0"), reason="duplicate note")
    response = admin_client.get(customer.get_absolute_url())
    table = response.context["history"]
    assert table.paginator.count == 22
    assert table.page.object_list.data[0].action == "customer_note.deleted"
    assert "history-page=2" in response.content.decode()
    second = admin_client.get(customer.get_absolute_url(), {"history-page": 2})
    assert [e.action for e in second.context["history"].page.object_list.data] == ["customer_note.created"] * 2


def test_the_profile_hides_buttons_the_user_may_not_use(client, customer):
    CustomerNoteFactory(customer=customer)
    RepAssignmentFactory(customer=customer)
    body = login(client, UserFactory(perms=["customers.view"])).get(customer.get_absolute_url()).content.decode()
    assert "Save changes" not in body
    assert "Add note" not in body
    assert "Make primary" not in body and ">Remove<" not in body
    assert "Merge a duplicate" not in body
    assert reverse("customers:note_edit", args=[customer.pk, customer.notes.get().pk]) not in body


def test_edit_saves_with_a_reason(ops_client, ops_user, customer):
    response = ops_client.post(customer.get_absolute_url(),
                               edit_data(customer, city="Round Rock", reason="moved campus"))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("Round Rock", 2)
    event = AuditEvent.objects.get(action="customer.updated")
    assert (event.actor, event.reason, event.changes) == (ops_user, "moved campus", {"city": ["Austin", "Round Rock"]})
    assert messages_of(response) == ["Customer “Hospital A” saved."]


@pytest.mark.parametrize("reason", ["", "   "])
def test_edit_requires_a_reason(ops_client, customer, reason):
    response = ops_client.post(customer.get_absolute_url(), edit_data(customer, city="Dallas", reason=reason))
    assert response.status_code == 200
    assert response.context["edit_form"].errors["reason"] == ["Give a reason for this change."]
    assert response.context["edit_open"]
    customer.refresh_from_db()
    assert customer.city == "Austin"
    assert not audit_events().exists()


def test_a_stale_edit_is_refused_naming_who_changed_it(ops_client, customer):
    update_customer(actor=UserFactory(username="quinn"), customer=customer, data={"city": "Dallas"},
                    reason="first", version=1)
    response = ops_client.post(customer.get_absolute_url(),
                               edit_data(customer, city="Houston", version=1, reason="second"))
    assert response.status_code == 200
    (error,) = response.context["edit_form"].non_field_errors()
    assert "quinn" in error
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("Dallas", 2)
    assert AuditEvent.objects.filter(action="customer.updated").count() == 1


def test_an_unchanged_edit_saves_nothing(ops_client, customer):
    response = ops_client.post(customer.get_absolute_url(), edit_data(customer, reason="checked"))
    assert response.status_code == 302
    assert messages_of(response) == ["Nothing changed, so nothing was saved."]
    assert not audit_events().exists()


def test_edit_needs_the_edit_permission_and_writes_nothing_without_it(client, customer):
    login(client, UserFactory(perms=["customers.view", "customers.view_all"]))
    response = client.post(customer.get_absolute_url(), edit_data(customer, city="Dallas", reason="x"))
    assert response.status_code == 403
    assert "customers.edit" in response.content.decode()
    customer.refresh_from_db()
    assert customer.city == "Austin"
    assert not audit_events().exists()


def test_csrf_is_enforced_on_edit(ops_user, customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ops_user)
    response = client.post(customer.get_absolute_url(), edit_data(customer, city="Dallas", reason="x"))
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.city == "Austin"
    assert not audit_events().exists()


# Notes --------------------------------------------------------------------------------------------------


def test_adding_a_note_shows_it_with_author_and_time(ops_client, ops_user, customer):
    response = ops_client.post(url("note_create", customer.pk), {"body": "Prefers morning delivery"})
    assert response.status_code == 302
    assert response["Location"] == customer.get_absolute_url() + "#notes"
    note = CustomerNote.objects.get()
    assert (note.body, note.author, note.customer) == ("Prefers morning delivery", ops_user, customer)
    assert AuditEvent.objects.get(action="customer_note.created").actor == ops_user
    body = ops_client.get(customer.get_absolute_url()).content.decode()
    assert "Prefers morning delivery" in body
    assert note.created_at.astimezone().strftime("%Y-%m-%d") in body


def test_an_empty_note_is_refused_on_the_profile(ops_client, customer):
    response = ops_client.post(url("note_create", customer.pk), {"body": "  "})
    assert response.status_code == 200
    assert response.context["note_form"].errors["body"]
    assert not CustomerNote.objects.exists()


def test_editing_a_note_needs_a_reason_and_keeps_the_old_text_in_history(ops_client, ops_user, customer):
    note = CustomerNoteFactory(customer=customer, body="Call Tom")
    edit = url("note_edit", customer.pk, note.pk)
    assert ops_client.get(edit).status_code == 200
    refused = ops_client.post(edit, {"body": "Call Tomás", "reason": "", "version": 1})
    assert refused.context["form"].errors["reason"]
    response = ops_client.post(edit, {"body": "Call Tomás", "reason": "typo", "version": 1})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.body == "Call Tomás"
    event = AuditEvent.objects.get(action="customer_note.updated")
    assert (event.actor, event.reason, event.changes) == (ops_user, "typo", {"body": ["Call Tom", "Call Tomás"]})
    history = ops_client.get(customer.get_absolute_url()).content.decode()
    assert "Call Tom →" in history


def test_a_stale_note_edit_is_refused(ops_client, customer):
    note = CustomerNoteFactory(customer=customer, body="v1")
    ops_client.post(url("note_edit", customer.pk, note.pk), {"body": "v2", "reason": "r", "version": 1})
    response = ops_client.post(url("note_edit", customer.pk, note.pk), {"body": "v3", "reason": "r", "version": 1})
    assert response.status_code == 200
    assert "after you opened it" in response.context["form"].non_field_errors()[0]
    note.refresh_from_db()
    assert note.body == "v2"


def test_deleting_a_note_asks_for_a_reason_and_keeps_its_text_in_history(ops_client, ops_user, customer):
    note = CustomerNoteFactory(customer=customer, body="Gate code 1234")
    delete = url("note_delete", customer.pk, note.pk)
    confirm = ops_client.get(delete)
    assert confirm.status_code == 200
    assert "Gate code 1234" in confirm.content.decode()
    assert ops_client.post(delete, {"reason": ""}).status_code == 200
    assert CustomerNote.objects.exists()
    response = ops_client.post(delete, {"reason": "no codes in notes"})
    assert response["Location"] == customer.get_absolute_url() + "#notes"
    assert not CustomerNote.objects.exists()
    event = AuditEvent.objects.get(action="customer_note.deleted")
    assert (event.actor, event.reason, event.changes) == (ops_user, "no codes in notes",
                                                          {"body": ["Gate code 1234", None]})
    assert "Gate code 1234" in ops_client.get(customer.get_absolute_url()).content.decode()


def test_a_note_of_another_customer_is_not_found(ops_client, customer):
    note = CustomerNoteFactory()
    assert ops_client.get(url("note_edit", customer.pk, note.pk)).status_code == 404
    assert ops_client.post(url("note_delete", customer.pk, note.pk), {"reason": "x"}).status_code == 404
    assert CustomerNote.objects.filter(pk=note.pk).exists()


def test_a_user_without_the_notes_permission_cannot_add_one(client, customer):
    login(client, UserFactory(perms=["customers.view", "customers.edit"]))
    response = client.post(url("note_create", customer.pk), {"body": "hello"})
    assert response.status_code == 403
    assert "customers.notes" in response.content.decode()
    assert not CustomerNote.objects.exists()
    assert not audit_events().exists()


# Reps ------------------------------------------------------------------------------------------------------


def test_assigning_two_reps_and_switching_the_primary(ops_client, ops_user, customer, roles):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for rep in (alice, bob):
        rep.groups.add(roles["sales_rep"])
    reps = url("rep_assign", customer.pk)
    ops_client.post(reps, {"action": "assign", "rep": alice.pk, "primary": "on"})
    response = ops_client.post(reps, {"action": "assign", "rep": bob.pk})
    assert response["Location"] == customer.get_absolute_url() + "#reps"
    assert {a.rep: a.is_primary for a in customer.rep_assignments.all()} == {alice: True, bob: False}
    ops_client.post(reps, {"action": "primary", "rep": bob.pk})  # no reason: refused like a removal
    assert {a.rep: a.is_primary for a in customer.rep_assignments.all()} == {alice: True, bob: False}
    ops_client.post(reps, {"action": "primary", "rep": bob.pk, "reason": "Bob covers Texas now"})
    assert {a.rep: a.is_primary for a in customer.rep_assignments.all()} == {alice: False, bob: True}
    ops_client.post(reps, {"action": "remove", "rep": alice.pk})  # no reason: refused, nothing changes
    assert {a.rep for a in customer.rep_assignments.all()} == {alice, bob}
    ops_client.post(reps, {"action": "remove", "rep": alice.pk, "reason": "left the company"})
    assert [a.rep for a in customer.rep_assignments.all()] == [bob]
    actions = list(audit_events().order_by("seq").values_list("action", flat=True))
    assert actions == ["rep_assignment.created", "rep_assignment.primary_changed", "rep_assignment.created",
                       "rep_assignment.primary_changed", "rep_assignment.removed"]
    assert set(audit_events().values_list("actor", flat=True)) == {ops_user.pk}
    assert audit_events().filter(action="rep_assignment.primary_changed").order_by("seq").last().reason == (
        "Bob covers Texas now")


def test_only_sales_reps_can_be_assigned(ops_client, customer):
    not_a_rep = UserFactory()
    response = ops_client.post(url("rep_assign", customer.pk), {"action": "assign", "rep": not_a_rep.pk})
    assert response.status_code == 200
    assert response.context["rep_form"].errors["rep"]
    assert not RepAssignment.objects.exists()


def test_making_an_unassigned_user_primary_changes_nothing(ops_client, customer, rep_user):
    response = ops_client.post(url("rep_assign", customer.pk), {"action": "primary", "rep": rep_user.pk})
    assert response.status_code == 302
    assert "Nothing was changed" in messages_of(response)[0]
    assert not RepAssignment.objects.exists()
    assert not audit_events().exists()


def test_rep_changes_need_the_edit_permission(client, customer, rep_user):
    login(client, UserFactory(perms=["customers.view", "customers.notes"]))
    response = client.post(url("rep_assign", customer.pk), {"action": "assign", "rep": rep_user.pk})
    assert response.status_code == 403
    assert not RepAssignment.objects.exists()
    assert not audit_events().exists()


@pytest.mark.parametrize("name", ["note_create", "rep_assign"])
def test_post_only_pages_redirect_a_get_to_the_profile(ops_client, customer, name):
    response = ops_client.get(url(name, customer.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(customer.get_absolute_url() + "#")


# Rep scoping --------------------------------------------------------------------------------------------


@pytest.fixture
def assigned(rep_user):
    customer = CustomerFactory(facility_name="Assigned Clinic")
    RepAssignmentFactory(customer=customer, rep=rep_user)
    return customer


@pytest.fixture
def unassigned(db):
    return CustomerFactory(facility_name="Unassigned Clinic")


def test_a_rep_lists_only_assigned_customers(rep_client, assigned, unassigned):
    response = rep_client.get(url("customer_list"))
    assert list(response.context["table"].data) == [assigned]


def test_a_rep_cannot_open_an_unassigned_customer(rep_client, assigned, unassigned):
    assert rep_client.get(assigned.get_absolute_url()).status_code == 200
    assert rep_client.get(unassigned.get_absolute_url()).status_code == 404


def test_a_rep_cannot_touch_notes_of_an_unassigned_customer(rep_client, unassigned):
    note = CustomerNoteFactory(customer=unassigned, body="private")
    assert rep_client.get(url("note_edit", unassigned.pk, note.pk)).status_code == 404
    assert rep_client.get(url("note_delete", unassigned.pk, note.pk)).status_code == 404
    assert rep_client.post(url("note_edit", unassigned.pk, note.pk),
                           {"body": "x", "reason": "x", "version": 1}).status_code == 404
    assert rep_client.post(url("note_create", unassigned.pk), {"body": "x"}).status_code == 404
    note.refresh_from_db()
    assert note.body == "private"
    assert CustomerNote.objects.count() == 1
    assert not audit_events().exists()


def test_a_rep_adds_a_note_to_an_assigned_customer(rep_client, rep_user, assigned):
    assert rep_client.post(url("note_create", assigned.pk), {"body": "Visited today"}).status_code == 302
    assert assigned.notes.get().author == rep_user


def test_a_rep_gets_404_not_403_posting_an_edit_to_an_unassigned_customer(rep_client, unassigned):
    response = rep_client.post(unassigned.get_absolute_url(), edit_data(unassigned, reason="x"))
    assert response.status_code == 404


def test_search_returns_json_and_excludes_customers_a_rep_cannot_see(rep_client, assigned, unassigned):
    response = rep_client.get(url("customer_search"), {"q": "clinic"})
    assert response.status_code == 200
    (result,) = response.json()["results"]
    assert result == {
        "id": assigned.pk, "facility_name": "Assigned Clinic", "address1": assigned.address1,
        "address2": assigned.address2, "city": assigned.city, "state": assigned.state,
        "postal_code": assigned.postal_code, "country": assigned.country, "url": assigned.get_absolute_url(),
        "primary_rep": None,
    }


def test_search_gives_each_customers_primary_rep_for_the_entry_form(admin_client, rep_user):
    """Finding 8: the entry form defaults the rep to the chosen customer's primary rep."""
    customer = CustomerFactory(facility_name="Primary Clinic")
    RepAssignmentFactory(customer=customer, rep=rep_user, is_primary=True)
    (result,) = admin_client.get(url("customer_search"), {"q": "primary"}).json()["results"]
    assert result["primary_rep"] == rep_user.pk


def test_search_returns_at_most_ten(admin_client):
    CustomerFactory.create_batch(12)
    response = admin_client.get(url("customer_search"), {"q": "general"})
    assert len(response.json()["results"]) == 10


# Merge --------------------------------------------------------------------------------------------------


@pytest.fixture
def spellings(admin_user):
    survivor = CustomerFactory(facility_name="Saint Mary Hospital")
    create_entry(actor=admin_user, data=entry_data(facility_name="Saint Mary Hospital", order_number="SO-1"))
    create_entry(actor=admin_user, data=entry_data(facility_name="Saint Mary Hospita", order_number="SO-2"),
                 on_near_duplicate="create")  # a person said "a new customer": the slip to merge later
    duplicate = Customer.objects.get(company_key="SAINTMARYHOSPITA")
    CustomerNoteFactory(customer=duplicate)
    return survivor, duplicate


def test_the_merge_page_suggests_similar_names_and_previews_what_moves(admin_client, spellings):
    survivor, duplicate = spellings
    response = admin_client.get(url("customer_merge", survivor.pk))
    assert response.status_code == 200
    assert [c for c, _ in response.context["suggestions"]] == [duplicate]
    response = admin_client.get(url("customer_merge", survivor.pk), {"duplicate": duplicate.pk})
    preview = response.context["preview"]
    assert (preview.entries, preview.notes, preview.reps) == (1, 1, 0)
    assert "Merge and remove the duplicate" in response.content.decode()


def test_the_merge_page_searches_for_a_duplicate(admin_client, spellings):
    survivor, duplicate = spellings
    response = admin_client.get(url("customer_merge", survivor.pk), {"q": "hospita"})
    assert response.context["results"] == [duplicate]


def test_merging_needs_a_reason(admin_client, spellings):
    survivor, duplicate = spellings
    response = admin_client.post(url("customer_merge", survivor.pk), {"duplicate": duplicate.pk, "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert response.context["preview"].entries == 1
    assert Customer.objects.filter(pk=duplicate.pk).exists()
    assert not AuditEvent.objects.filter(action="customer.merged").exists()


def test_merging_moves_everything_and_redirects_to_the_survivor(admin_client, admin_user, spellings):
    survivor, duplicate = spellings
    response = admin_client.post(url("customer_merge", survivor.pk),
                                 {"duplicate": duplicate.pk, "reason": "same hospital"})
    assert response["Location"] == survivor.get_absolute_url()
    assert "was merged into" in messages_of(response)[0]
    assert not Customer.objects.filter(pk=duplicate.pk).exists()
    assert survivor.distribution_entries.count() == 2
    assert survivor.notes.count() == 1
    event = AuditEvent.objects.get(action="customer.merged")
    assert (event.actor, event.reason) == (admin_user, "same hospital")
    profile = admin_client.get(survivor.get_absolute_url())
    events = list(profile.context["history"].data)
    assert events[0].action == "customer.merged"
    # The duplicate's own history stays reachable from the survivor.
    assert ("customer.created", str(duplicate.pk)) in [(e.action, e.target_id) for e in events]
    assert "SAINTMARYHOSPITA" in profile.content.decode()  # the alias


def test_merging_needs_the_delete_permission(client, spellings):
    survivor, duplicate = spellings
    login(client, UserFactory(perms=["customers.view", "customers.edit", "customers.notes"]))
    response = client.post(url("customer_merge", survivor.pk), {"duplicate": duplicate.pk, "reason": "x"})
    assert response.status_code == 403
    assert "customers.delete" in response.content.decode()
    assert Customer.objects.filter(pk=duplicate.pk).exists()


def test_a_customer_cannot_be_merged_into_itself(admin_client, customer):
    response = admin_client.post(url("customer_merge", customer.pk), {"duplicate": customer.pk, "reason": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["duplicate"]
    assert Customer.objects.filter(pk=customer.pk).exists()


# Every page with exactly its permission -------------------------------------------------------------


@pytest.mark.parametrize(("name", "perm", "status"), [
    ("customer_list", "customers.view", 200),
    ("customer_create", "customers.create", 200),
    ("customer_detail", "customers.view", 200),
    ("note_create", "customers.notes", 302),
    ("note_edit", "customers.notes", 200),
    ("note_delete", "customers.notes", 200),
    ("rep_assign", "customers.edit", 302),
    ("customer_search", "customers.view", 200),
    ("customer_merge", "customers.delete", 200),
])
def test_each_page_opens_with_exactly_its_permission_and_refuses_without(client, name, perm, status):
    note = CustomerNoteFactory()
    args = {"customer_list": (), "customer_create": (), "customer_search": (),
            "note_edit": (note.customer_id, note.pk), "note_delete": (note.customer_id, note.pk)}.get(
        name, (note.customer_id,))
    login(client, UserFactory(perms=[perm, "customers.view_all"]))
    assert client.get(url(name, *args)).status_code == status
    login(client, UserFactory(perms=["customers.view"] if perm != "customers.view" else []))
    assert client.get(url(name, *args)).status_code == 403


def test_lots_received_are_paginated(admin_client, customer):
    for n in range(30):
        DistributionLogEntryFactory(customer=customer, lot_number=f"LOT-{n:02d}")
    first = admin_client.get(customer.get_absolute_url())
    assert len(first.context["lots"]) == 25 and first.context["lots"].paginator.count == 30
    second = admin_client.get(customer.get_absolute_url(), {"lots_page": 2})
    assert len(second.context["lots"]) == 5


def test_a_rep_is_offered_only_themselves_in_the_rep_filter(client, rep_user, roles):
    other = UserFactory(username="other_rep")
    other.groups.add(roles["sales_rep"])
    client.force_login(rep_user)
    choices = list(client.get(url("customer_list")).context["filter"].form.fields["rep"].queryset)
    assert choices == [rep_user]


@pytest.mark.parametrize("sort", ["last_order_date", "-last_order_date", "primary_rep_name", "-primary_rep_name"])
def test_customers_without_orders_or_rep_come_last_in_either_direction(admin_client, admin_user, ops_user, sort):
    for name, day in [("Hospital A", datetime.date(2026, 3, 1)), ("Clinic B", datetime.date(2026, 4, 1))]:
        entry = create_entry(actor=admin_user, data=entry_data(facility_name=name, ship_date=day))
        if not entry.customer.rep_assignments.filter(is_primary=True).exists():
            RepAssignmentFactory(customer=entry.customer, rep=ops_user, is_primary=True)
    CustomerFactory(facility_name="Nothing Yet")
    response = admin_client.get(url("customer_list"), {"sort": sort})
    names = [row.record.facility_name for row in response.context["table"].page.object_list]
    assert names[-1] == "Nothing Yet"
    if sort.endswith("last_order_date"):
        assert names[:2] == (["Hospital A", "Clinic B"] if sort == "last_order_date" else ["Clinic B", "Hospital A"])


def test_paging_through_lots_keeps_the_order_history_page(admin_client, admin_user, customer):
    for n in range(30):
        create_entry(actor=admin_user, data=entry_data(customer=customer, facility_name=customer.facility_name,
                                                       order_number=f"SO-{n}", lot_number=f"L-{n}"))
    html = admin_client.get(customer.get_absolute_url(), {"orders_page": 2}).content.decode()
    assert "orders_page=2&amp;lots_page=2#lots" in html
