"""Shared fixtures: the fixed cast of users, one per role, plus a stranger with no role."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth.models import Group
from django.core.management.commands import flush as flush_command
from hypothesis import settings as hypothesis_settings

from silqeqms.audit import triggers as audit_triggers
from silqeqms.permission_seeding import seed_permissions
from tests.factories import UserFactory

# Property tests draw the same examples on every run (CI must not turn red by chance); to search wider,
# run them with HYPOTHESIS_PROFILE=explore, which draws new examples each time.
hypothesis_settings.register_profile("repeatable", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", max_examples=2000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

_original_flush = flush_command.Command.handle


def _flush_with_audit_triggers_suspended(self, *args, **options):
    """Transactional tests empty every table between tests; the append-only triggers would refuse
    that for the audit table, so the test run lifts them around the flush and puts them back."""
    from django.db import connections

    connection = connections[options.get("database") or "default"]
    audit_triggers.remove(connection)
    try:
        return _original_flush(self, *args, **options)
    finally:
        audit_triggers.install(connection)


flush_command.Command.handle = _flush_with_audit_triggers_suspended


@pytest.fixture
def jobs_run_at_once(monkeypatch):
    """A job started in the test runs at once, inside the test's transaction (which never commits, so
    the after-commit hand-over to the task queue would never happen): for tests of what a job does,
    not of the queue. tests/silqeqms/test_jobs*.py test the queue, the workers and the progress."""
    from silqeqms.jobs import services

    monkeypatch.setattr(services, "_enqueue_after_commit", services._enqueue)


@pytest.fixture
def roles(db) -> dict[str, Group]:
    seed_permissions()
    return {g.name: g for g in Group.objects.all()}


def _user_in(role: str, roles: dict[str, Group], **kwargs):
    user = UserFactory(username=kwargs.pop("username", f"{role}_user"), **kwargs)
    user.groups.add(roles[role])
    return user


@pytest.fixture
def admin_user(roles):
    return _user_in("admin", roles)


@pytest.fixture
def quality_user(roles):
    return _user_in("quality", roles)


@pytest.fixture
def ops_user(roles):
    return _user_in("ops", roles)


@pytest.fixture
def rep_user(roles):
    return _user_in("sales_rep", roles, username="rep_user", first_name="Riley", last_name="Rep")


@pytest.fixture
def readonly_user(roles):
    return _user_in("readonly", roles)


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def ops_client(client, ops_user):
    client.force_login(ops_user)
    return client


@pytest.fixture(autouse=True)
def audit_guard():
    """Every test: a web request that writes a user, group, membership or group permission without an
    audit event for it fails the test (tests/audit_guard.py)."""
    from tests.audit_guard import AuditGuard

    guard = AuditGuard()
    guard.connect()
    yield guard
    guard.disconnect()
    assert not guard.failures, "unaudited writes:\n" + "\n".join(guard.failures)
