"""Named locks that serialise writers which could overlap (two imports of one file, a sync beside an
import), held until the surrounding transaction ends.

PostgreSQL: a transaction-scoped advisory lock, so the second writer waits and then sees the first's
committed rows. SQLite: nothing to do — settings open every transaction IMMEDIATE, which already holds
the database's single write lock from BEGIN.
"""

from __future__ import annotations

import zlib

from django.db import connection


def lock_key(name: str) -> int:
    """A stable 32-bit key for a lock name (the same in every process and on every machine)."""
    return zlib.crc32(name.encode()) - (1 << 31)


def hold_lock(name: str) -> None:
    """Take the named lock for the rest of the current transaction (call inside transaction.atomic)."""
    if not connection.in_atomic_block:
        raise RuntimeError(f"hold_lock({name!r}) outside a transaction would be released at once")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])
