"""Sign-in, throttling, private-by-default pages, error pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_every_page_sends_an_anonymous_visitor_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_user_signs_in_with_the_right_password_and_lands_home(client):
    UserFactory(username="vera")
    response = client.post(reverse("login"), {"username": "vera", "password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.context["user"].username == "vera"


def test_a_wrong_password_shows_an_error(client):
    UserFactory(username="vera")
    response = client.post(reverse("login"), {"username": "vera", "password": "nope"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_five_failures_lock_the_username_from_that_address_for_15_minutes_even_with_the_right_password(client):
    UserFactory(username="vera")
    for _ in range(5):
        client.post(reverse("login"), {"username": "vera", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(reverse("login"), {"username": "vera", "password": TEST_PASSWORD},
                           REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    text = " ".join(response.content.decode().split())
    assert "“vera” is locked from this address (10.0.0.1)" in text
    assert "(15 minutes)" in text
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(client):
    UserFactory(username="vera")
    for _ in range(4):
        client.post(reverse("login"), {"username": "vera", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "vera", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_logout_needs_a_post_with_csrf(client):
    from django.test import Client

    user = UserFactory()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(reverse("logout")).status_code == 403


def test_the_403_page_names_the_missing_permission(client):
    client.force_login(UserFactory())
    response = client.get(reverse("audit_list"))
    assert response.status_code == 403
    assert "silqeqms.view_audit" in response.content.decode()


def test_the_404_page_uses_the_house_layout(client, settings):
    settings.DEBUG = False
    client.force_login(UserFactory())
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_home_lists_only_the_sections_the_user_may_open(client, rep_user):
    client.force_login(rep_user)
    html = client.get(reverse("home")).content.decode()
    assert "Audit Trail" not in html
    client.force_login(UserFactory(perms=["silqeqms.view_audit"]))
    assert "Audit Trail" in client.get(reverse("home")).content.decode()


def _clean_env() -> dict[str, str]:
    """The environment of a fresh shell: no test settings module, no secret."""
    drop = {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "STATIC_MANIFEST", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def test_check_deploy_is_clean_with_production_environment_variables():
    env = {
        **_clean_env(),
        "DEBUG": "0",
        "SECRET_KEY": "x" * 30 + "-production-like-secret-key-with-enough-entropy-0123456789",
        "ALLOWED_HOSTS": "qms.example.com",
        "DATABASE_URL": "sqlite:////tmp/silqeqms-check-deploy.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off():
    env = {**_clean_env(), "DEBUG": "0"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_refuse_a_garbled_boolean():
    env = {**_clean_env(), "DEBUG": "maybe"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr
