"""Recompute every customer key and merge alias with the key rule for every script (customers.keys), and
fill Customer.match_words and match_designators for the near-duplicate finder.

Two customers whose keys the new rule makes equal are NOT merged: the one whose stored key already was
the new key keeps it (else the older one), and the other's key becomes "<key>~<its id>" — a key no
name produces, so nothing links to it by accident, and `manage.py customer_duplicates` and the customer
list's banner show the pair for a person to merge (or rename). An alias is set apart the same way
("<key>~<its customer's id>"). Each collision is reported as the migration runs.

Reversible: going back recomputes the seed's rule (frozen below); a key that rule cannot give (a name
with no Latin letters) or that another row already holds stays as it is.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import migrations

KEY_MAX_LENGTH = 255


def _set_apart(key: str, owner_id: int) -> str:
    suffix = f"~{owner_id}"
    return key[:KEY_MAX_LENGTH - len(suffix)] + suffix


def _computed(compute, name, stored):
    try:
        return (compute(name) if name else None) or stored
    except ValidationError:
        return stored


def _assign(rows, compute, *, keep_when_free: bool):
    """rows: [(pk, name, stored key)] → ({pk: new key}, [(key, holder pk, set-apart pk)]).
    A row whose stored key already is its new key keeps it first; then the others, oldest first."""
    wanted = {pk: _computed(compute, name, stored) for pk, name, stored in rows}
    wanted_keys = set(wanted.values())
    holder, result, collisions = {}, {}, []
    for pk, _name, stored in sorted(rows, key=lambda row: (wanted[row[0]] != row[2], row[0])):
        key = wanted[pk]
        if key in holder:
            collisions.append((key, holder[key], pk))
            free = stored not in holder and stored not in wanted_keys
            key = stored if keep_when_free and free else _set_apart(key, pk)
        holder[key] = pk
        result[pk] = key
    return result, collisions


def _write(model, field, new_values):
    """Two passes (temporary keys first), so swapping keys between rows never trips the unique index."""
    current = dict(model.objects.values_list("pk", field))
    changed = {pk: key for pk, key in new_values.items() if current.get(pk) != key}
    for pass_values in ({pk: f"~migrating~{pk}" for pk in changed}, changed):
        objs = [model(pk=pk, **{field: key}) for pk, key in pass_values.items()]
        model.objects.bulk_update(objs, [field], batch_size=1000)
    return len(changed)


def _rekey(apps, compute, *, keep_when_free: bool, words=None):
    Customer = apps.get_model("customers", "Customer")
    CustomerAlias = apps.get_model("customers", "CustomerAlias")
    customers = list(Customer.objects.order_by("pk").values_list("pk", "facility_name", "company_key"))
    keys, collisions = _assign(customers, compute, keep_when_free=keep_when_free)
    changed = _write(Customer, "company_key", keys)
    if words is not None:
        objs = [Customer(pk=pk, **words(name)) for pk, name, _ in customers]
        Customer.objects.bulk_update(objs, ["match_words", "match_designators"], batch_size=1000)
    # Aliases after every customer key: an alias equal to another customer's key is set apart too.
    customer_of_key = {key: pk for pk, key in keys.items()}
    alias_holder, alias_keys = {}, {}
    for pk, name, stored, owner in CustomerAlias.objects.order_by("pk").values_list(
            "pk", "facility_name", "key", "customer_id"):
        key = _computed(compute, name, stored)
        holder = customer_of_key.get(key, alias_holder.get(key))
        if holder is not None and holder != owner:
            collisions.append((key, holder, owner))
            free = stored not in alias_holder and stored not in customer_of_key
            key = stored if keep_when_free and free else _set_apart(key, owner)
        if key in alias_holder:  # another alias of the same customer says the same: keep both rows
            key = _set_apart(key, pk)
        alias_holder[key] = owner
        alias_keys[pk] = key
    changed += _write(CustomerAlias, "key", alias_keys)
    return changed, collisions


def _new_rule(name):
    from customers.keys import canonical_customer_key

    return canonical_customer_key(name)


def _match_columns(name):
    from customers.matching import match_columns

    return match_columns(name)


def _seed_rule(name):
    """The seed's key rule, frozen: NFKD, drop accents, upper-case, A–Z and 0–9 (digits alone refused)."""
    folded = unicodedata.normalize("NFKD", name or "")
    key = re.sub(r"[^A-Z0-9]", "", "".join(ch for ch in folded if not unicodedata.combining(ch)).upper())
    return key if key and not key.isdigit() else None


def forwards(apps, schema_editor):
    changed, collisions = _rekey(apps, _new_rule, keep_when_free=False, words=_match_columns)
    if changed or collisions:
        print(f"\n  customers: {changed} key(s) recomputed for every script.")
    for key, holder, apart in collisions:
        print(f"  customers: #{apart} now has the key {key} of #{holder}; kept apart as a possible duplicate "
              "(manage.py customer_duplicates).")


def backwards(apps, schema_editor):
    _rekey(apps, _seed_rule, keep_when_free=True)


class Migration(migrations.Migration):

    dependencies = [("customers", "0003_identity_match_words_and_merged_customers")]

    operations = [migrations.RunPython(forwards, backwards)]
