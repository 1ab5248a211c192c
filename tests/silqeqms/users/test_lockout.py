"""Sign-in throttling through the login page: the (username, address) pair locks after five failures; an
address as a whole only after SIGNIN_ADDRESS_FAILURE_LIMIT failures across user names."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

from silqeqms.models import AuditEvent
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OFFICE = "203.0.113.7"  # an office's NAT address
HOME = "198.51.100.20"


def sign_in(client, username: str, password: str, ip: str):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def text(response) -> str:
    return " ".join(response.content.decode().split())


def test_five_failures_with_made_up_user_names_do_not_lock_the_real_users_on_that_address(client):
    UserFactory(username="vera")
    for n in range(5):
        sign_in(client, f"nobody{n}", "guess", OFFICE)
    response = sign_in(client, "vera", TEST_PASSWORD, OFFICE)
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_a_locked_pair_keeps_the_user_out_from_that_address_only_and_nobody_else(client):
    from django.test import Client

    UserFactory(username="vera")
    UserFactory(username="omar")
    for _ in range(5):
        sign_in(client, "vera", "wrong", OFFICE)
    locked = sign_in(client, "vera", TEST_PASSWORD, OFFICE)
    assert locked.status_code == 429
    assert "“vera” is locked from this address (203.0.113.7)" in text(locked)
    assert "Other people on your network are not affected" in text(locked)
    assert sign_in(Client(), "omar", TEST_PASSWORD, OFFICE).status_code == 302
    assert sign_in(Client(), "vera", TEST_PASSWORD, HOME).status_code == 302


def test_the_fifth_failure_itself_answers_with_the_lockout_page(client):
    UserFactory(username="vera")
    statuses = [sign_in(client, "vera", "wrong", OFFICE).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


def test_password_spraying_locks_the_address_at_its_own_higher_limit(client, settings):
    from django.test import Client

    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 12
    UserFactory(username="vera")
    statuses = [sign_in(client, f"user{n}", "Winter2026!", OFFICE).status_code for n in range(12)]
    assert statuses == [200] * 11 + [429]
    locked = sign_in(Client(), "vera", TEST_PASSWORD, OFFICE)
    assert locked.status_code == 429
    assert "Sign-in from your network address (203.0.113.7) is locked" in text(locked)
    assert "for every user name" in text(locked)
    assert sign_in(Client(), "vera", TEST_PASSWORD, HOME).status_code == 302


def test_the_lockout_page_says_how_long_it_lasts(client):
    UserFactory(username="vera")
    for _ in range(5):
        sign_in(client, "vera", "wrong", OFFICE)
    response = sign_in(client, "vera", TEST_PASSWORD, OFFICE)
    until = timezone.localtime(timezone.now() + datetime.timedelta(minutes=15))
    assert "(15 minutes)" in text(response)
    assert until.strftime("%H:%M") in text(response) or (until - datetime.timedelta(minutes=1)).strftime(
        "%H:%M") in text(response)


def test_a_lock_ends_after_the_cool_off(client):
    UserFactory(username="vera")
    for _ in range(5):
        sign_in(client, "vera", "wrong", OFFICE)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert sign_in(client, "vera", TEST_PASSWORD, OFFICE).status_code == 302


def test_a_successful_sign_in_clears_only_that_users_failures_from_that_address(client, settings):
    from django.test import Client

    settings.SIGNIN_ADDRESS_FAILURE_LIMIT = 10
    UserFactory(username="vera")
    for n in range(4):
        sign_in(Client(), f"nobody{n}", "guess", OFFICE)
    for _ in range(4):
        sign_in(Client(), "vera", "wrong", OFFICE)
    assert sign_in(client, "vera", TEST_PASSWORD, OFFICE).status_code == 302
    assert not AccessAttempt.objects.filter(username="vera").exists()
    assert AccessAttempt.objects.filter(ip_address=OFFICE).count() == 4  # the spraying still counts
    for n in range(6):
        sign_in(Client(), f"other{n}", "guess", OFFICE)
    assert sign_in(Client(), "vera", TEST_PASSWORD, OFFICE).status_code == 429


def test_an_admin_unlocks_a_locked_user_who_can_then_sign_in(admin_client):
    from django.test import Client

    vera = UserFactory(username="vera")
    for _ in range(5):
        sign_in(Client(), "vera", "wrong", OFFICE)
    assert sign_in(Client(), "vera", TEST_PASSWORD, OFFICE).status_code == 429
    admin_client.post(reverse("users:user_unlock", args=[vera.pk]), {"unlock-reason": "Called the help desk"})
    assert sign_in(Client(), "vera", TEST_PASSWORD, OFFICE).status_code == 302
    event = AuditEvent.objects.get(action="user.unlocked")
    assert event.data["addresses"] == [OFFICE]
