"""Job kinds: a name, the function that does the work, and the permission that may start it.

A domain app registers its kinds in its own `jobs.py`, imported from its AppConfig.ready(), so every
web process and every worker knows the same kinds:

    @job_kind("distribution.import_csv", label="Import a distribution CSV", permission="distribution.import")
    def import_csv(*, actor, params, progress):
        ...
        return {"summary": ["120 entries created"], "links": [{"label": "Entries", "url": "/admin/..."}]}

This module imports no model, so a kind can be registered while apps are still loading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[..., dict[str, Any] | None]


class UnknownJobKind(LookupError):
    pass


class JobFailed(Exception):
    """Raise from a handler to fail the job with this message for the user (no traceback is shown)."""


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    label: str
    # Needed to start it from a page and to "Try again"; also checked by start_job() when an actor is given.
    permission: str
    # Offered as a one-click "Start" on /admin/jobs/ (only for kinds that need no params).
    startable: bool = False
    description: str = ""


_KINDS: dict[str, JobKind] = {}


def register(name: str, handler: Handler, *, label: str, permission: str, startable: bool = False,
             description: str = "") -> JobKind:
    """Register `handler(*, actor, params, progress) -> dict | None` as the job kind `name`."""
    if not name or not permission:
        raise ValueError("A job kind needs a name and a permission.")
    existing = _KINDS.get(name)
    if existing is not None and existing.handler is not handler:
        raise ValueError(f"The job kind {name!r} is already registered by {existing.handler.__module__}.")
    kind = JobKind(name=name, handler=handler, label=label, permission=permission, startable=startable,
                   description=description)
    _KINDS[name] = kind
    return kind


def job_kind(name: str, *, label: str, permission: str, startable: bool = False, description: str = ""):
    """Decorator form of register(); returns the function unchanged."""

    def decorate(handler: Handler) -> Handler:
        register(name, handler, label=label, permission=permission, startable=startable, description=description)
        return handler

    return decorate


def get_kind(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownJobKind(f"No job kind {name!r} is registered (is its app installed?).") from None


def all_kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda kind: kind.label.lower())


def label_for(name: str) -> str:
    kind = _KINDS.get(name)
    return kind.label if kind else name
