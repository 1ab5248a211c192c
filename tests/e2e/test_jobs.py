"""Browser journeys: a job started from the Jobs page shows a progress bar that fills while a real worker
runs it, and ends in its result; the summaries rebuild ends in its result and links on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from silqeqms.models import Job
from tests.factories import DistributionLogEntryFactory, UserFactory
from tests.job_workers import NEEDS_POSTGRESQL, worker_pool

pytestmark = pytest.mark.django_db(transaction=True)

PARTLY_FILLED = """() => {
  const bar = document.querySelector(".job-progress progress");
  return bar && bar.max === 8 && bar.value > 0 && bar.value < 8;
}"""


@pytest.fixture
def workers(tmp_path, settings):
    yield from worker_pool(tmp_path, settings)


@NEEDS_POSTGRESQL
def test_the_progress_bar_fills_while_a_worker_runs_the_job_and_ends_in_the_result(
        page, live_server, login, roles, workers):
    quality = UserFactory(username="quinn")
    quality.groups.add(roles["quality"])  # holds silqeqms.view_audit, which the test kinds declare
    workers.start("browser")
    login(quality)

    page.get_by_role("link", name="Jobs").click()
    expect(page.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
    expect(page.get_by_text("No jobs yet.")).to_be_visible()
    page.get_by_role("button", name="Count (test)").click()

    job = Job.objects.get()
    page.wait_for_url(f"{live_server.url}/admin/jobs/{job.pk}/")
    expect(page.locator(".jobs-link .badge")).to_have_text("1 running")
    page.wait_for_function(PARTLY_FILLED, timeout=30_000)  # seen between the first and the last step
    expect(page.locator("[data-job-count]")).to_have_text(re.compile(r"^[1-7] of 8$"))

    expect(page.get_by_role("heading", name="Result")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Counted to 8.")).to_be_visible()
    expect(page.locator("[data-job-status]")).to_have_text("Succeeded")
    expect(page.locator(".job-progress progress")).to_have_attribute("value", "1")
    expect(page.locator(".jobs-link .badge")).to_have_count(0)
    page.get_by_role("link", name="Audit trail").last.click()
    expect(page).to_have_url(f"{live_server.url}/admin/audit/")
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.started_by) == ("succeeded", 8, 8, quality)


def test_rebuilding_the_summaries_from_the_jobs_page_ends_in_its_result(page, live_server, login, roles):
    DistributionLogEntryFactory(order_number="SO-E2E", quantity=3)
    ops = UserFactory(username="oscar")
    ops.groups.add(roles["ops"])
    login(ops)

    page.goto(f"{live_server.url}/admin/jobs/")
    page.get_by_role("button", name="Rebuild the dashboard summaries").click()
    expect(page.get_by_role("heading", name="Rebuild the dashboard summaries")).to_be_visible()
    expect(page.get_by_text("The summaries were rebuilt from the entries and match them exactly.")).to_be_visible()
    expect(page.locator(".stat").first).to_have_text(re.compile(r"^\s*1\s*Orders\s*$"))
    page.get_by_role("link", name="Sales dashboard").last.click()
    expect(page.get_by_role("heading", name=re.compile("Sales dashboard", re.I))).to_be_visible()

    page.get_by_role("link", name="Jobs").click()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("Rebuild the dashboard summaries")
    expect(row).to_contain_text("Succeeded")
    expect(row).to_contain_text("2 / 2")
