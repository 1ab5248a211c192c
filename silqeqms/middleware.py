"""Request-wide rules that run before any view: the audit context, and refusing control characters."""

from __future__ import annotations

import re

from django.shortcuts import render

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


# C0 control characters and DEL. Names (the path, parameter and field names) may
# carry none of them; values may carry tab, line feed and carriage return, which a textarea sends,
# and the group separator (GS, 0x1D), which a barcode scanner types between GS1 fields (FNC1).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1c\x1e\x1f\x7f]")


def control_character_problem(request) -> str | None:
    """Where the request carries a control character it may not, in words for the 400 page; else None.

    Checked: the path; query-string names and values; form field names and values (urlencoded and
    multipart, but not the contents of uploaded files); request header values.
    """
    if _CONTROL.search(request.path):
        return "the page address"
    for where, data in (("the query string", request.GET), ("the form", request.POST)):
        for name, values in data.lists():
            if _CONTROL.search(name):
                return f"a field name in {where}"
            if any(_CONTROL_IN_TEXT.search(value) for value in values):
                return f"the field “{name}” in {where}"
    if request.method == "POST" and any(_CONTROL.search(name) for name in request.FILES):
        return "a file field name in the form"  # file names themselves Django already strips of them
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and _CONTROL_IN_TEXT.search(value):
            return "a request header"
    return None


class ControlCharacterMiddleware:
    """One rule for the whole site: NUL and other control characters are refused with a 400 page before
    any view runs. They have no business in names and text, and a NUL reaching PostgreSQL (a filter
    written into an audit event's JSON, a search) would otherwise be a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = control_character_problem(request)
        if problem:
            return render(request, "400.html", {"message": f"The request was refused because {problem} contains a "
                                                           "control character (such as NUL). Nothing was saved."},
                          status=400)
        return self.get_response(request)
