"""Issue 15: confirming an import starts a background job; the page follows it; a confirm sent twice,
two imports of one file at once, or a retried job never import a row twice."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from distribution.imports.use_cases import import_csv_file
from distribution.jobs import IMPORT_CSV
from distribution.models import DistributionLogEntry, Source
from distribution.summaries import verify_summaries
from silqeqms.audit import verify_chain
from silqeqms.jobs import retry_job
from silqeqms.jobs.files import PREFIX
from silqeqms.models import AuditEvent, Job
from tests.concurrency import run_at_once
from tests.distribution.pdf_samples import make_order_pdf_reportlab, sample_order
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent connections")

HEADER = "ship_date,order_number,facility_name,city,state,country,sku,lot_number,quantity\n"


def csv_of(rows: int, *, prefix: str = "SO") -> bytes:
    start = datetime.date(2026, 3, 1)
    lines = [f"{start + datetime.timedelta(days=n % 28)},{prefix}-{n // 2},Facility {n % 40},Austin,TX,US,"
             f"211810SPT,L{n % 9},{1 + n % 5}\n" for n in range(rows)]
    return (HEADER + "".join(lines)).encode()


def upload(client, data: bytes, name: str = "shipments.csv"):
    return client.post(reverse("distribution:import_csv"), {"file": SimpleUploadedFile(name, data, "text/csv")})


def confirm(client, preview, reason: str = "March ERP export"):
    token = preview.context["confirm_form"].initial["token"]
    return client.post(reverse("distribution:import_csv"), {"token": token, "reason": reason})


# The page → the job ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("jobs_run_at_once")
def test_confirming_a_csv_starts_a_job_whose_page_shows_what_was_imported(ops_client, ops_user):
    preview = upload(ops_client, csv_of(6))
    response = confirm(ops_client, preview)

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.kind, job.status, job.started_by) == (IMPORT_CSV, "succeeded", ops_user)
    assert DistributionLogEntry.objects.filter(source=Source.CSV).count() == 6
    assert ["Entries created", 6] in job.result["counts"] and ["Customers created", 6] in job.result["counts"]
    # every entry keeps its own audit event, in the job's batch, with the starter's address
    imported = AuditEvent.objects.filter(action="distribution_entry.imported")
    assert imported.count() == 6
    assert set(imported.values_list("batch_id", flat=True)) == {job.audit_batch_id}
    assert set(imported.values_list("request_ip", flat=True)) == {"127.0.0.1"}
    page = ops_client.get(job.get_absolute_url()).content.decode()
    assert "Imported 6 entries from shipments.csv" in page
    assert "Log entries from CSV import" in page
    status = ops_client.get(job.get_absolute_url(), {"format": "json"}).json()
    assert set(status) == {"id", "kind", "status", "done", "total", "result", "error"}
    assert (status["status"], status["done"], status["total"]) == ("succeeded", 18, 18)  # 3 units per line
    assert verify_summaries() == []


@pytest.mark.usefixtures("jobs_run_at_once")
def test_the_uploaded_file_is_kept_in_storage_until_the_import_has_succeeded(ops_client):
    preview = upload(ops_client, csv_of(3))
    stored = [meta["storage_name"] for meta in ops_client.session["staged_imports"].values()]
    assert len(stored) == 1 and stored[0].startswith(f"{PREFIX}/") and default_storage.exists(stored[0])

    confirm(ops_client, preview)

    assert Job.objects.get().input_files == stored
    assert not default_storage.exists(stored[0])  # the job removed it once it succeeded
    assert ops_client.session["staged_imports"] == {}


def test_a_confirm_sent_again_leads_to_the_same_job_and_imports_nothing_more(ops_client, monkeypatch):
    from silqeqms.jobs import services

    monkeypatch.setattr(services, "_enqueue_after_commit", lambda job_id: None)  # no worker yet
    preview = upload(ops_client, csv_of(4))
    first = confirm(ops_client, preview)
    again = confirm(ops_client, preview)  # a double click, or the back button and confirm once more

    job = Job.objects.get()
    assert first["Location"] == again["Location"] == job.get_absolute_url()
    assert job.status == "queued"
    assert DistributionLogEntry.objects.count() == 0  # the worker has not run it yet


@pytest.mark.usefixtures("jobs_run_at_once")
def test_an_import_that_no_longer_fits_fails_the_job_naming_the_line_and_writes_nothing(ops_client, monkeypatch):
    """Between the confirm and the worker, a customer close to a new facility appears: the job plans
    again, asks the question, and imports nothing."""
    from silqeqms.jobs import services

    data = (HEADER + "2026-03-02,SO-1,Saint Marys Hospital,Austin,TX,US,211810SPT,L1,2\n").encode()
    preview = upload(ops_client, data)
    real_enqueue = services._enqueue
    monkeypatch.setattr(services, "_enqueue_after_commit", lambda job_id: None)
    confirm(ops_client, preview)
    job = Job.objects.get()
    CustomerFactory(facility_name="St. Mary's Hospital", city="Austin", state="TX", country="US")

    real_enqueue(job.pk)  # the worker takes it now

    job.refresh_from_db()
    assert job.status == "failed"
    assert "Nothing was imported from shipments.csv" in job.error
    assert "“Saint Marys Hospital” (line 2) is close to an existing customer" in job.error
    assert DistributionLogEntry.objects.count() == 0
    page = ops_client.get(job.get_absolute_url()).content.decode()
    assert "Try again" in page and "upload the file again" in page


@pytest.mark.usefixtures("jobs_run_at_once")
def test_pdf_import_confirm_runs_as_a_job_and_links_each_entry_to_its_original(ops_client):
    pdf = make_order_pdf_reportlab(sample_order(), ruled=True)
    preview = ops_client.post(reverse("distribution:import_pdf"),
                              {"files": [SimpleUploadedFile("mercy.pdf", pdf, "application/pdf")]})
    tokens = preview.context["confirm_form"].initial["tokens"]

    response = ops_client.post(reverse("distribution:import_pdf"), {"tokens": tokens, "reason": "orders of 5 March"})

    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert (job.kind, job.status) == ("distribution.import_pdf", "succeeded")
    entries = DistributionLogEntry.objects.filter(source=Source.PDF)
    assert entries.count() > 0 and all(e.source_document_id for e in entries)
    assert job.result["summary"][0].startswith(f"Imported {entries.count()} entr")
    assert "mercy.pdf" in job.result["summary"][0]


# Never twice -----------------------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_confirm_sent_twice_at_once_imports_the_file_once(ops_user):
    """Two tabs (or a double click) post the same confirm together: one job, 500 entries, both answers
    lead to that job."""
    client = Client()
    client.force_login(ops_user)
    preview = upload(client, csv_of(500))
    token = preview.context["confirm_form"].initial["token"]
    answers = []

    def post():
        answers.append(client.post(reverse("distribution:import_csv"), {"token": token, "reason": "twice"}))

    errors = run_at_once(post, post)

    assert errors == []
    assert Job.objects.count() == 1
    job = Job.objects.get()
    assert [a.status_code for a in answers] == [302, 302]
    assert {a["Location"] for a in answers} == {job.get_absolute_url()}
    assert DistributionLogEntry.objects.count() == 500
    assert verify_summaries() == []


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_at_once_write_its_rows_once(admin_user):
    """Two `manage.py import_distribution` runs of one 20,000-row file: the second waits for the first
    and finds every row already in the log."""
    data = csv_of(20_000)
    results = []

    def run():
        results.append(import_csv_file(actor=None, name="big.csv", data=data, reason="the same file twice"))

    errors = run_at_once(run, run)

    assert errors == []
    assert sorted((r.created, r.duplicates) for r in results) == [(0, 20_000), (20_000, 0)]
    assert DistributionLogEntry.objects.count() == 20_000
    assert verify_summaries() == []
    report = verify_chain()
    assert report.ok, report.problem


@pytest.mark.usefixtures("jobs_run_at_once")
def test_trying_again_after_a_failure_imports_the_rows_once(ops_client, monkeypatch):
    from silqeqms.jobs import services

    preview = upload(ops_client, csv_of(5))
    monkeypatch.setattr(services, "_enqueue_after_commit", lambda job_id: None)
    confirm(ops_client, preview)
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, error="the worker stopped")  # as the sweep does
    monkeypatch.setattr(services, "_enqueue_after_commit", services._enqueue)

    again = retry_job(actor=None, job=job)
    twice = retry_job(actor=None, job=job)  # "Try again" clicked twice

    again.refresh_from_db()
    assert twice.pk == again.pk and again.status == "succeeded"
    assert DistributionLogEntry.objects.count() == 5


# A real worker killed mid-import ---------------------------------------------------------------------


@pytest.fixture
def workers(tmp_path, settings):
    from tests.job_workers import worker_pool

    yield from worker_pool(tmp_path, settings)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_nothing_and_try_again_imports_every_row_once(workers):
    import signal

    from customers.models import Customer
    from silqeqms.jobs import start_job
    from silqeqms.jobs.files import save_job_input
    from tests.job_workers import wait_for

    rows = 30_000
    stored = save_job_input("big.csv", csv_of(rows))
    first = workers.start("first")
    job = start_job(actor=None, kind=IMPORT_CSV, input_files=[stored],
                    params={"file": stored, "name": "big.csv", "reason": "killed mid-import"})
    # Planned (one unit per line), now writing: progress is committed apart from the import's transaction.
    wait_for(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, done__gte=rows).exists(),
             timeout=120, what="the import to start writing", workers=workers)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)

    assert (DistributionLogEntry.objects.count(), Customer.objects.count()) == (0, 0)
    assert not AuditEvent.objects.filter(action__startswith="distribution").exists()
    workers.start("next")
    wait_for(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).exists(), timeout=60,
             what="the next worker to mark the import failed", workers=workers)
    assert DistributionLogEntry.objects.count() == 0
    assert default_storage.exists(stored)  # kept for Try again

    again = retry_job(actor=None, job=Job.objects.get(pk=job.pk))
    wait_for(lambda: Job.objects.filter(pk=again.pk, status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED]).exists(),
             timeout=180, what="the retry to finish", workers=workers)
    again.refresh_from_db()
    assert again.status == Job.Status.SUCCEEDED, again.error
    assert DistributionLogEntry.objects.count() == rows
    assert AuditEvent.objects.filter(action="distribution_entry.imported").count() == rows
    assert verify_summaries() == []
    report = verify_chain()
    assert report.ok, report.problem


# A big file is previewed in the background -----------------------------------------------------------


@pytest.mark.usefixtures("jobs_run_at_once")
def test_a_big_file_is_previewed_by_a_job_whose_result_leads_to_the_preview_and_the_import(ops_client, settings):
    settings.IMPORT_PREVIEW_INLINE_ROWS = 10
    response = upload(ops_client, csv_of(30), name="year.csv")

    preview_job = Job.objects.get()
    assert response["Location"] == preview_job.get_absolute_url()
    assert (preview_job.kind, preview_job.status) == ("distribution.preview_csv", "succeeded")
    assert DistributionLogEntry.objects.count() == 0  # a preview writes nothing
    assert ["To import", 30] in preview_job.result["counts"]
    [link] = preview_job.result["links"]
    assert link["label"] == "Review the preview and import"

    page = ops_client.get(link["url"])
    html = page.content.decode()
    assert "Preview of year.csv" in html and "30 rows read" in html and "Import 30 entries" in html
    assert len(page.context["digest"].lines) == 30
    token = page.context["confirm_form"].initial["token"]
    response = ops_client.post(reverse("distribution:import_csv"), {"token": token, "reason": "the year"})

    import_job = Job.objects.get(kind=IMPORT_CSV)
    assert response["Location"] == import_job.get_absolute_url() and import_job.status == "succeeded"
    assert DistributionLogEntry.objects.count() == 30


@pytest.mark.usefixtures("jobs_run_at_once")
def test_a_big_files_questions_are_asked_from_its_background_preview(ops_client, settings):
    settings.IMPORT_PREVIEW_INLINE_ROWS = 1
    st_marys = CustomerFactory(facility_name="St. Mary's Hospital", city="Austin", state="TX", country="US")
    data = (HEADER + "2026-03-02,SO-1,Saint Marys Hospital,Austin,TX,US,211810SPT,L1,2\n"
                     "2026-03-03,SO-2,Saint Marys Hospital,Austin,TX,US,211810SPT,L1,3\n").encode()
    upload(ops_client, data)
    page = ops_client.get(Job.objects.get().result["links"][0]["url"])
    token = page.context["confirm_form"].initial["token"]
    [(new, field)] = page.context["decisions_form"].customer_questions

    unanswered = ops_client.post(reverse("distribution:import_csv"), {"token": token, "reason": "March"})
    assert unanswered.status_code == 200
    assert "Choose for “Saint Marys Hospital”" in unanswered.content.decode()
    assert not Job.objects.filter(kind=IMPORT_CSV).exists()

    ops_client.post(reverse("distribution:import_csv"),
                    {"token": token, "reason": "March", field.name: str(st_marys.pk)})
    assert DistributionLogEntry.objects.filter(customer=st_marys).count() == 2


@pytest.mark.usefixtures("jobs_run_at_once")
def test_a_big_file_with_problems_lists_them_and_offers_no_import(ops_client, settings):
    settings.IMPORT_PREVIEW_INLINE_ROWS = 1
    data = (HEADER + "2026-03-02,SO-1,Hospital A,Austin,TX,US,211810SPT,L1,0\n"
                     "2026-13-45,SO-2,Hospital B,Austin,TX,US,211810SPT,L1,2\n").encode()
    upload(ops_client, data)
    job = Job.objects.get()
    assert ["Problems", 2] in job.result["counts"]
    assert job.result["links"][0]["label"] == "Review the preview"

    page = ops_client.get(job.result["links"][0]["url"])
    html = page.content.decode()
    assert "Line 2, column <b>quantity</b>" in html and "2026-13-45" in html
    assert page.context["confirm_form"] is None


@pytest.mark.usefixtures("jobs_run_at_once")
def test_someone_elses_background_preview_is_not_theirs_to_open(ops_client, settings, roles):
    from tests.factories import UserFactory

    settings.IMPORT_PREVIEW_INLINE_ROWS = 1
    upload(ops_client, csv_of(3))
    url = Job.objects.get().result["links"][0]["url"]
    other = UserFactory(username="other_ops")
    other.groups.add(roles["ops"])
    ops_client.force_login(other)

    response = ops_client.get(url, follow=True)

    assert "That preview has expired or was already imported" in response.content.decode()


@pytest.mark.usefixtures("jobs_run_at_once")
def test_a_big_pdf_batch_is_read_by_a_job_and_only_its_readable_files_are_confirmed(ops_client, settings):
    settings.IMPORT_PREVIEW_INLINE_PDF_BYTES = 100
    good = make_order_pdf_reportlab(sample_order(), ruled=True)
    response = ops_client.post(reverse("distribution:import_pdf"), {"files": [
        SimpleUploadedFile("mercy.pdf", good, "application/pdf"),
        SimpleUploadedFile("broken.pdf", b"%PDF-1.4 not really", "application/pdf")]})

    reading = Job.objects.get()
    assert response["Location"] == reading.get_absolute_url()
    assert (reading.kind, reading.status) == ("distribution.preview_pdf", "succeeded")
    assert ["Files not read", 1] in reading.result["counts"]
    assert DistributionLogEntry.objects.count() == 0
    page = ops_client.get(reading.result["links"][0]["url"])
    assert "Order SO-1001" in page.content.decode()
    tokens = page.context["confirm_form"].initial["tokens"].split(",")
    assert len(tokens) == 1  # the broken file is not offered

    response = ops_client.post(reverse("distribution:import_pdf"), {"tokens": ",".join(tokens), "reason": "March"})

    importing = Job.objects.get(kind="distribution.import_pdf")
    assert response["Location"] == importing.get_absolute_url() and importing.status == "succeeded"
    assert DistributionLogEntry.objects.filter(source=Source.PDF).count() > 0
    assert importing.result["summary"][0].endswith("from mercy.pdf; each links to its original PDF.")
