"""Issue 15 in the browser: a big CSV is previewed, then imported, by a real worker; the job page's
progress bar fills while the import runs and ends in the result, with links to the entries."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from distribution.models import DistributionLogEntry
from silqeqms.models import Job
from tests.factories import UserFactory
from tests.job_workers import NEEDS_POSTGRESQL, worker_pool

pytestmark = [NEEDS_POSTGRESQL, pytest.mark.django_db(transaction=True)]

ROWS = 20_000
PARTLY_FILLED = """() => {
  const bar = document.querySelector(".job-progress progress");
  return bar && bar.max > 0 && bar.value > 0 && bar.value < bar.max;
}"""


@pytest.fixture
def workers(tmp_path, settings):
    yield from worker_pool(tmp_path, settings)


def big_csv(path):
    start = datetime.date(2026, 3, 1)
    with path.open("w") as handle:
        handle.write("ship_date,order_number,facility_name,city,state,country,sku,lot_number,quantity\n")
        for n in range(ROWS):
            handle.write(f"{start + datetime.timedelta(days=n % 28)},SO-{n // 2},Facility {n % 50},Austin,TX,US,"
                         f"211810SPT,L{n % 7},{1 + n % 4}\n")
    return path


def test_a_csv_import_shows_its_progress_and_ends_in_the_result(page, live_server, login, roles, workers, tmp_path):
    ops = UserFactory(username="oscar")
    ops.groups.add(roles["ops"])
    workers.start("import")
    login(ops)

    page.goto(f"{live_server.url}/admin/distribution-log/import-csv/")
    page.get_by_label("CSV file").set_input_files(str(big_csv(tmp_path / "year.csv")))
    page.get_by_role("button", name="Preview").click()
    # 20,000 rows are more than a page plans while you wait: the preview is a job of its own.
    expect(page.get_by_role("heading", name=re.compile("Preview a distribution CSV"))).to_be_visible()
    page.get_by_role("link", name="Review the preview and import").click(timeout=60_000)
    expect(page.get_by_text(f"{ROWS:,} rows read")).to_be_visible()
    expect(page.get_by_text(f"The first 500 rows are shown; {ROWS - 500:,} more are counted above")).to_be_visible()
    page.get_by_label("Reason for this import").fill("the year's shipments")
    page.get_by_role("button", name=f"Import {ROWS:,} entries").click()

    page.wait_for_url(re.compile(rf"{live_server.url}/admin/jobs/\d+/$"))
    expect(page.get_by_role("heading", name=re.compile("Import a distribution CSV"))).to_be_visible()
    page.wait_for_function(PARTLY_FILLED, timeout=60_000)  # seen while the worker writes
    expect(page.locator(".jobs-link .badge")).to_have_text("1 running")

    expect(page.get_by_role("heading", name="Result")).to_be_visible(timeout=120_000)
    expect(page.get_by_text(f"Imported {ROWS:,} entries from year.csv")).to_be_visible()
    expect(page.locator("[data-job-status]")).to_have_text("Succeeded")
    page.get_by_role("link", name="Log entries from CSV import").click()
    expect(page).to_have_url(re.compile(r"source=csv"))
    expect(page.get_by_role("cell", name="CSV import").first).to_be_visible()
    job = Job.objects.get(kind="distribution.import_csv")
    assert (job.status, job.started_by) == ("succeeded", ops)
    assert job.worker  # a real worker process ran it, not the web request
    assert DistributionLogEntry.objects.count() == ROWS
