"""Sign-in throttling: a (username, address) pair locks after AXES_FAILURE_LIMIT failures; a whole address
locks only after SIGNIN_ADDRESS_FAILURE_LIMIT failures across every username (password spraying).

django-axes 8 counts every lockout parameter against one limit, so it cannot give the pair and the address
different limits by itself. Axes counts the pair (AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]);
this handler adds the address with its own, higher limit. Five made-up usernames from an office's NAT
address therefore lock nobody real; a success resets only that user's own failures from that address.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Exists, Max, OuterRef, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

PAIR = "pair"
ADDRESS = "address"


@dataclass(frozen=True)
class Lockout:
    """One lock in force: `kind` PAIR (this username from this address) or ADDRESS (everyone on it)."""

    kind: str
    username: str | None
    ip_address: str | None
    failures: int
    until: datetime.datetime

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds() / 60))


def cool_off() -> datetime.timedelta:
    return get_cool_off() or datetime.timedelta(0)


def pair_limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def address_limit() -> int:
    return int(settings.SIGNIN_ADDRESS_FAILURE_LIMIT)


def recent_attempts(now: datetime.datetime | None = None) -> QuerySet[AccessAttempt]:
    """Failures that still count: axes forgets an attempt row once its last failure is older than the cool-off."""
    return AccessAttempt.objects.filter(attempt_time__gte=(now or timezone.now()) - cool_off())


def _lockout(attempts: QuerySet[AccessAttempt], kind: str, username: str | None, ip_address: str | None,
             limit: int) -> Lockout | None:
    totals = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    if (totals["failures"] or 0) < limit:
        return None
    return Lockout(kind, username, ip_address, totals["failures"], totals["last"] + cool_off())


def pair_lockout(username: str | None, ip_address: str | None, now=None) -> Lockout | None:
    attempts = recent_attempts(now).filter(username=username, ip_address=ip_address)
    return _lockout(attempts, PAIR, username, ip_address, pair_limit())


def address_lockout(ip_address: str | None, now=None) -> Lockout | None:
    return _lockout(recent_attempts(now).filter(ip_address=ip_address), ADDRESS, None, ip_address, address_limit())


def lockout_for(username: str | None, ip_address: str | None, now=None) -> Lockout | None:
    """The lock that stops this username signing in from this address, if any (the narrower one first)."""
    return pair_lockout(username, ip_address, now) or address_lockout(ip_address, now)


def _grouped(attempts: QuerySet[AccessAttempt], fields: list[str], limit: int):
    return (attempts.values(*fields).annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=limit).order_by(*fields))


def locks_for_username(username: str) -> list[Lockout]:
    """Every address from which this username is locked now."""
    rows = _grouped(recent_attempts().filter(username=username), ["ip_address"], pair_limit())
    return [Lockout(PAIR, username, r["ip_address"], r["failures"], r["last"] + cool_off()) for r in rows]


def locked_addresses() -> list[Lockout]:
    """Addresses locked as a whole (every username on them)."""
    rows = _grouped(recent_attempts(), ["ip_address"], address_limit())
    return [Lockout(ADDRESS, None, r["ip_address"], r["failures"], r["last"] + cool_off()) for r in rows]


def is_locked_annotation() -> Exists:
    """For User querysets: True when the user's username is locked from at least one address."""
    pairs = recent_attempts().filter(username=OuterRef("username"))
    return Exists(_grouped(pairs, ["ip_address"], pair_limit()))


class PairAndAddressHandler(AxesDatabaseHandler):
    """Axes' database handler, plus the address-wide lock with its own limit (AXES_HANDLER)."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self._address_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not request.axes_locked_out and self._address_locked(request):
            # The failure that reaches the address limit answers with the lockout page at once.
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send("axes", request=request, username=get_client_username(request, credentials),
                                 ip_address=request.axes_ip_address)

    @staticmethod
    def _address_locked(request) -> bool:
        return address_lockout(request.axes_ip_address, request.axes_attempt_time) is not None


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the page says what is locked (this username here, or this address) and until when."""
    username = get_client_username(request, credentials)
    ip_address = getattr(request, "axes_ip_address", None)
    lockout = lockout_for(username, ip_address) or Lockout(
        PAIR, username, ip_address, pair_limit(), timezone.now() + cool_off())
    context = {"lockout": lockout, "pair_limit": pair_limit(), "address_limit": address_limit(),
               "cool_off_minutes": int(cool_off().total_seconds() // 60)}
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)
