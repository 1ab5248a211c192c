"""`make bench`: seed PostgreSQL with N demo entries (once), then measure the pages that matter.

Each figure is the median of several runs of the Django test client (server time, no network),
reported beside the raw SQL time of the query behind it, measured in the same run. The JSON goes
to stdout and to bench/results/latest.json.

    make bench                                  # 1,000,000 entries in database silqeqms_bench
    make bench BENCH_ARGS="--entries 100000"
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time

from bench.timing import ROOT, ensure_database, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/silqeqms_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--only-pages", action="store_true", help="Measure the pages only (no export, import, dashboard).")
    parser.add_argument("--only-recalls", action="store_true", help="Measure the recalls only (bench/recalls.py).")
    parser.add_argument("--only-identity", action="store_true",
                        help="Measure the near-duplicate finder only (bench/identity.py).")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    ensure_database(database_url)
    setup_django(database_url)

    from django.core.management import call_command
    from django.db import DatabaseError, connection
    from django.test import Client

    from bench import pages
    from distribution.demo import seed_demo_entries
    from distribution.models import DistributionLogEntry
    from silqeqms.demo_users import seed_demo_users
    from silqeqms.models import User

    call_command("migrate", verbosity=0)
    call_command("seed_permissions", verbosity=0)
    seed_demo_users()
    have = DistributionLogEntry.objects.count()
    seeded = {}
    if have < args.entries:
        start = time.perf_counter()
        seed_demo_entries(args.entries - have, seed=have + 1)
        seeded = {"seeded_entries": args.entries - have, "seed_seconds": round(time.perf_counter() - start, 1)}
    with connection.cursor() as cursor:
        # Fresh statistics and no dead rows from earlier (rolled-back) import measurements, as autovacuum
        # gives a real database; this machine's server runs with autovacuum off.
        cursor.execute("VACUUM ANALYZE")
        # And the seeding's dirty pages written out now, not by a checkpoint in the middle of a measurement.
        with contextlib.suppress(DatabaseError):  # needs superuser or pg_checkpoint; measure without it
            cursor.execute("CHECKPOINT")
    if args.only_identity:
        from bench import identity

        print(json.dumps({"entries": DistributionLogEntry.objects.count(), **seeded,
                          "identity": identity.run(repeat=args.repeat)}, indent=2, default=str))
        return
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    if args.only_recalls:
        from bench import recalls

        result = {"database": connection.vendor, "entries": DistributionLogEntry.objects.count(), **seeded,
                  "recalls": recalls.run(client=client, user=User.objects.get(username="admin"), repeat=args.repeat)}
        print(json.dumps(result, indent=2, default=str))
        return
    result = {
        "database": connection.vendor, "entries": DistributionLogEntry.objects.count(), **seeded,
        "pages": pages.measure_pages(client, args.repeat),
    }
    if args.only_pages:
        print(json.dumps(result, indent=2, default=str))
        return
    if not args.skip_export:
        probe = subprocess.run([sys.executable, "-m", "bench.export_probe"], cwd=ROOT, capture_output=True, text=True,
                               env={**os.environ}, check=True)
        result["export"] = json.loads(probe.stdout)
    try:
        from bench import dashboard
    except ImportError:
        dashboard = None
    if dashboard is not None:
        result["dashboard"] = dashboard.run(client=client, user=User.objects.get(username="admin"),
                                            repeat=args.repeat)
    from bench import recalls

    result["recalls"] = recalls.run(client=client, user=User.objects.get(username="admin"), repeat=args.repeat)
    from bench import identity

    result["identity"] = identity.run(repeat=args.repeat)
    # Last: the import writes 100k rows and rolls them back, leaving dead rows (vacuumed after).
    probe = subprocess.run([sys.executable, "-m", "bench.import_probe", str(args.import_rows)], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ}, check=True)
    result["import"] = json.loads(probe.stdout.strip().splitlines()[-1])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    text = json.dumps(result, indent=2, default=str)
    (out / "latest.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
