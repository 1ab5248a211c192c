"""The mechanics: SQL statements generated from the summary definitions (definitions.py).

PostgreSQL and SQLite (≥ 3.35) run the same statements. They differ only in how a list of keys or
ids reaches the server (arrays unnested on PostgreSQL, one JSON text read by json_each on SQLite),
in the two-argument minimum and maximum (LEAST/GREATEST; min/max), and in that PostgreSQL grows all
summaries by new rows in one statement (data-modifying CTEs reading the new rows once).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from django.db import connection, models

from distribution.summaries.definitions import LIVE_ENTRIES, SUMMARIES, Aggregate, Summary

Statement = tuple[str, list[Any]]
Key = tuple[Any, ...]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _table(model: type[models.Model]) -> str:
    return model._meta.db_table


def _names(columns: Sequence[str]) -> str:
    return ", ".join(columns)


def _key_conditions(summary: Summary) -> list[str]:
    """A source row whose key is NULL counts in no row of the summary."""
    model = summary.source.model
    return [f"{key} IS NOT NULL" for key in summary.keys if model._meta.get_field(key).null]


def aggregate(summary: Summary, *, rows: str = "", where: Sequence[str] = ()) -> str:
    """SELECT the key columns and each aggregate, named as the summary's column, of the counted source
    rows. `rows` replaces the source table by a relation of rows that already meet the source's
    conditions (the new rows, or another summary's expected rows)."""
    conditions = [*where, *([] if rows else summary.source.where), *_key_conditions(summary)]
    keys = _names(summary.keys)
    values = ", ".join(f"{a.function}({a.column}) AS {name}" for name, a in summary.columns.items())
    return (f"SELECT {keys}, {values} FROM {rows or _table(summary.source.model)} "
            f"WHERE {' AND '.join(conditions) or 'true'} GROUP BY {keys}")


def _insert(summary: Summary) -> str:
    return f"INSERT INTO {_table(summary.model)} AS s ({_names([*summary.keys, *summary.columns])})"


def _key_relation(summary: Summary, keys: Collection[Key]) -> Statement:
    """The given keys as a relation with the summary's key column names, and its parameters."""
    if _postgres():
        types = [summary.model._meta.get_field(k).db_type(connection) for k in summary.keys]
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        return (f"SELECT DISTINCT * FROM unnest({arrays}) AS k({_names(summary.keys)})",
                [list(column) for column in zip(*keys, strict=True)])
    columns = ", ".join(f"json_extract(value, '$[{i}]') AS {k}" for i, k in enumerate(summary.keys))
    return f"SELECT DISTINCT {columns} FROM json_each(%s)", [json.dumps([list(k) for k in keys], default=str)]


def refresh(summary: Summary, keys: Collection[Key]) -> list[Statement]:
    """Delete the summary's rows for these keys and aggregate them again from the source."""
    relation, params = _key_relation(summary, keys)
    names = _names(summary.keys)
    member = f"({names}) IN (SELECT {names} FROM ({relation}) k)"
    return [(f"DELETE FROM {_table(summary.model)} WHERE {member}", params),
            (f"{_insert(summary)} {aggregate(summary, where=[member])}", params)]


def rebuild(summary: Summary) -> list[Statement]:
    return [(f"DELETE FROM {_table(summary.model)}", []), (f"{_insert(summary)} {aggregate(summary)}", [])]


def _expected(summary: Summary) -> str:
    """The summary as the entries make it, trusting no stored table."""
    parent = summary.source.summary
    return aggregate(summary, rows=f"({_expected(parent)}) src" if parent else "")


def differences(summary: Summary, *, trust_source: bool) -> str:
    """The rows that differ between the summary as its source makes it and as stored, each marked
    'expected' or 'stored' (a row in only one of the two). The comparison runs in the database; only
    differences come back. A summary of summaries is computed from its source's stored rows when
    those were found exact (`trust_source`), else from its source's expected rows."""
    parent = summary.source.summary
    rows = f"({_expected(parent)}) src" if parent and not trust_source else ""
    columns = _names([*summary.keys, *summary.columns])
    return (f"SELECT {columns}, MIN(side) FROM ("
            f"SELECT e.*, 'expected' AS side FROM ({aggregate(summary, rows=rows)}) e "
            f"UNION ALL SELECT {columns}, 'stored' FROM {_table(summary.model)}) u "
            f"GROUP BY {columns} HAVING COUNT(*) = 1")


# Growth by new rows ----------------------------------------------------------------------------

GROWN = tuple(s for s in SUMMARIES if s.source is LIVE_ENTRIES)
DERIVED = tuple(s for s in SUMMARIES if s.source.summary is not None)


def _combined(name: str, aggregate: Aggregate) -> str:
    if aggregate.combine == "add":
        return f"s.{name} + excluded.{name}"
    least, greatest = ("LEAST", "GREATEST") if _postgres() else ("min", "max")  # SQLite: multi-argument min()
    function = {"least": least, "greatest": greatest}[aggregate.combine]
    return f"{function}(s.{name}, excluded.{name})"


def _upsert(summary: Summary) -> str:
    """Add the new rows' own aggregates to the stored ones (Sum and Count add; Min and Max keep the
    least and the greatest): exact when rows are only added."""
    updates = ", ".join(f"{name} = {_combined(name, a)}" for name, a in summary.columns.items())
    return (f"{_insert(summary)} {aggregate(summary, rows='new')} "
            f"ON CONFLICT ({_names(summary.keys)}) DO UPDATE SET {updates}")


def _new_rows(entry_ids: Sequence[int]) -> Statement:
    """The new entries that count, with the columns the grown summaries read."""
    columns = sorted({c for s in GROWN for c in (*s.keys, *(a.column for a in s.columns.values()))} - {"*"})
    if _postgres():
        member, param = "id = ANY(%s::bigint[])", list(entry_ids)
    else:
        member, param = "id IN (SELECT value FROM json_each(%s))", json.dumps(list(entry_ids))
    conditions = " AND ".join([member, *LIVE_ENTRIES.where])
    return f"SELECT {_names(columns)} FROM {_table(LIVE_ENTRIES.model)} WHERE {conditions}", [param]


def _root(summary: Summary) -> Summary:
    while summary.source.summary is not None:
        summary = summary.source.summary
    return summary


def _derived_keys(summary: Summary) -> str:
    """The keys of a summary of summaries that the new rows touch (its keys are a part of its source's)."""
    conditions = " AND ".join(_key_conditions(_root(summary))) or "true"
    return f"SELECT DISTINCT {_names(summary.keys)} FROM new WHERE {conditions}"


def grow(entry_ids: Sequence[int]) -> dict[Summary, set[Key]]:
    """Add the new entries to every summary of the entries; return the keys of each summary of
    summaries they touched (to be refreshed, since a new line may join an existing order)."""
    new, params = _new_rows(entry_ids)
    touched: dict[Summary, set[Key]] = {}
    with connection.cursor() as cursor:
        if _postgres():
            # One statement: the new rows are read once; data-modifying CTEs all run to completion.
            upserts = "".join(f", {s.name} AS ({_upsert(s)})" for s in GROWN)
            arrays = [f"ARRAY(SELECT {k} FROM ({_derived_keys(s)}) d ORDER BY {_names(s.keys)})"
                      for s in DERIVED for k in s.keys]
            cursor.execute(f"WITH new AS MATERIALIZED ({new}){upserts} SELECT {', '.join(arrays) or 1}", params)
            row = list(cursor.fetchone())
            for s in DERIVED:
                columns, row = row[:len(s.keys)], row[len(s.keys):]
                touched[s] = set(zip(*columns, strict=True))
            return touched
        for s in GROWN:
            cursor.execute(f"WITH new AS ({new}) {_upsert(s)}", params)
        for s in DERIVED:
            cursor.execute(f"WITH new AS ({new}) {_derived_keys(s)}", params)
            touched[s] = set(cursor.fetchall())
    return touched


def execute(statements: Sequence[Statement]) -> None:
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
