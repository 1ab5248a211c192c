"""What a write records as its `changes`: {field: [old, new]}, built from model fields by these helpers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from silqeqms.audit.rule import _jsonable


def diff_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every key whose value differs (None and "" count as the same: blank)."""
    changes = {}
    for key in new:
        before, after = _jsonable(old.get(key)), _jsonable(new.get(key))
        if before != after and not (before in (None, "") and after in (None, "")):
            changes[key] = [before, after]
    return changes


def creation_changes(instance: models.Model, fields: Iterable[str]) -> dict[str, list[Any]]:
    """{field: [None, value]} for the fields a new record was created with (blank ones left out)."""
    return {k: [None, _jsonable(v)] for k, v in model_values(instance, fields).items() if v not in (None, "")}


def model_values(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Snapshot of the given fields; foreign keys are recorded by their text, not their id."""
    values: dict[str, Any] = {}
    for name in fields:
        f = instance._meta.get_field(name)
        if f.is_relation:
            values[name] = str(getattr(instance, name) or "") or None
        else:
            values[name] = getattr(instance, name)
    return values
