"""Small helpers for the sentences pages show."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str = "") -> str:
    """“1 entry”, “3 entries”, “1,200 notes”."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"
