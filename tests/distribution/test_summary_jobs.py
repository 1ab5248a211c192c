"""`verify_summaries --rebuild --background` and "Rebuild the dashboard summaries" run as a job."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from distribution.jobs import REBUILD_SUMMARIES
from distribution.models import OrderSummary
from distribution.summaries import verify_summaries
from silqeqms.models import AuditEvent, Job
from tests.factories import DistributionLogEntryFactory

pytestmark = pytest.mark.django_db


def test_the_background_rebuild_is_a_job_that_repairs_the_summaries(django_capture_on_commit_callbacks, capsys):
    DistributionLogEntryFactory(order_number="SO-RAW", quantity=4)  # written around the services: no summary
    assert verify_summaries() != []
    with django_capture_on_commit_callbacks(execute=True):
        call_command("verify_summaries", "--rebuild", "--background")
    job = Job.objects.get()
    assert (job.kind, job.started_by, job.status) == (REBUILD_SUMMARIES, None, Job.Status.SUCCEEDED)
    assert (job.done, job.total) == (2, 2)
    assert job.result["counts"][0] == ["Orders", 1]
    assert verify_summaries() == []
    assert OrderSummary.objects.get().units == 4
    assert f"Job {job.pk} queued: /admin/jobs/{job.pk}/" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="job.started", target_id=str(job.pk)).exists()


def test_background_without_rebuild_is_refused():
    with pytest.raises(CommandError, match="together with --rebuild"):
        call_command("verify_summaries", "--background")
    assert not Job.objects.exists()


def test_ops_can_start_the_rebuild_from_the_jobs_page(ops_client, ops_user, django_capture_on_commit_callbacks):
    DistributionLogEntryFactory(order_number="SO-RAW")
    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post(reverse("jobs:job_start"), {"kind": REBUILD_SUMMARIES})
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    page = ops_client.get(response["Location"]).content.decode()
    assert "Rebuild the dashboard summaries" in page and "match them exactly" in page
    assert job.started_by == ops_user and verify_summaries() == []
