"""The ShipStation status page and its "Sync now" button: configuration, runs, jobs and permissions."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from distribution.models import DistributionLogEntry, SyncRun
from distribution.shipstation.sync import pacific_today
from silqeqms.jobs.models import Job
from silqeqms.models import AuditEvent
from tests.distribution.shipstation.support import END, KEY, SECRET, START, shipment
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("jobs_run_at_once")]


def test_the_page_shows_the_configuration_without_secrets(client, configured, sync_user, fake):
    configured.SHIPSTATION_STORE_REPS = {"12": "syncer", "13": "ghost"}
    configured.SHIPSTATION_WEBHOOK_TOKEN = "hook-token-secret-77"
    client.force_login(sync_user)

    response = client.get(reverse("distribution:shipstation"))

    html = response.content.decode()
    assert response.status_code == 200
    assert fake.base_url in html
    assert SECRET not in html
    assert KEY not in html
    assert "hook-token-secret-77" not in html
    assert "manage.py sync_shipstation" in html
    assert "no user “ghost”" in html
    assert "No sync has run yet." in html


def test_the_page_lists_recent_runs_and_links_the_review_queue(client, configured, sync_user, fake, run_sync):
    fake.shipments = [shipment(1, lot=None), shipment(2, items=None)]
    run_sync()
    client.force_login(sync_user)

    response = client.get(reverse("distribution:shipstation"))

    html = response.content.decode()
    assert list(response.context["runs"]) == list(SyncRun.objects.all())
    assert response.context["needs_review"] == 1
    assert reverse("distribution:review_queue") + "?source=shipstation" in html
    assert "1 ShipStation entry waits for a lot number" in html
    assert "ShipStation sent no items" in html


def test_sync_now_imports_the_default_window_and_reports_the_result(client, configured, sync_user, fake):
    today = pacific_today()
    fake.shipments = [shipment(1, today - datetime.timedelta(days=2)), shipment(2, today, lot=None)]
    client.force_login(sync_user)

    response = client.post(reverse("distribution:shipstation"))

    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()  # the page follows the job's progress
    run = SyncRun.objects.get()
    assert (run.status, run.created, run.started_by) == ("succeeded", 2, sync_user)
    assert DistributionLogEntry.objects.count() == 2
    assert (job.kind, job.status, job.started_by) == ("distribution.sync_shipstation", "succeeded", sync_user)
    assert job.result["summary"][0].startswith(f"Sync run {run.pk} succeeded")
    assert ["Created", 2] in job.result["counts"]
    page = client.get(job.get_absolute_url()).content.decode()
    assert f"Sync run {run.pk} succeeded" in page and "2 created" in page
    assert AuditEvent.objects.get(action="distribution.synced").request_ip == "127.0.0.1"


def test_sync_now_reports_a_failed_run(client, configured, sync_user, fake):
    configured.SHIPSTATION_API_SECRET = "wrong"
    client.force_login(sync_user)

    response = client.post(reverse("distribution:shipstation"), follow=True)

    job = Job.objects.get()
    assert job.status == "failed"
    assert "failed" in job.error and "rejected the API credentials" in job.error
    assert "wrong" not in job.error.replace("Check", "")
    assert "rejected the API credentials" in response.content.decode()  # on the job page, with Try again
    assert "Try again" in response.content.decode()
    assert SyncRun.objects.get().status == "failed"


def test_sync_now_politely_refuses_when_not_configured(client, settings, sync_user):
    settings.SHIPSTATION_API_KEY = ""
    settings.SHIPSTATION_API_SECRET = ""
    client.force_login(sync_user)

    page = client.get(reverse("distribution:shipstation")).content.decode()
    response = client.post(reverse("distribution:shipstation"), follow=True)

    assert "ShipStation is not configured" in page
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Nothing was synced. ShipStation is not configured")
    assert SyncRun.objects.count() == 0


def test_sync_now_does_not_start_a_second_run_while_one_is_running(client, configured, sync_user, fake):
    SyncRun.objects.create(window_start=START, window_end=END, status=SyncRun.RunStatus.RUNNING)
    client.force_login(sync_user)

    client.post(reverse("distribution:shipstation"))

    job = Job.objects.get()
    assert job.result["summary"][0].startswith("Nothing was synced: Sync run")
    assert SyncRun.objects.count() == 1
    assert fake.requests == []


def test_sync_now_while_a_sync_job_is_queued_leads_to_that_job_and_starts_no_other(client, configured, sync_user,
                                                                                    fake):
    waiting = Job.objects.create(kind="distribution.sync_shipstation", started_by=None)
    client.force_login(sync_user)

    response = client.post(reverse("distribution:shipstation"), follow=True)

    assert response.redirect_chain[-1][0] == waiting.get_absolute_url()
    [message] = [str(m) for m in response.context["messages"]]
    assert f"already queued or running (job {waiting.pk})" in message
    assert Job.objects.count() == 1 and SyncRun.objects.count() == 0
    page = client.get(reverse("distribution:shipstation")).content.decode()
    assert f"follow its progress (job {waiting.pk})" in page


def test_without_distribution_sync_the_page_is_403_and_nothing_is_written(client, configured, fake):
    fake.shipments = [shipment(1, pacific_today())]
    client.force_login(UserFactory(perms=["distribution.view", "distribution.edit", "distribution.import"]))

    assert client.get(reverse("distribution:shipstation")).status_code == 403
    response = client.post(reverse("distribution:shipstation"))

    assert response.status_code == 403
    assert "distribution.sync" in response.content.decode()
    assert (SyncRun.objects.count(), DistributionLogEntry.objects.count(), AuditEvent.objects.count()) == (
        0,
        0,
        0,
    )
    assert fake.requests == []


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.post(reverse("distribution:shipstation"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sync_now_needs_the_csrf_token(configured, sync_user, fake):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(sync_user)

    response = csrf_client.post(reverse("distribution:shipstation"))

    assert response.status_code == 403
    assert SyncRun.objects.count() == 0
    assert fake.requests == []
