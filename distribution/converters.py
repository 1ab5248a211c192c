"""Lot numbers in URLs. A lot is free text ("A/B", "L 7&8", "Ωmega", even ".."), and a path segment
is not: servers decode %2F into "/" and browsers resolve ".." before Django sees the path, so a lot
trace reached by percent-encoding alone can land on another lot's page — and a recall on the wrong lot.

So a lot is written into a path with "~" escapes for the characters a path cannot carry (`~2F` for
"/", `~7E` for "~" itself, …; a lot made only of dots escapes them too) and percent-encoding for the
rest; reading the path reverses it exactly. Plain lots ("L0025273") look the same as before.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_ESCAPED = "~/%?#\\"
_ESCAPE = re.compile("[" + re.escape(_ESCAPED) + "]")
_UNESCAPE = re.compile(r"~([0-9A-F]{2})")


def lot_to_path(lot: str) -> str:
    """The lot as a path segment before percent-encoding (reverse() percent-encodes what is left)."""
    segment = _ESCAPE.sub(lambda m: f"~{ord(m.group()):02X}", lot)
    if segment.strip(".") == "":  # ".", "..": a browser would resolve them away
        segment = segment.replace(".", "~2E")
    return segment


def lot_path_segment(lot: str) -> str:
    """The lot as a finished path segment, for links built without reverse() (the fast table rows)."""
    return quote(lot_to_path(lot), safe="~")


def lot_from_path(segment: str) -> str:
    return _UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), segment)


class LotConverter:
    """`<lot:lot>` in a route: any non-empty segment; "~XX" escapes are decoded."""

    regex = r"[^/]+"

    def to_python(self, value: str) -> str:
        return lot_from_path(value)

    def to_url(self, value: str) -> str:
        return lot_to_path(value)
