"""`manage.py seed_demo`: demo users per role, realistic entries, and never by accident in production."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from customers.models import Customer, RepAssignment
from distribution.models import DistributionLogEntry
from distribution.summaries import verify_summaries
from silqeqms.models import User
from silqeqms.roles import ROLES

pytestmark = pytest.mark.django_db


def test_it_refuses_to_run_without_debug_or_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1 or --force"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_it_creates_one_user_per_role_and_linked_entries_with_exact_summaries(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo", "--entries", "300")
    out = capsys.readouterr().out
    assert "admin-demo-2026" in out
    roles = {g for u in User.objects.all() for g in u.groups.values_list("name", flat=True)}
    assert roles == set(ROLES)
    assert DistributionLogEntry.objects.count() == 300
    assert not DistributionLogEntry.objects.filter(customer__isnull=True).exists()
    assert RepAssignment.objects.filter(is_primary=True).count() == Customer.objects.count()
    assert DistributionLogEntry.objects.values("order_number").distinct().count() < 300  # multi-line orders
    assert verify_summaries() == []


def test_if_empty_adds_entries_only_once(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--entries", "40", "--if-empty")
    call_command("seed_demo", "--entries", "40", "--if-empty")
    assert DistributionLogEntry.objects.count() == 40
