"""Electronic signatures (silqeqms/signatures.py): the password verified with the signer's own credentials,
the signature recorded with name, username, database time and meaning; a refusal recorded and kept, and
counted toward the sign-in lockout."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import RequestFactory

from silqeqms.models import AuditEvent
from silqeqms.signatures import (
    APPLIED,
    REFUSED,
    SignatureRefused,
    record_signature,
    sign,
    signatures_for,
    verify_signature,
)
from silqeqms.users.lockout import lockout_for
from tests.factories import TEST_PASSWORD, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

MEANING = "I approve this record"


@pytest.fixture
def signer():
    return UserFactory(username="sig", first_name="Sam", last_name="Signer")


@pytest.fixture
def record():
    return CustomerFactory()


def test_signing_records_the_signers_name_username_time_and_meaning_on_the_record(signer, record):
    event = sign(user=signer, password=TEST_PASSWORD, meaning=MEANING, target=record, reason="reviewed")
    assert (event.action, event.actor, event.reason) == (APPLIED, signer, "reviewed")
    assert event.data == {"meaning": MEANING, "signer_name": "Sam Signer", "username": "sig"}
    assert (event.target_type, event.target_id) == ("customers.customer", str(record.pk))
    [signature] = signatures_for(record)
    assert (signature.signer_name, signature.username, signature.meaning, signature.at) == (
        "Sam Signer", "sig", MEANING, event.at)
    assert "Sam Signer (sig)" in str(signature) and MEANING in str(signature)


@pytest.mark.parametrize("password", ["wrong-password", ""])
def test_a_wrong_or_missing_password_is_refused_and_the_refusal_is_recorded(signer, record, password):
    with pytest.raises(SignatureRefused) as excinfo:
        sign(user=signer, password=password, meaning=MEANING, target=record, reason="reviewed")
    assert "nothing was signed" in " ".join(excinfo.value.messages)
    assert "password" in excinfo.value.message_dict
    assert not AuditEvent.objects.filter(action=APPLIED).exists()
    refused = AuditEvent.objects.get(action=REFUSED)
    assert (refused.actor, refused.data["meaning"], refused.target_id) == (signer, MEANING, str(record.pk))
    assert refused.reason == ("wrong password" if password else "no password")


def test_someone_elses_password_does_not_sign(signer, record):
    other = UserFactory(username="other")
    other.set_password("another-long-password")
    other.save()
    with pytest.raises(SignatureRefused):
        sign(user=signer, password="another-long-password", meaning=MEANING, target=record, reason="x")


def test_an_inactive_account_cannot_sign(signer, record):
    signer.is_active = False
    with pytest.raises(SignatureRefused, match="deactivated"):
        sign(user=signer, password=TEST_PASSWORD, meaning=MEANING, target=record, reason="x")


def test_wrong_signature_passwords_count_toward_the_sign_in_lockout(signer, record, settings):
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        with pytest.raises(SignatureRefused):
            verify_signature(user=signer, password="guess", meaning=MEANING, target=record, request=request)
    assert lockout_for("sig", "203.0.113.9") is not None
    with pytest.raises(SignatureRefused, match="locked"):
        verify_signature(user=signer, password=TEST_PASSWORD, meaning=MEANING, target=record,
                         request=RequestFactory().post("/", REMOTE_ADDR="203.0.113.9"))
    assert AuditEvent.objects.filter(action=REFUSED).count() == settings.AXES_FAILURE_LIMIT + 1
    assert AuditEvent.objects.filter(action=REFUSED).first().reason == "sign-in locked"
    # From another address the signer still signs.
    verify_signature(user=signer, password=TEST_PASSWORD, meaning=MEANING, target=record,
                     request=RequestFactory().post("/", REMOTE_ADDR="198.51.100.1"))


def test_a_signature_recorded_inside_an_action_rolls_back_with_it(signer, record):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        record_signature(user=signer, meaning=MEANING, target=record, reason="x")
        raise Abort
    assert signatures_for(record) == []


def test_verifying_never_rewrites_the_stored_password_hash(signer, record, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    stored = signer.password  # an MD5 hash: User.check_password would upgrade (and save) it
    verify_signature(user=signer, password=TEST_PASSWORD, meaning=MEANING, target=record)
    signer.refresh_from_db()
    assert signer.password == stored
