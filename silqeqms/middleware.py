"""Per-request audit context: one batch id and the client IP for every event of a request."""

from __future__ import annotations

from silqeqms.audit import audit_batch


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_batch(request_ip=client_ip(request)) as ctx:
            request.audit_batch_id = ctx.batch_id
            return self.get_response(request)
