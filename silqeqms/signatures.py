"""Electronic signatures (21 CFR 11.50, 11.70, 11.200, 11.300): the reusable piece every approval uses.

A signature is an audit event `signature.applied` on the signed record, written in the same transaction
as the action it approves. The event carries the signer's full name and username, the meaning of the
signature ("I approve the closure of this recall") and the signed record; its time is the database
clock's (the audit writer), and the hash chain links it to the record's history (11.70). Nothing else
stores a signature, so no model is needed.

Signing re-enters the password of the signed-in user (11.200(a)(1)(i): the session was opened with both
components, username and password, and ends after 30 idle minutes; each signing inside it uses the
password, which only its owner knows). A refusal (wrong or blank password, inactive account, sign-in
locked) records `signature.refused` in a transaction of its own, so it stays even though the action it
was for does not happen, and a wrong password counts toward the sign-in lockout of that username from
that address (django-axes), exactly like a failed sign-in (11.300(d): attempts at unauthorised use are
detected, recorded and stop further attempts).

In a service:

    def close_recall(*, actor, recall, password, reason, version, request=None):
        verify_signature(user=actor, password=password, meaning=CLOSE_MEANING, target=recall,
                         request=request)                 # outside the action's transaction
        with transaction.atomic():
            ...                                           # the action itself
            event = record_signature(user=actor, meaning=CLOSE_MEANING, target=recall, reason=reason)

`sign()` does both for an action that is nothing but the signature. In a form, mix in SignatureFormMixin
(the password field, and the meaning shown above it by templates/_signature_fields.html).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib.auth.hashers import check_password
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from silqeqms.audit import record_event
from silqeqms.audit.history import history_for
from silqeqms.middleware import client_ip
from silqeqms.models import AuditEvent, User
from silqeqms.users.lockout import lockout_for, pair_limit

APPLIED = "signature.applied"
REFUSED = "signature.refused"


class SignatureRefused(ValidationError):
    """The password did not verify (or the signer may not sign now); nothing was signed."""


def signer_name(user: User) -> str:
    return user.get_full_name().strip() or user.get_username()


def _refuse(*, user: User, meaning: str, target: models.Model, why: str, message: str) -> SignatureRefused:
    with transaction.atomic():
        record_event(actor=user, action=REFUSED, target=target, reason=why,
                     data={"meaning": meaning, "signer_name": signer_name(user), "username": user.get_username()})
    return SignatureRefused({"password": message}, code="signature_refused")


def verify_signature(*, user: User, password: str, meaning: str, target: models.Model,
                     request: HttpRequest | None = None) -> None:
    """Raise SignatureRefused (after recording `signature.refused`) unless `password` is the user's own.

    Call it outside the transaction of the action it approves: the refusal is then kept. Given the
    request, a wrong password counts toward the sign-in lockout, and a locked signer is refused."""
    if not user.is_active:
        raise _refuse(user=user, meaning=meaning, target=target, why="inactive account",
                      message="This account is deactivated and cannot sign.")
    address = client_ip(request) if request is not None else None
    lock = lockout_for(user.get_username(), address) if request is not None else None
    if lock is not None:
        raise _refuse(user=user, meaning=meaning, target=target, why="sign-in locked",
                      message=f"Too many wrong passwords: signing (and signing in) with this username from this "
                              f"address is locked for {lock.minutes_left} more minutes. Nothing was signed.")
    # The hasher's own check: unlike User.check_password it never rewrites the stored hash as a side effect.
    if not password or not check_password(password, user.password):
        if request is not None:
            user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
        raise _refuse(user=user, meaning=meaning, target=target, why="wrong password" if password else "no password",
                      message=f"That is not your password, so nothing was signed. After {pair_limit()} wrong "
                              "passwords (here or at sign-in) this username is locked from this address for a while.")


def record_signature(*, user: User, meaning: str, target: models.Model, reason: str) -> AuditEvent:
    """Record the signature in the caller's transaction (with the action it approves), after
    verify_signature(). The event's time, from the database clock, is the signature's time."""
    return record_event(actor=user, action=APPLIED, target=target, reason=reason,
                        data={"meaning": meaning, "signer_name": signer_name(user), "username": user.get_username()})


def sign(*, user: User, password: str, meaning: str, target: models.Model, reason: str,
         request: HttpRequest | None = None) -> AuditEvent:
    """Verify the password and record the signature: for an approval that is nothing but the signature."""
    verify_signature(user=user, password=password, meaning=meaning, target=target, request=request)
    with transaction.atomic():
        return record_signature(user=user, meaning=meaning, target=target, reason=reason)


@dataclass(frozen=True)
class Signature:
    """A signature as shown with the record it signs (11.50: printed name, date and time, meaning)."""

    signer_name: str
    username: str
    at: datetime.datetime
    meaning: str
    reason: str

    def __str__(self) -> str:
        return f"{self.signer_name} ({self.username}), {timezone.localtime(self.at):%Y-%m-%d %H:%M:%S %Z}: {self.meaning}"


def signatures_for(target: models.Model) -> list[Signature]:
    """The signatures applied to a record, oldest first. One query."""
    events = history_for(target).filter(action=APPLIED).order_by("seq")
    return [Signature(signer_name=e.data.get("signer_name", e.actor_label), username=e.data.get("username", e.actor_label),
                      at=e.at, meaning=e.data.get("meaning", ""), reason=e.reason) for e in events]


class SignatureFormMixin(forms.Form):
    """The password re-entry of an e-signed form; the form states its `signature_meaning` (the template
    _signature_fields.html shows it above the field)."""

    signature_meaning: str = ""

    password = forms.CharField(
        label="Your password (electronic signature)", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Re-enter the password you sign in with. Your name, the time and the meaning above are "
                  "recorded in the audit trail as your signature.",
        error_messages={"required": "Enter your password to sign."})
