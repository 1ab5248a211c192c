"""Fast bulk inserts: COPY on PostgreSQL (ids allocated from the table's sequence first, so callers
still get primary keys back), Django's bulk_create elsewhere. Used by imports and the audit trail,
where 100,000 rows through INSERT … VALUES would take minutes."""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import attrgetter
from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


def _reader(field: models.Field) -> Callable[[models.Model], Any]:
    """How to read one column's value for COPY. psycopg adapts str, int, bool, date and aware datetimes
    itself; only JSON needs encoding. (Field.get_db_prep_save per cell costs more than the COPY.)"""
    if isinstance(field, models.JSONField):
        get = attrgetter(field.attname)
        return lambda obj: None if get(obj) is None else json.dumps(get(obj), ensure_ascii=False)
    return attrgetter(field.attname)


def bulk_insert(model: type[M], objs: Sequence[M], *, batch_size: int = 2000) -> Sequence[M]:
    """Insert objs in the current transaction and set their primary keys. Bypasses save() and signals,
    like bulk_create; callers validate first."""
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs, batch_size=batch_size)
    opts = model._meta
    fields = list(opts.concrete_fields)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            setattr(obj, opts.pk.attname, pk)
        now = timezone.now()
        for f in fields:  # what save() would fill in: auto_now / auto_now_add timestamps
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                for obj in objs:
                    if f.auto_now or getattr(obj, f.attname) is None:
                        setattr(obj, f.attname, now)
        readers = [_reader(f) for f in fields]
        columns = ", ".join(quote(f.column) for f in fields)
        with cursor.cursor.copy(f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([read(obj) for read in readers])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def copy_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL only: COPY plain rows (values in the order of `fields`, attnames; JSON columns as JSON
    text) into the model's table. Columns not named take the database default (the id: its identity)."""
    opts = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(opts.get_field(name).column) for name in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN") as copy:
        write = copy.write_row
        for row in rows:
            write(row)


def bulk_insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]], *,
                     count: int | None = None) -> list[int]:
    """Insert plain rows (values in the order of `fields`, attnames) without building model instances,
    and return their primary keys in order. Fields not named get what a new instance would have: their
    default, and now for auto_now / auto_now_add. JSON fields are not supported (use model instances).
    Bypasses save() and signals, like bulk_insert; callers validate first.

    `rows` may be a generator (then give `count`): on PostgreSQL it is consumed while COPY streams, so
    building the rows overlaps with the server's work; it must not run queries."""
    count = len(rows) if count is None else count
    if not count:
        return []
    opts = model._meta
    named = set(fields)
    rest = [f for f in opts.concrete_fields if f.attname not in named and not f.primary_key]
    if any(isinstance(f, models.JSONField) for f in opts.concrete_fields if f.attname in named):
        raise TypeError("bulk_insert_rows() does not encode JSON fields")
    if any(f.has_default() and callable(f.default) for f in rest):
        raise TypeError("bulk_insert_rows() needs every field with a callable default to be given")
    now = timezone.now()
    extra = tuple(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
                  for f in rest)
    all_fields = [*fields, *(f.attname for f in rest)]
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(all_fields, (*row, *extra), strict=True))) for row in rows]
        if len(objs) != count:
            raise ValueError(f"expected {count} rows, got {len(objs)}")
        model.objects.bulk_create(objs, batch_size=2000)
        return [obj.pk for obj in objs]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, count],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    copy_rows(model, [opts.pk.attname, *all_fields], ((pk, *row, *extra) for pk, row in zip(ids, rows, strict=True)))
    return ids


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector around a bulk build of many small objects (100,000 rows
    of tuples, dicts and lists): each automatic collection rescans every object still alive, which cost
    more than building them. Nothing is leaked: the collector is switched back on afterwards (reference
    counting frees everything as usual meanwhile)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
