"""One rule for the whole site (silqeqms.middleware.ControlCharacterMiddleware): NUL and the other control
characters in a path, a query string, a form field or a header answer 400 before any view runs, so nothing
is written; tab, CR and LF stay allowed in values (a textarea sends them)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from customers.models import Customer, CustomerNote
from distribution.models import DistributionLogEntry
from silqeqms.models import AuditEvent, User
from tests import factories as f
from tests.test_permission_matrix import ROUTES, Route

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (AuditEvent, Customer, CustomerNote, DistributionLogEntry, User, AccessAttempt)}


def text(response) -> str:
    return " ".join(response.content.decode().split())


def signed_in_for(client, route: Route):
    client.force_login(f.UserFactory(perms=[route.permission, "customers.view_all"] if route.permission else []))
    return client


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_a_nul_in_the_query_string_of_any_page_is_a_400_and_writes_nothing(client, route):
    path = reverse(route.name, kwargs=route.kwargs())
    signed_in_for(client, route)
    before = counts()
    response = client.get(path + "?q=%00&page=1")
    assert response.status_code == 400
    assert "the field “q” in the query string contains a control character" in text(response)
    assert counts() == before


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_a_nul_in_a_posted_field_of_any_page_is_a_400_and_writes_nothing(client, route):
    path = reverse(route.name, kwargs=route.kwargs())
    signed_in_for(client, route)
    before = counts()
    multipart = client.post(path, {"reason": "typo\x00fix", "body": "note", "facility_name": "Clinic"})
    urlencoded = client.post(path, "reason=typo%00fix&body=note", content_type="application/x-www-form-urlencoded")
    assert (multipart.status_code, urlencoded.status_code) == (400, 400)
    assert "the field “reason” in the form" in text(multipart)
    assert counts() == before


@pytest.mark.parametrize("path", [
    "/admin/distribution-log/export/?q=%00",
    "/admin/audit/export/?q=%00",
    "/admin/customers/search/?q=%00",
    "/admin/distribution-log/lots/%00/",
    "/admin/distribution-log/?lot=%01",
    "/admin/customers/?q=abc%7F",
    "/admin/customers/?%00=1",
])
def test_the_pages_named_in_the_issue_answer_400(admin_client, path):
    before = counts()
    response = admin_client.get(path)
    assert response.status_code == 400
    assert "<title>Bad request · SilqeQMS</title>" in text(response)
    assert counts() == before


def test_the_login_form_refuses_a_nul_without_counting_a_failure(client):
    f.UserFactory(username="vera")
    response = client.post(reverse("login"), {"username": "vera\x00", "password": "x"})
    assert response.status_code == 400
    assert not AccessAttempt.objects.exists()


def test_tab_cr_and_lf_in_a_textarea_are_kept(ops_client):
    customer = f.CustomerFactory()
    body = "First line\r\nSecond line\twith a tab"
    response = ops_client.post(reverse("customers:note_create", args=[customer.pk]), {"body": body})
    assert response.status_code == 302
    assert CustomerNote.objects.get().body.replace("\r\n", "\n") == body.replace("\r\n", "\n")


def test_a_tab_in_a_search_box_is_not_refused(admin_client):
    assert admin_client.get(reverse("customers:customer_list") + "?q=LOT1%09").status_code == 200


def test_uploaded_file_contents_may_hold_any_byte_the_importer_judges_them(admin_client):
    contents = SimpleUploadedFile("entries.csv", b"ship_date,order\x00\x01\n", content_type="text/csv")
    assert admin_client.post(reverse("distribution:import_csv"), {"file": contents}).status_code == 200


def test_a_control_character_in_a_header_is_refused(client):
    response = Client().get(reverse("login"), HTTP_USER_AGENT="curl\x00")
    assert response.status_code == 400


def test_anonymous_visitors_get_the_400_too_not_a_login_redirect(client):
    assert client.get(reverse("home") + "?next=%00").status_code == 400
