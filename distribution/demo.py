"""Realistic demo distribution data (`manage.py seed_demo`); the demo users are silqeqms.demo_users."""

from __future__ import annotations

from silqeqms.audit import record_event
from silqeqms.models import User

SKUS = ["211810SPT", "211812SPT", "211815SPT", "211820SPT", "311400KIT", "311410KIT", "411000DRP", "411005DRP",
        "511200CTH", "511210CTH", "611000SET", "611050SET"]
FACILITY_WORDS = ["General", "Memorial", "Regional", "Saint Mary", "Mercy", "University", "Children's", "Baptist",
                  "Methodist", "Community", "Valley", "Lakeside", "Riverside", "Sacred Heart", "Good Samaritan"]
FACILITY_KINDS = ["Hospital", "Medical Center", "Surgery Center", "Clinic", "Health System", "Surgical Hospital"]
CITIES = [("Austin", "TX", "787"), ("Dallas", "TX", "752"), ("Houston", "TX", "770"), ("Phoenix", "AZ", "850"),
          ("Denver", "CO", "802"), ("Chicago", "IL", "606"), ("Columbus", "OH", "432"), ("Atlanta", "GA", "303"),
          ("Nashville", "TN", "372"), ("Portland", "OR", "972"), ("Boston", "MA", "021"), ("Miami", "FL", "331"),
          ("Seattle", "WA", "981"), ("Omaha", "NE", "681"), ("Tampa", "FL", "336"), ("Raleigh", "NC", "276")]
STREETS = ["Main St", "Oak Ave", "Medical Pkwy", "Health Dr", "Center Blvd", "University Ave", "Lake Rd"]


def seed_demo_entries(count: int, *, seed: int, stdout=None) -> str:
    """N realistic entries: skewed customers, multi-line orders, ~5,000 lots, a dozen SKUs, three years.

    Demo data is bulk-loaded (COPY on PostgreSQL), not written row by row through the services: one
    `demo.seeded` audit event records the load, and the summaries are rebuilt from the entries.
    """
    import datetime
    import itertools
    import random

    from django.db import connection, transaction

    from customers.keys import canonical_customer_key
    from customers.matching import match_columns
    from customers.models import Customer, CustomerNote, RepAssignment
    from distribution.models import DistributionLogEntry
    from distribution.summaries import rebuild_summaries

    rng = random.Random(seed)
    reps = list(User.objects.filter(groups__name="sales_rep").order_by("username"))
    admin = User.objects.filter(username="admin").first()
    n_customers = max(5, min(20_000, count // 50))
    start_ordinal = datetime.date(2024, 1, 2).toordinal()
    span_days = (datetime.date(2026, 11, 20) - datetime.date(2024, 1, 2)).days
    lots_per_sku = max(1, min(5_000, count // 20) // len(SKUS))
    with transaction.atomic():
        existing = set(Customer.objects.values_list("company_key", flat=True))
        customers = []
        i = 0
        while len(customers) < n_customers:
            i += 1
            city, state, zip3 = rng.choice(CITIES)
            name = f"{rng.choice(FACILITY_WORDS)} {rng.choice(FACILITY_KINDS)} of {city} {i}"
            key = canonical_customer_key(name)
            if key in existing:
                continue
            existing.add(key)
            customers.append(Customer(company_key=key, facility_name=name, **match_columns(name),
                                      city=city, state=state,
                                      address1=f"{rng.randint(100, 9999)} {rng.choice(STREETS)}",
                                      postal_code=f"{zip3}{rng.randint(10, 99)}", country="US",
                                      phone=f"555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"))
        Customer.objects.bulk_create(customers, batch_size=2000)
        customers = list(Customer.objects.filter(company_key__in=[c.company_key for c in customers]))
        if reps:
            RepAssignment.objects.bulk_create(
                [RepAssignment(customer=c, rep=reps[n % len(reps)], is_primary=True, assigned_by=admin)
                 for n, c in enumerate(customers)], batch_size=2000)
        if admin:
            CustomerNote.objects.bulk_create(
                [CustomerNote(customer=c, author=admin, body=rng.choice(
                    ["Prefers deliveries before 10 am.", "Receiving dock on the north side.",
                     "Purchasing contact changed in Q2.", "Evaluating the 311400KIT."]))
                 for c in customers[: max(1, len(customers) // 10)]], batch_size=2000)
        rep_of = {c.pk: reps[n % len(reps)].pk if reps else None for n, c in enumerate(customers)}
        # A few big customers and a long tail; cumulative weights once, so each draw is a bisection.
        cum_weights = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(customers))))
        now = datetime.datetime.now(datetime.UTC)
        rows = []
        order_seq = DistributionLogEntry.objects.count() + 100_000
        orders = []
        lines = 0
        while lines < count:
            customer = rng.choices(customers, cum_weights=cum_weights)[0]
            ship = datetime.date.fromordinal(start_ordinal + rng.randrange(span_days))
            n_lines = min(rng.choice([1, 1, 2, 2, 3, 4]), count - lines)
            orders.append((ship, customer, n_lines))
            lines += n_lines
        # A real log grows in shipping order: entry ids and order numbers rise with the ship date.
        orders.sort(key=lambda order: order[0])
        for ship, customer, n_lines in orders:
            order_seq += 1
            for _ in range(n_lines):
                sku = rng.choice(SKUS)
                lot = f"L{SKUS.index(sku):02d}{ship.year % 100:02d}{rng.randrange(lots_per_sku):03d}"
                pending = rng.random() < 0.002
                rows.append((ship, f"SO-{order_seq}", customer.pk, customer.facility_name, customer.address1, "",
                             customer.city, customer.state, customer.postal_code, "US", sku, "",
                             "" if pending else lot, rng.choice([1, 1, 2, 5, 10, 12, 24]), rep_of[customer.pk],
                             "manual", None, "needs_review" if pending else "active", "", "", None, None, now, None,
                             now, None, 1, None, None, ""))
        columns = ["ship_date", "order_number", "customer_id", "facility_name", "address1", "address2", "city",
                   "state", "postal_code", "country", "sku", "udi_di", "lot_number", "quantity", "rep_id", "source",
                   "external_ref", "status", "notes", "void_reason", "voided_at", "voided_by_id", "created_at",
                   "created_by_id", "updated_at", "updated_by_id", "version", "source_document_id", "expiry_date",
                   "serial_number"]
        table = DistributionLogEntry._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
                for i in range(0, len(rows), 5000):
                    cursor.executemany(sql, rows[i:i + 5000])
        rebuild_summaries()
        record_event(actor=None, action="demo.seeded", target_type="distribution.distributionlogentry",
                     target_repr="demo data", reason="seed_demo",
                     data={"entries": len(rows), "customers": len(customers), "seed": seed})
    return f"Added {len(rows):,} demo entries for {len(customers):,} customers."
