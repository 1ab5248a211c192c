"""One table of every staff URL and the permission it needs, checked for every kind of visitor.

For each row, GET and (where the view accepts it) POST: anonymous → redirect to login and nothing
written; signed in without the permission → 403 and nothing written (no row, no audit event); with
exactly that permission → the page works, and an empty POST is a form error or a redirect, never a
500. Every role of silqeqms/roles.py is walked too: it gets the page when its permissions hold the
route's, 404 when the page is one customer's and the role sees only its own customers, else 403.
A last test walks the URL resolver and fails when a named route is missing from the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from silqeqms.models import AuditEvent
from silqeqms.roles import ROLES
from tests import factories as f

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    name: str
    permission: str | None  # None: any signed-in user
    kwargs: Callable[[], dict] = field(default=lambda: {})
    ok_status: int = 200
    scoped: bool = False  # one customer's page: a user who sees only their own customers gets 404


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


def _user():
    return {"pk": f.UserFactory().pk}


def _product():
    return {"pk": f.ProductFactory().pk}


def _lot():
    return {"pk": f.LotFactory().pk}


def _recall():
    return {"pk": f.RecallFactory().pk}


def _consignee():
    consignee = f.RecallConsigneeFactory()
    return {"pk": consignee.recall_id, "consignee_pk": consignee.pk}


def _recall_document():
    from django.core.files.base import ContentFile

    from recalls.models import RecallDocument

    recall = f.RecallFactory(status="open")
    document = RecallDocument(recall=recall, kind="merged_letters", sha256="0" * 64, size=9)
    document.file.save("letters.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return {"pk": recall.pk, "document_pk": document.pk}


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
    Route("distribution:source_document", "distribution.view", _document, scoped=True),
    Route("distribution:entry_detail", "distribution.view", _entry, scoped=True),
    Route("distribution:entry_edit", "distribution.edit", _entry, scoped=True),
    Route("distribution:entry_void", "distribution.delete", _entry, scoped=True),
    Route("distribution:entry_confirm", "distribution.edit", _entry, ok_status=302, scoped=True),
    Route("distribution:shipstation", "distribution.sync"),
    Route("customers:customer_list", "customers.view"),
    Route("customers:customer_create", "customers.create"),
    Route("customers:customer_search", "customers.view"),
    Route("customers:customer_detail", "customers.view", _customer, scoped=True),
    Route("customers:note_create", "customers.notes", _customer, ok_status=302, scoped=True),
    Route("customers:note_edit", "customers.notes", _note, scoped=True),
    Route("customers:note_delete", "customers.notes", _note, scoped=True),
    Route("customers:rep_assign", "customers.edit", _customer, ok_status=302, scoped=True),
    Route("customer_merge", "customers.delete", _customer, scoped=True),
    Route("products:product_list", "products.view"),
    Route("products:product_create", "products.create"),
    Route("products:product_import", "products.import"),
    Route("products:product_detail", "products.view", _product),
    Route("products:lot_create", "products.edit", _product),
    Route("products:lot_list", "products.view"),
    Route("products:lot_detail", "products.view", _lot),
    Route("products:lot_status", "products.lot_status", _lot, ok_status=302),
    Route("product_scan", "products.view", ok_status=400),  # no ?code=: 400 with a JSON error
    Route("recalls:recall_list", "recalls.view"),
    Route("recalls:recall_create", "recalls.manage"),
    Route("recalls:recall_detail", "recalls.view", _recall),
    Route("recalls:recall_edit", "recalls.manage", _recall),
    Route("recalls:recall_open", "recalls.manage", _recall, ok_status=302),
    Route("recalls:recall_close", "recalls.close", _recall),
    Route("recalls:later_shipments", "recalls.view", _recall),
    Route("recalls:consignee_detail", "recalls.view", _consignee),
    Route("recalls:consignee_letter", "recalls.view", _consignee),
    Route("recalls:merged_letters", "recalls.manage", _recall, ok_status=302),
    Route("recalls:mail_merge", "recalls.manage", _recall),
    Route("recalls:document", "recalls.view", _recall_document),
    Route("recalls:responses", "recalls.manage", _recall),
    Route("recalls:status_report", "recalls.view", _recall),
    Route("recalls:fda_report", "recalls.view", _recall),
    Route("sales_dashboard:dashboard", "sales_dashboard.view"),
    Route("sales_dashboard:export", "sales_dashboard.export"),
    Route("users:user_list", "silqeqms.manage_users"),
    Route("users:user_create", "silqeqms.manage_users"),
    Route("users:address_unlock", "silqeqms.manage_users", ok_status=302),
    Route("users:user_detail", "silqeqms.manage_users", _user),
    Route("users:user_update", "silqeqms.manage_users", _user, ok_status=302),
    Route("users:user_roles", "silqeqms.manage_users", _user, ok_status=302),
    Route("users:user_password", "silqeqms.manage_users", _user, ok_status=302),
    Route("users:user_deactivate", "silqeqms.manage_users", _user, ok_status=302),
    Route("users:user_reactivate", "silqeqms.manage_users", _user, ok_status=302),
    Route("users:user_unlock", "silqeqms.manage_users", _user, ok_status=302),
]

# Routes that are not staff pages: the login page is public, logout is POST-only for anyone, and
# ShipStation's webhook is guarded by the secret token in its path (tests/distribution/shipstation/test_webhook.py).
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


def _views_by_name(resolver: URLResolver, namespace: str = "") -> dict[str, Callable]:
    found = {}
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found |= _views_by_name(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found[namespace + pattern.name] = pattern.callback
    return found


def _accepts_post(name: str) -> bool:
    view_class = getattr(_views_by_name(get_resolver()).get(name), "view_class", None)
    return view_class is not None and hasattr(view_class, "post")


_OUR_APPS = ("silqeqms", "customers", "products", "distribution", "sales_dashboard", "recalls")


def _row_counts() -> dict[str, int]:
    """How many rows each of our tables holds: a denied request must change none of them."""
    return {model._meta.label: model.objects.count() for label in _OUR_APPS if apps.is_installed(label)
            for model in apps.get_app_config(label).get_models() if model._meta.managed}


# Every route whose view takes a POST (a form, an action): checked again with POST.
POST_ROUTES = [r for r in ROUTES if _accepts_post(r.name)]


@pytest.mark.parametrize("route", POST_ROUTES, ids=_row_id)
def test_anonymous_posts_are_sent_to_login_and_write_nothing(client, route):
    url = reverse(route.name, kwargs=route.kwargs())
    before = _row_counts()
    response = client.post(url, {"reason": "anonymous", "body": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _row_counts() == before


@pytest.mark.parametrize("route", [r for r in POST_ROUTES if r.permission], ids=_row_id)
def test_posts_without_the_permission_get_403_and_write_nothing(client, route):
    url = reverse(route.name, kwargs=route.kwargs())
    others = [r.permission for r in ROUTES if r.permission and r.permission != route.permission]
    client.force_login(f.UserFactory(perms=sorted({*others, "customers.view_all"})))
    before = _row_counts()
    response = client.post(url, {"reason": "not allowed", "body": "x", "lot_number": "L1", "version": 1})
    assert response.status_code == 403
    assert route.permission in response.content.decode()
    assert _row_counts() == before


@pytest.mark.parametrize("route", POST_ROUTES, ids=_row_id)
def test_an_empty_post_with_the_permission_is_never_a_server_error(client, route):
    url = reverse(route.name, kwargs=route.kwargs())
    client.force_login(f.UserFactory(perms=[route.permission, "customers.view_all"] if route.permission else []))
    events = AuditEvent.objects.count()
    response = client.post(url, {})
    assert response.status_code < 500
    assert AuditEvent.objects.count() == events  # nothing was valid, so nothing was recorded


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("route", [r for r in ROUTES if r.permission], ids=_row_id)
def test_every_role_gets_what_its_permissions_allow(client, roles, route, role):
    kwargs = route.kwargs()
    user = f.UserFactory(username=f"{role}-walker")
    user.groups.add(roles[role])
    client.force_login(user)
    granted = route.permission in ROLES[role]
    response = client.get(reverse(route.name, kwargs=kwargs))
    if not granted:
        expected = 403
    elif route.scoped and "customers.view_all" not in ROLES[role]:
        expected = 404  # not one of their customers: its existence is not revealed
    else:
        expected = route.ok_status
    assert response.status_code == expected


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
