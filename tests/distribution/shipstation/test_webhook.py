"""The SHIP_NOTIFY webhook: the secret token in its path starts a sync as the system."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from distribution.models import SyncRun
from distribution.shipstation.sync import pacific_today
from silqeqms.jobs.models import Job
from silqeqms.models import AuditEvent
from tests.distribution.shipstation.support import shipment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]


def test_the_webhook_with_the_right_token_runs_a_sync_as_the_system(configured, fake):
    configured.SHIPSTATION_WEBHOOK_TOKEN = "tok-abc-123"
    fake.shipments = [shipment(1, pacific_today())]
    anonymous = Client(enforce_csrf_checks=True)

    response = anonymous.post(
        reverse("distribution:shipstation_notify", args=["tok-abc-123"]),
        data={"resource_url": "https://evil.example/x", "resource_type": "SHIP_NOTIFY"},
        content_type="application/json",
    )

    run, job = SyncRun.objects.get(), Job.objects.get()
    assert response.status_code == 202
    assert response.json() == {"status": "queued", "job": job.pk}  # the sync runs as a job
    assert (job.status, job.started_by) == ("succeeded", None)
    assert (run.started_by, run.created, run.window_end) == (None, 1, pacific_today())
    assert run.window_start <= pacific_today() - datetime.timedelta(days=3)
    assert all(r.path == "/shipments" for r in fake.requests)  # the resource_url was never fetched


@pytest.mark.parametrize(("setting", "token"), [("tok-abc-123", "tok-abc-124"), ("", "anything")])
def test_the_webhook_with_a_wrong_token_or_none_configured_is_404_and_writes_nothing(
    configured, fake, setting, token
):
    configured.SHIPSTATION_WEBHOOK_TOKEN = setting
    fake.shipments = [shipment(1, pacific_today())]

    response = Client().post(reverse("distribution:shipstation_notify", args=[token]))
    get = Client().get(reverse("distribution:shipstation_notify", args=[token]))

    assert (response.status_code, get.status_code) == (404, 404)
    assert (SyncRun.objects.count(), AuditEvent.objects.count()) == (0, 0)
    assert fake.requests == []


def test_the_webhook_only_accepts_post(configured):
    configured.SHIPSTATION_WEBHOOK_TOKEN = "tok-abc-123"

    response = Client().get(reverse("distribution:shipstation_notify", args=["tok-abc-123"]))

    assert response.status_code == 405
    assert SyncRun.objects.count() == 0
