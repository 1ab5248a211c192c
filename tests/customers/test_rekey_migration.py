"""customers/migrations/0004: every stored key and alias recomputed for every script; customers whose keys
become equal are kept apart (never merged) and listed for a person; reversible."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from customers.models import Customer, CustomerAlias
from customers.selectors import possible_duplicates

BEFORE = ("customers", "0003_identity_match_words_and_merged_customers")
AFTER = ("customers", "0004_rekey_every_script")


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture
def seeded_with_the_seed_rule(db):
    """Customers and an alias as the seed's key rule stored them."""
    apps = migrate_to(BEFORE)
    HistoricalCustomer = apps.get_model("customers", "Customer")
    HistoricalAlias = apps.get_model("customers", "CustomerAlias")
    rows = {
        "Ost Clinic": "OSTCLINIC",
        "Øst Clinic": "STCLINIC",  # Ø was dropped: the seed rule read it as "St Clinic"
        "Поликлиника №1": "NO1",  # every Cyrillic letter dropped
        "Straße Klinik": "STRASSEKLINIK",
        "Saint Mary Hospital": "SAINTMARYHOSPITAL",
    }
    made = {name: HistoricalCustomer.objects.create(facility_name=name, company_key=key) for name, key in rows.items()}
    HistoricalAlias.objects.create(key="STMARYSHOSP", facility_name="St Mary's Hosp",
                                   customer=made["Saint Mary Hospital"])
    # A spelling merged into Saint Mary's once, whose Ø the seed rule dropped too.
    HistoricalAlias.objects.create(key="STRECLINIC", facility_name="Østre Clinic", customer=made["Saint Mary Hospital"])
    return {name: c.pk for name, c in made.items()}


@pytest.mark.django_db(transaction=True)
def test_the_migration_recomputes_keys_keeps_colliding_customers_apart_and_reports_them(
        seeded_with_the_seed_rule, capsys, admin_client):
    ids = seeded_with_the_seed_rule
    migrate_to(AFTER)
    keys = dict(Customer.objects.values_list("pk", "company_key"))
    assert keys[ids["Ost Clinic"]] == "OSTCLINIC"  # its key was already right: it keeps it
    assert keys[ids["Øst Clinic"]] == f"OSTCLINIC~{ids['Øst Clinic']}"  # set apart, not merged
    assert keys[ids["Поликлиника №1"]] == "POLIKLINIKANO1"
    assert keys[ids["Straße Klinik"]] == "STRASSEKLINIK"
    assert set(CustomerAlias.objects.values_list("key", flat=True)) == {"STMARYSHOSP", "OSTRECLINIC"}
    assert Customer.objects.get(pk=ids["Saint Mary Hospital"]).match_words == "HOSPITAL MARY SAINT"
    report = capsys.readouterr().out
    assert f"#{ids['Øst Clinic']} now has the key OSTCLINIC of #{ids['Ost Clinic']}" in report

    call_command("migrate", verbosity=0)
    (pair,) = possible_duplicates()
    assert (pair.key, pair.holder.pk, pair.other.pk) == ("OSTCLINIC", ids["Ost Clinic"], ids["Øst Clinic"])
    call_command("customer_duplicates")
    listed = capsys.readouterr().out
    assert f"#{ids['Ost Clinic']} “Ost Clinic” and #{ids['Øst Clinic']} “Øst Clinic”" in listed
    page = admin_client.get(reverse("customers:customer_list")).content.decode()
    assert "1 pair of customers may be one facility" in page
    assert f"/admin/customers/{ids['Ost Clinic']}/merge/?duplicate={ids['Øst Clinic']}" in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_is_reversible(seeded_with_the_seed_rule):
    ids = seeded_with_the_seed_rule
    migrate_to(AFTER)
    apps = migrate_to(BEFORE)
    keys = dict(apps.get_model("customers", "Customer").objects.values_list("pk", "company_key"))
    assert keys == {ids["Ost Clinic"]: "OSTCLINIC", ids["Øst Clinic"]: "STCLINIC", ids["Поликлиника №1"]: "NO1",
                    ids["Straße Klinik"]: "STRASSEKLINIK", ids["Saint Mary Hospital"]: "SAINTMARYHOSPITAL"}
    aliases = set(apps.get_model("customers", "CustomerAlias").objects.values_list("key", flat=True))
    assert aliases == {"STMARYSHOSP", "STRECLINIC"}
    call_command("migrate", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_going_back_keeps_a_key_the_seed_rule_cannot_give(db):
    call_command("migrate", verbosity=0)
    tokyo = Customer.objects.create(facility_name="東京病院", company_key="DONGJINGBINGYUAN")
    apps = migrate_to(BEFORE)
    assert apps.get_model("customers", "Customer").objects.get(pk=tokyo.pk).company_key == "DONGJINGBINGYUAN"
    call_command("migrate", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_merging_a_set_apart_pair_gives_the_survivor_its_plain_key(seeded_with_the_seed_rule, admin_user):
    from distribution.merge import merge_customers

    ids = seeded_with_the_seed_rule
    call_command("migrate", verbosity=0)
    holder, other = Customer.objects.get(pk=ids["Ost Clinic"]), Customer.objects.get(pk=ids["Øst Clinic"])
    merge_customers(actor=admin_user, survivor=other, duplicate=holder, reason="one clinic")
    other.refresh_from_db()
    assert other.company_key == "OSTCLINIC"
    assert possible_duplicates() == []
