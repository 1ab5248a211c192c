"""Page and import measurements for `make bench` (see bench/__main__.py)."""

from __future__ import annotations

import datetime
import hashlib
import io
import random
import time

from django.db import connection, transaction
from django.urls import reverse

from bench.timing import median_ms, raw_sql_ms


def _page(client, url: str, params: dict | None = None):
    def run():
        response = client.get(url, params or {})
        assert response.status_code == 200, (url, response.status_code)
        response.content  # noqa: B018 - render fully

    return run


def _sql_for(queryset) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def measure_pages(client, repeat: int) -> dict:
    from distribution.models import DistributionLogEntry, LotSummary
    from distribution.selectors import entry_list, lot_trace_entries
    from silqeqms.models import User

    admin = User.objects.get(username="admin")
    base = entry_list(admin)
    busiest_lot = LotSummary.objects.exclude(lot_number="").order_by("-entries").values_list("lot_number",
                                                                                             flat=True).first()
    total = DistributionLogEntry.objects.count()
    deep_page = max(1, min(10_000, total // 50 // 2))
    url = reverse("distribution:entry_list")
    filters = {"sku": "211810SPT", "ship_date_from": "2026-01-01", "ship_date_to": "2026-06-30"}
    filtered = base.filter(sku="211810SPT", ship_date__gte="2026-01-01", ship_date__lte="2026-06-30")
    results = {}
    cases = [
        ("list_first_page", _page(client, url), base[:50], base),
        ("list_filtered", _page(client, url, filters), filtered[:50], filtered),
        ("list_deep_page", _page(client, url, {"page": deep_page}), base[(deep_page - 1) * 50: deep_page * 50], base),
    ]
    if busiest_lot:
        lot_qs = lot_trace_entries(admin, busiest_lot)
        cases.append(("lot_trace", _page(client, reverse("distribution:lot_trace", args=[busiest_lot])),
                      lot_qs[:100], lot_qs))
    for name, fetch, page_qs, count_qs in cases:
        sql, params = _sql_for(page_qs)
        count_sql, count_params = _sql_for(count_qs.order_by().values("id"))
        results[name] = {
            "server_ms": median_ms(fetch, repeat),
            "raw_sql_page_ms": raw_sql_ms(sql, params, repeat),
            "raw_sql_count_ms": raw_sql_ms(f"SELECT COUNT(*) FROM ({count_sql}) t", count_params, repeat),
        }
    results["deep_page_number"] = deep_page
    results["busiest_lot"] = busiest_lot
    return results


def _rows_written(entry_ids: list[int], batch_id: str) -> tuple:
    """The entry and audit rows an import wrote, exactly as stored (read back before the rollback)."""
    from distribution.models import DistributionLogEntry
    from silqeqms.models import AuditEvent

    tables = []
    for model, where, param in ((DistributionLogEntry, "id = ANY(%s)", list(entry_ids)),
                                (AuditEvent, "batch_id = %s", batch_id)):
        fields = model._meta.concrete_fields
        columns = [f.column for f in fields]
        # JSON columns as their text, which COPY reads back as is.
        select = ", ".join(f"{f.column}::text" if f.get_internal_type() == "JSONField" else f.column for f in fields)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {select} FROM {model._meta.db_table} WHERE {where}", [param])
            tables.append((model._meta.db_table, columns, cursor.fetchall()))
    return tables, list(entry_ids)


def _floor_seconds(tables: list, entry_ids: list[int]) -> float:
    """PostgreSQL's own floor for the same import: the same entry and audit rows stored by plain COPY into
    the same tables (same indexes and triggers), then the summaries grown by the same set-based SQL the
    import runs — no Python per row. Rolled back."""
    from distribution.summaries import add_new_entries

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            start = time.perf_counter()
            with connection.cursor() as cursor:
                for table, columns, rows in tables:
                    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            add_new_entries(entry_ids)
            seconds = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return round(seconds, 2)


def bench_csv(rows: int) -> bytes:
    """`rows` new rows for 2,000 facilities, as the import benchmarks use them."""
    rng = random.Random(7)
    buffer = io.StringIO()
    buffer.write("ship_date,order_number,facility_name,address1,city,state,postal_code,country,sku,lot_number,"
                 "quantity,rep\n")
    start_day = datetime.date(2026, 1, 1)
    for i in range(rows):
        day = start_day + datetime.timedelta(days=rng.randrange(300))
        buffer.write(f"{day.isoformat()},BENCH-{i // 3},Bench Facility {i % 2000},{i} Bench Rd,Austin,TX,78701,US,"
                     f"211810SPT,BL{i % 500},{1 + i % 9},rep\n")
    return buffer.getvalue().encode()


def measure_import(rows: int) -> dict:
    """Parse and import a CSV of `rows` new rows in one transaction, then roll it back; then the same
    file through the pages (bench.import_requests), rolled back too."""
    from bench import import_requests
    from distribution.imports.csv_file import parse_distribution_csv
    from distribution.imports.rows import csv_rows_to_lines
    from distribution.imports.writer import import_entries
    from silqeqms.audit import audit_batch
    from silqeqms.models import User

    data = bench_csv(rows)
    actor = User.objects.get(username="admin")

    class Rollback(Exception):
        pass

    timings = {}
    start = time.perf_counter()
    parsed = parse_distribution_csv(data)
    timings["parse_s"] = round(time.perf_counter() - start, 2)
    try:
        with transaction.atomic(), audit_batch() as batch:
            t0 = time.perf_counter()
            result = import_entries(actor=actor, rows=csv_rows_to_lines(parsed.rows), source="csv",
                                    reason="benchmark (rolled back)", file_name="bench.csv",
                                    sha256=hashlib.sha256(data).hexdigest())
            timings["import_s"] = round(time.perf_counter() - t0, 2)
            timings["created"] = result.created
            written = _rows_written(result.entry_ids, batch.batch_id) if connection.vendor == "postgresql" else None
            raise Rollback
    except Rollback:
        pass
    if written is not None:
        timings["floor_s"] = _floor_seconds(*written)
        timings["import_over_floor"] = round(timings["import_s"] / timings["floor_s"], 2)
    timings["total_s"] = round(timings["parse_s"] + timings["import_s"], 2)
    timings["rows"] = rows
    timings["database"] = connection.vendor
    timings["requests"] = import_requests.measure(csv_data=data, user=actor)
    return timings
