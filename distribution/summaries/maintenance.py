"""Keeping the summaries exact: refresh the keys a write touched, grow by imported rows, rebuild,
verify. Each works on every summary alike, from its definition (definitions.py) through the SQL
generated for it (sql.py)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from distribution.models import DistributionLogEntry
from distribution.summaries import sql
from distribution.summaries.definitions import LIVE_ENTRIES, SUMMARIES, Summary

CHUNK = 500


@dataclass
class Touched:
    """The keys of each summary that a write touched (one set per summary, named as the summary). A
    summary of summaries is also touched by its source's keys: customers by the orders' customers."""

    orders: set[tuple[int, str]] = field(default_factory=set)
    customers: set[int] = field(default_factory=set)
    lots: set[str] = field(default_factory=set)
    day_skus: set[tuple[datetime.date, str]] = field(default_factory=set)

    def add(self, *, customer_id: int | None, order_number: str, lot_number: str, ship_date: datetime.date,
            sku: str) -> None:
        """Touch every summary of the entries at this entry's keys (call it for the entry as it was and as
        it is, so a row that moves is refreshed at both places)."""
        values = {"customer_id": customer_id, "order_number": order_number, "lot_number": lot_number,
                  "ship_date": ship_date, "sku": sku}
        for summary in SUMMARIES:
            if summary.source is LIVE_ENTRIES:
                key = tuple(values[k] for k in summary.keys)
                if None not in key:  # a NULL key counts in no row (an entry without a customer is in no order)
                    getattr(self, summary.name).add(key if len(key) > 1 else key[0])

    def add_entry(self, entry: DistributionLogEntry | dict[str, Any]) -> None:
        get = entry.get if isinstance(entry, dict) else (lambda k: getattr(entry, k))
        self.add(customer_id=get("customer_id"), order_number=get("order_number"), lot_number=get("lot_number"),
                 ship_date=get("ship_date"), sku=get("sku"))

    def keys(self, summary: Summary) -> set[sql.Key]:
        """The summary's touched keys as tuples, with those its source summary's keys touch."""
        own = getattr(self, summary.name)
        keys = set(own) if len(summary.keys) > 1 else {(k,) for k in own}
        parent = summary.source.summary
        if parent is not None:
            positions = [parent.keys.index(k) for k in summary.keys]
            keys |= {tuple(key[i] for i in positions) for key in self.keys(parent)}
        return keys


def batched(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    """Lists of up to `size` items (itertools.batched arrives with Python 3.12)."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@transaction.atomic
def refresh_summaries(touched: Touched) -> None:
    """Recompute each touched key of each summary from its source (delete + insert … select), so the
    summaries are exact whatever the kind of write. Summaries of summaries come after their source."""
    for summary in SUMMARIES:
        keys = touched.keys(summary)
        if keys:
            sql.execute(sql.refresh(summary, keys))


@transaction.atomic
def add_new_entries(entry_ids: list[int]) -> None:
    """Fold entries that were just inserted (nothing else changed) into the summaries.

    An import only adds rows, so each summary of the entries grows by the new rows' own aggregates (an
    upsert whose update follows from each aggregate's kind) instead of re-aggregating every touched
    key from the whole table (~3 s for a 100,000-row import). A summary of summaries (a customer's
    order count) cannot grow that way, as a new line may join an existing order: its touched keys are
    recomputed. Either way the result is exact."""
    if not entry_ids:
        return
    for summary, keys in sql.grow(entry_ids).items():
        if keys:
            sql.execute(sql.refresh(summary, keys))


@transaction.atomic
def rebuild_summaries() -> None:
    """Recompute all summaries from scratch (after a bulk load or a restore, or to repair what verify
    reported): one INSERT … SELECT … GROUP BY per table."""
    for summary in SUMMARIES:
        sql.execute(sql.rebuild(summary))


def verify_summaries() -> list[str]:
    """Recompute every summary from the entries; return one line per difference (empty = exact)."""
    problems = []
    exact: set[Summary] = set()
    for summary in SUMMARIES:
        fields = [summary.model._meta.get_field(name) for name in (*summary.keys, *summary.columns)]
        width = len(summary.keys)
        found: dict[str, dict[Any, tuple]] = {"expected": {}, "stored": {}}
        with connection.cursor() as cursor:
            cursor.execute(sql.differences(summary, trust_source=summary.source.summary in exact))
            for *raw, side in cursor:
                row = [f.to_python(value) for f, value in zip(fields, raw, strict=True)]  # SQLite: dates as text
                found[side][tuple(row[:width]) if width > 1 else row[0]] = tuple(row[width:])
        expected, stored = found["expected"], found["stored"]
        for key in sorted(expected.keys() | stored.keys(), key=str):
            problems.append(f"{summary.name} {key}: expected {expected.get(key)}, stored {stored.get(key)}")
        if not (expected or stored):
            exact.add(summary)
    return problems
