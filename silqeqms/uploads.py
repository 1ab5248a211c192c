"""The one wording of "this file is too big" for every upload form and file parser (ORM-free)."""

from __future__ import annotations

import math

MB = 1024 * 1024


def size_refusal(size: int, limit: int, *, name: str = "The file") -> str:
    """'' when `size` bytes are within `limit`; else “orders.csv is 20.1 MB; the limit is 20 MB.” — rounded
    up, so a file just over the limit never reads as “20.0 MB; the limit is 20 MB”."""
    if size <= limit:
        return ""
    return f"{name} is {math.ceil(size * 10 / MB) / 10:.1f} MB; the limit is {limit / MB:g} MB."
