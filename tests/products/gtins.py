"""Real-format GTINs for tests, with check digits computed here (not by the code under test)."""

from __future__ import annotations


def gs1_check_digit(payload: str) -> str:
    """The GS1 mod-10 check digit: from the right, weights 3, 1, 3, …"""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(payload)))
    return str((10 - total % 10) % 10)


def with_check_digit(payload: str) -> str:
    return payload + gs1_check_digit(payload)


def with_wrong_check_digit(payload: str) -> str:
    return payload + str((int(gs1_check_digit(payload)) + 1) % 10)


def gtin14(n: int, prefix: str = "0081234567") -> str:
    """A GTIN-14: indicator 0, a US company prefix, an item reference, a valid check digit."""
    return with_check_digit(f"{prefix}{n:03d}"[:13])
