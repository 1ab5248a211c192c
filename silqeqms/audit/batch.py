"""The batch an event belongs to: one request, one import, one sync run (and the request's IP address)."""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class AuditContext:
    batch_id: str
    request_ip: str | None = None


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("audit_context", default=None)


@contextlib.contextmanager
def audit_batch(*, request_ip: str | None = None, batch_id: str | None = None) -> Iterator[AuditContext]:
    """All events recorded inside share one batch id (one request, one import, one sync run)."""
    ctx = AuditContext(batch_id=batch_id or str(uuid.uuid4()), request_ip=request_ip)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


def current_context() -> AuditContext | None:
    """The batch events are being recorded in, if any (outside one, each event is its own batch)."""
    return _context.get()


def current_batch_id() -> str:
    ctx = _context.get()
    return ctx.batch_id if ctx else ""
