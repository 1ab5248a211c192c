"""Glue between the ORM-free parsers and the import service: parsed rows → ImportLine."""

from __future__ import annotations

import dataclasses

from distribution.importers.csv import CsvRow
from distribution.services import ImportLine

_LINE_FIELDS = [f.name for f in dataclasses.fields(ImportLine)]
_DEFUSED_PREFIXES = ("'=", "'+", "'-", "'@")


def _undefuse(value):
    """Our own exports prefix formula-like cells with a quote; take it off again so export → import round-trips."""
    if isinstance(value, str) and value.startswith(_DEFUSED_PREFIXES):
        return value[1:]
    return value


def csv_rows_to_lines(rows: list[CsvRow]) -> list[ImportLine]:
    return [ImportLine(**{name: _undefuse(getattr(row, name)) for name in _LINE_FIELDS}) for row in rows]
