"""The canonical customer key: how two spellings of one facility are recognised as the same."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

_NOT_KEY = re.compile(r"[^A-Z0-9]")


def canonical_customer_key(name: str) -> str:
    """NFKD, drop accents, upper-case, keep only A–Z and 0–9: "Hôpital Sainte-Anne" → "HOPITALSAINTEANNE"."""
    folded = unicodedata.normalize("NFKD", name or "")
    ascii_only = "".join(ch for ch in folded if not unicodedata.combining(ch))
    key = _NOT_KEY.sub("", ascii_only.upper())
    if not key:
        raise ValidationError(
            f"“{name}” has no letters or digits, so it cannot name a facility.", code="blank_customer_key"
        )
    if key.isdigit():
        # A name in a script with no Latin letters would reduce to its digits alone ("Νοσοκομείο 2" → "2")
        # and collide with every other such name: refuse it rather than merge strangers.
        raise ValidationError(
            f"“{name}” has no Latin letters; add the facility's Latin-script name so it can be told apart.",
            code="no_latin_letters",
        )
    return key
