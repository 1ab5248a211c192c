"""The near-duplicate finder against 20,000 customers with realistic names (no numbers to tell them
apart), in a database of its own (`<bench database>_names`, made and seeded once), in a fresh process:
the demo data's names all end in a number, which the finder uses to narrow its search, so on their own
they would flatter it. Prints one JSON line (bench.identity.measure)."""

from __future__ import annotations

import json
import os
import random
import sys

from bench.timing import ensure_database, setup_django

CUSTOMERS = 20_000
KINDS = ["Hospital", "Medical Center", "Surgery Center", "Clinic", "Health System", "Pharmacy", "Family Practice",
         "Orthopedics", "Wound Care Clinic", "Nursing Home", "Regional Medical Center", "Children's Hospital"]


def realistic_names(seed: int, count: int) -> list[str]:
    """Facility names as a customer list has them: surnames, towns, saints, companies, with a kind."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    names, seen = [], set()
    while len(names) < count:
        roll = rng.random()
        if roll < 0.3:
            name = f"{fake.last_name()} {rng.choice(KINDS)}"
        elif roll < 0.55:
            name = f"{fake.city()} {rng.choice(KINDS)}"
        elif roll < 0.7:
            name = f"Saint {fake.first_name()} {rng.choice(KINDS)}"
        elif roll < 0.85:
            name = f"{fake.last_name()} {fake.last_name()} {rng.choice(KINDS)}"
        else:
            name = fake.company()
        if name.upper() not in seen:
            seen.add(name.upper())
            names.append(name)
    return names


def _seed() -> None:
    from django.core.management import call_command
    from django.db import connection

    from customers.models import Customer
    from customers.services import find_or_create_customers

    call_command("migrate", verbosity=0)
    if Customer.objects.count() < CUSTOMERS:
        names = realistic_names(1, CUSTOMERS * 2)
        records = [{"facility_name": name} for name in names]
        find_or_create_customers(records=records[: CUSTOMERS - Customer.objects.count()], actor=None,
                                 reason="benchmark names")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE customers_customer")


def main() -> None:
    url = os.environ["DATABASE_URL"]
    names_url = f"{url}_names"
    ensure_database(names_url)
    setup_django(names_url)
    _seed()
    from bench.identity import measure
    from customers.models import Customer

    existing = list(Customer.objects.order_by("pk").values_list("facility_name", flat=True)[:CUSTOMERS])
    print(json.dumps(measure(existing, fresh=realistic_names(2, 400), repeat=int(sys.argv[1]) if len(sys.argv) > 1
                             else 3)))


if __name__ == "__main__":
    main()
