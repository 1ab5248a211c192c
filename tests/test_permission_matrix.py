"""One table of every staff URL and the permission it needs, checked for every kind of visitor.

For each row: anonymous → redirect to login; signed in without the permission → 403 (nothing
written); with exactly that permission → the page works. A second test walks the URL resolver and
fails when a named route is missing from the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from silqeqms.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    name: str
    permission: str | None  # None: any signed-in user
    kwargs: Callable[[], dict] = field(default=lambda: {})
    ok_status: int = 200


def _entry():
    return {"pk": f.DistributionLogEntryFactory().pk}


def _document():
    from django.core.files.base import ContentFile

    from distribution.models import SourceDocument

    document = SourceDocument(original_name="order.pdf", sha256="0" * 64, size=9)
    document.file.save("order.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    f.DistributionLogEntryFactory(source_document=document, source="pdf")
    return {"pk": document.pk}


def _customer():
    return {"pk": f.CustomerFactory().pk}


def _job():
    from silqeqms.models import Job

    return {"pk": Job.objects.create(kind="tests.count", started_by=f.UserFactory()).pk}


def _note():
    note = f.CustomerNoteFactory()
    return {"pk": note.customer_id, "note_pk": note.pk}


ROUTES: list[Route] = [
    Route("home", None),
    Route("password_change", None),
    Route("password_change_done", None),
    Route("audit_list", "silqeqms.view_audit"),
    Route("audit_export", "silqeqms.view_audit"),
    # Jobs: any signed-in user; each sees their own jobs (silqeqms.view_all_jobs: everyone's), so another
    # user's job answers 404. Visibility and Try again: tests/silqeqms/test_jobs_views.py.
    Route("jobs:job_list", None),
    Route("jobs:job_start", None, ok_status=302),
    Route("jobs:job_detail", None, _job, ok_status=404),
    Route("jobs:job_retry", None, _job, ok_status=404),
    Route("distribution:entry_list", "distribution.view"),
    Route("distribution:entry_create", "distribution.create"),
    Route("distribution:review_queue", "distribution.view"),
    Route("distribution:import_csv", "distribution.import"),
    Route("distribution:import_pdf", "distribution.import"),
    Route("distribution:export", "distribution.export"),
    Route("distribution:lot_search", "distribution.view", ok_status=302),
    Route("distribution:lot_trace", "distribution.view", lambda: {"lot": "LOT2601"}),
    Route("distribution:lot_trace_export", "distribution.export", lambda: {"lot": "LOT2601"}),
    Route("distribution:source_document", "distribution.view", _document),
    Route("distribution:entry_detail", "distribution.view", _entry),
    Route("distribution:entry_edit", "distribution.edit", _entry),
    Route("distribution:entry_void", "distribution.delete", _entry),
    Route("distribution:entry_confirm", "distribution.edit", _entry, ok_status=302),
    Route("distribution:shipstation", "distribution.sync"),
    Route("customers:customer_list", "customers.view"),
    Route("customers:customer_create", "customers.create"),
    Route("customers:customer_search", "customers.view"),
    Route("customers:customer_detail", "customers.view", _customer),
    Route("customers:note_create", "customers.notes", _customer, ok_status=302),
    Route("customers:note_edit", "customers.notes", _note),
    Route("customers:note_delete", "customers.notes", _note),
    Route("customers:rep_assign", "customers.edit", _customer, ok_status=302),
    Route("customer_merge", "customers.delete", _customer),
    Route("sales_dashboard:dashboard", "sales_dashboard.view"),
    Route("sales_dashboard:export", "sales_dashboard.export"),
]

# Routes that are not staff pages: the login page is public, logout is POST-only for anyone, and
# ShipStation's webhook is guarded by the secret token in its path (tests/distribution/test_shipstation_sync.py).
NOT_IN_MATRIX = {"login", "logout", "distribution:shipstation_notify"}


def _row_id(route: Route) -> str:
    return route.name


@pytest.mark.parametrize("route", ROUTES, ids=_row_id)
def test_anonymous_visitors_are_sent_to_login(client, route):
    response = client.get(reverse(route.name, kwargs=route.kwargs()))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("route", [r for r in ROUTES if r.permission], ids=_row_id)
def test_users_without_the_permission_get_403_and_nothing_is_written(client, route):
    kwargs = route.kwargs()
    others = [r.permission for r in ROUTES if r.permission and r.permission != route.permission]
    client.force_login(f.UserFactory(perms=sorted(set(others))))
    before = AuditEvent.objects.count()
    response = client.get(reverse(route.name, kwargs=kwargs))
    assert response.status_code == 403
    assert route.permission in response.content.decode()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("route", ROUTES, ids=_row_id)
def test_users_with_the_permission_open_the_page(client, route):
    kwargs = route.kwargs()
    # customers.view_all: unscoped, so object pages open whoever they belong to (scoping: tests/customers).
    client.force_login(f.UserFactory(perms=[route.permission, "customers.view_all"] if route.permission else []))
    response = client.get(reverse(route.name, kwargs=kwargs))
    assert response.status_code == route.ok_status


def _named_routes(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":  # the Django admin guards itself (superusers only)
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_routes(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_named_route_is_in_the_matrix():
    missing = _named_routes(get_resolver()) - {r.name for r in ROUTES} - NOT_IN_MATRIX
    assert missing == set(), f"add these routes to ROUTES: {sorted(missing)}"
