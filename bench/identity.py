"""Customer identity benchmark, called by `make bench` (bench/__main__.py) as `run(repeat=…)`.

The near-duplicate finder (customers.matching) at 20,000 customers on PostgreSQL, twice:

- `demo`: the bench database's own customers (seeded with the entries). Their names all end in a
  number, and only names with the same numbers can be near-duplicates, so the finder reads few rows.
- `realistic`: 20,000 customers named as real lists name them (surnames, towns, saints, companies;
  no numbers), in a database of their own (bench/identity_probe.py), where every check goes through
  the trigram index.

Each reports `check_ms`, one check as the entry form makes it before creating a customer (median over
close spellings and unrelated names), and `preview_500_s`, a CSV preview whose 500 rows name 500 new
facilities, each checked (median of `repeat` runs). Targets (issue 13): ≤ 50 ms and ≤ 3 s.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.timing import ROOT

TARGET_CHECK_MS = 50.0
TARGET_PREVIEW_S = 3.0
NEW_NAMES = 500
CHECKS = 200


def _variant(name: str, rng: random.Random) -> str:
    """A close spelling of an existing name: a letter dropped, or the words turned round."""
    words = name.split()
    if len(words) > 2 and rng.random() < 0.5:
        return " ".join([*words[1:], words[0]])
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1:]


def _names(existing: list[str], fresh: list[str], count: int, rng: random.Random) -> list[str]:
    """Half close spellings of existing customers, half names no customer has."""
    close = [_variant(name, rng) for name in rng.sample(existing, count // 2)]
    return [name for pair in zip(close, rng.sample(fresh, count - count // 2), strict=False) for name in pair]


def measure(existing: list[str], *, fresh: list[str], repeat: int) -> dict[str, Any]:
    from django.db import connection

    from customers.matching import similar_customers_of
    from customers.models import Customer
    from distribution.imports.use_cases import preview_csv_file

    rng = random.Random(13)
    checks = _names(existing, fresh, CHECKS, rng)
    similar_customers_of(checks[0])  # warm up
    samples, found = [], 0
    for name in checks:
        start = time.perf_counter()
        found += bool(similar_customers_of(name))
        samples.append((time.perf_counter() - start) * 1000)

    header = "ship_date,order_number,facility_name,city,state,country,sku,lot_number,quantity\n"
    names = _names(existing, fresh * (NEW_NAMES // len(fresh) + 1), NEW_NAMES, rng)
    rows = [f"2026-03-02,BENCH-ID-{i},{name.replace(',', ' ')},Austin,TX,US,211810SPT,L1,1"
            for i, name in enumerate(names)]
    data = (header + "\n".join(rows) + "\n").encode()
    preview_s, plan = [], None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        plan = preview_csv_file(name="bench-identity.csv", data=data).plan
        preview_s.append(time.perf_counter() - start)
    check_ms = round(statistics.median(samples), 1)
    preview = round(statistics.median(preview_s), 2)
    return {
        "database": connection.vendor,
        "customers": Customer.objects.count(),
        "check_ms": check_ms,
        "check_p95_ms": round(sorted(samples)[int(len(samples) * 0.95)], 1),
        "checks_with_a_close_customer": f"{found} of {len(checks)} (half the names are close spellings)",
        "preview_500_s": preview,
        "preview_new_facilities": len(plan.new_customers) if plan else 0,
        "preview_close_facilities": len(plan.close_customers) if plan else 0,
        "meets_targets": check_ms <= TARGET_CHECK_MS and preview <= TARGET_PREVIEW_S,
    }


def run(*, repeat: int = 3) -> dict[str, Any]:
    from customers.models import Customer

    existing = list(Customer.objects.order_by("pk").values_list("facility_name", flat=True))
    rng = random.Random(7)
    fresh = [f"Bench {rng.choice(['North', 'South', 'East', 'West'])} Clinic {n}" for n in range(1000)]
    probe = subprocess.run([sys.executable, "-m", "bench.identity_probe", str(repeat)], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ}, check=True)
    return {
        "targets": {"check_ms": TARGET_CHECK_MS, "preview_500_s": TARGET_PREVIEW_S},
        "demo": measure(existing, fresh=fresh, repeat=repeat),
        "realistic": json.loads(probe.stdout.strip().splitlines()[-1]),
    }
