"""Django's user commands are audited too: createsuperuser and changepassword go through the user services."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from silqeqms.models import AuditEvent, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_createsuperuser_records_who_was_created(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-unusual-passphrase-2026")
    call_command("createsuperuser", interactive=False, username="root2", email="root2@example.com", verbosity=0)
    user = User.objects.get(username="root2")
    assert user.is_superuser and user.is_staff and user.check_password("a-long-unusual-passphrase-2026")
    event = AuditEvent.objects.get(action="user.created", target_id=str(user.pk))
    assert event.actor is None and event.reason == "manage.py createsuperuser"


def test_changepassword_records_the_reset_without_the_password(monkeypatch):
    from django.contrib.auth.management.commands import changepassword

    user = UserFactory(username="quinn")
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": "another-long-passphrase-77")
    call_command("changepassword", "quinn", stdout=None)
    user.refresh_from_db()
    assert user.check_password("another-long-passphrase-77")
    event = AuditEvent.objects.get(action="user.password_reset", target_id=str(user.pk))
    assert event.reason == "manage.py changepassword"
    assert "another-long-passphrase-77" not in str(event.changes) + str(event.data)


def test_changepassword_refuses_a_password_the_validators_refuse(monkeypatch):
    from django.contrib.auth.management.commands import changepassword
    from django.core.management.base import CommandError

    UserFactory(username="quinn")
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": "123")
    with pytest.raises(CommandError, match="after 3 attempts"):
        call_command("changepassword", "quinn")
    assert not AuditEvent.objects.filter(action="user.password_reset").exists()
