"""Job pages: who sees which job (404 for someone else's), the JSON the progress bar polls, Try again,
one-click start, the header badge, and the page without JavaScript."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from silqeqms.jobs import start_job
from silqeqms.models import AuditEvent, Job
from tests import factories as f

pytestmark = pytest.mark.django_db

KIND_PERMISSION = "silqeqms.view_audit"  # what the test kinds (tests/jobkinds) declare


@pytest.fixture
def owner(db):
    return f.UserFactory(username="owner", perms=[KIND_PERMISSION])


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _finished(owner, committed, kind="tests.count", params=None) -> Job:
    with committed():
        job = start_job(actor=owner, kind=kind, params=params if params is not None else {"steps": 3, "pause": 0})
    job.refresh_from_db()
    return job


def test_the_json_answer_has_exactly_the_agreed_keys(owner_client, owner, committed):
    job = _finished(owner, committed)
    response = owner_client.get(reverse("jobs:job_detail", args=[job.pk]), {"format": "json"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert list(body) == ["id", "kind", "status", "done", "total", "result", "error"]
    assert body["id"] == job.pk and body["kind"] == "tests.count" and body["status"] == "succeeded"
    assert (body["done"], body["total"], body["error"]) == (3, 3, None)
    assert body["result"]["summary"] == ["Counted to 3."]


def test_a_failed_jobs_json_carries_its_error_and_no_result(owner_client, owner, committed):
    job = _finished(owner, committed, kind="tests.fail", params={"expected": True})
    body = owner_client.get(reverse("jobs:job_detail", args=[job.pk]), {"format": "json"}).json()
    assert body["status"] == "failed" and body["result"] is None
    assert body["error"].startswith("Row 3:")


def test_the_finished_page_shows_the_summary_the_counts_and_only_same_site_links(owner_client, owner, committed):
    job = _finished(owner, committed)
    page = owner_client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert f"<title>Job {job.pk} · Count (test) · SilqeQMS</title>" in page
    assert "Counted to 3." in page and "Steps" in page
    assert 'href="/admin/audit/"' in page
    assert "example.com" not in page  # a handler's link to another site is not shown
    assert 'value="1" max="1"' in page  # a succeeded bar is full
    assert f'href="/admin/audit/?batch_id={job.audit_batch_id}"' in page
    assert "http-equiv=\"refresh\"" not in page and "job-progress.js" not in page


def test_a_failed_job_page_shows_the_error_and_try_again(owner_client, owner, committed):
    job = _finished(owner, committed, kind="tests.fail", params={"expected": True})
    page = owner_client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert "Row 3: the quantity “-2” is not a whole number above zero." in page
    assert reverse("jobs:job_retry", args=[job.pk]) in page and "Try again" in page


def test_a_running_job_page_follows_the_job_with_and_without_javascript(owner_client, owner):
    job = Job.objects.create(kind="tests.count", started_by=owner, status=Job.Status.RUNNING, done=3, total=12,
                             started_at=timezone.now(), heartbeat_at=timezone.now())
    page = owner_client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "js/job-progress.js" in page
    assert 'value="3" max="12"' in page and "3 of 12" in page and "25 %" in page
    assert f'data-job-poll="/admin/jobs/{job.pk}/?format=json"' in page


def test_a_job_nobody_takes_says_that_a_worker_may_be_missing(owner_client, owner):
    job = Job.objects.create(kind="tests.count", started_by=owner)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    page = owner_client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert "No worker has taken this job yet" in page and "db_worker" in page


@pytest.mark.parametrize("suffix", ["", "?format=json"])
def test_another_users_job_is_a_404_without_the_view_all_permission(client, owner, committed, suffix):
    job = _finished(owner, committed)
    client.force_login(f.UserFactory(perms=[KIND_PERMISSION, "distribution.view"]))
    assert client.get(reverse("jobs:job_detail", args=[job.pk]) + suffix).status_code == 404


def test_try_again_on_another_users_job_is_a_404_and_writes_nothing(client, owner, committed):
    job = _finished(owner, committed, kind="tests.fail", params={"expected": True})
    client.force_login(f.UserFactory(perms=[KIND_PERMISSION]))
    events = AuditEvent.objects.count()
    assert client.post(reverse("jobs:job_retry", args=[job.pk])).status_code == 404
    assert Job.objects.count() == 1 and AuditEvent.objects.count() == events


def test_quality_sees_everyones_jobs_and_may_filter_to_its_own(client, quality_user, owner, committed):
    job = _finished(owner, committed)
    client.force_login(quality_user)
    assert client.get(reverse("jobs:job_detail", args=[job.pk])).status_code == 200
    listing = client.get(reverse("jobs:job_list")).content.decode()
    assert f"/admin/jobs/{job.pk}/" in listing and "owner" in listing
    mine = client.get(reverse("jobs:job_list"), {"whose": "mine"}).content.decode()
    assert f"/admin/jobs/{job.pk}/" not in mine


def test_the_list_shows_a_user_only_their_own_jobs(client, owner, committed):
    theirs = _finished(owner, committed)
    me = f.UserFactory(perms=[KIND_PERMISSION])
    mine = _finished(me, committed)
    client.force_login(me)
    listing = client.get(reverse("jobs:job_list"), {"whose": "mine"}).content.decode()
    assert f"/admin/jobs/{mine.pk}/" in listing and f"/admin/jobs/{theirs.pk}/" not in listing
    assert "Started by" not in listing.split("<table")[0]  # no "whose" filter for them: it is always their own


def test_an_empty_list_says_what_jobs_are(owner_client):
    page = owner_client.get(reverse("jobs:job_list")).content.decode()
    assert "No jobs yet." in page


def test_the_list_costs_the_same_queries_for_many_jobs(owner_client, owner, committed, django_assert_max_num_queries):
    _finished(owner, committed)
    with django_assert_max_num_queries(12) as few:
        owner_client.get(reverse("jobs:job_list"))
    for _ in range(10):
        Job.objects.create(kind="tests.count", started_by=owner, status=Job.Status.SUCCEEDED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        owner_client.get(reverse("jobs:job_list"))


def test_try_again_starts_a_new_attempt_and_opens_it(owner_client, owner, committed):
    job = _finished(owner, committed, kind="tests.fail", params={"expected": True})
    with committed():
        response = owner_client.post(reverse("jobs:job_retry", args=[job.pk]))
    again = Job.objects.get(retry_of=job)
    assert response.status_code == 302 and response["Location"] == f"/admin/jobs/{again.pk}/"
    assert again.started_by == owner and again.attempt == 2 and again.status == Job.Status.FAILED
    page = owner_client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert f"job {again.pk}</a> (failed)" in page


def test_try_again_needs_the_permission_the_kind_declares(client, committed):
    former = f.UserFactory(perms=[KIND_PERMISSION])
    job = _finished(former, committed, kind="tests.fail", params={"expected": True})
    former.user_permissions.clear()
    client.force_login(former)
    page = client.get(reverse("jobs:job_detail", args=[job.pk])).content.decode()
    assert "Try again</button>" not in page
    assert "batch_id=" not in page  # no link to an audit trail they may not open
    events = AuditEvent.objects.count()
    response = client.post(reverse("jobs:job_retry", args=[job.pk]))
    assert response.status_code == 403 and KIND_PERMISSION in response.content.decode()
    assert Job.objects.count() == 1 and AuditEvent.objects.count() == events


def test_try_again_on_a_succeeded_job_starts_nothing_and_says_why(owner_client, owner, committed):
    job = _finished(owner, committed)
    response = owner_client.post(reverse("jobs:job_retry", args=[job.pk]), follow=True)
    assert "Nothing was started." in response.content.decode()
    assert Job.objects.count() == 1


def test_one_click_start_offers_and_runs_kinds_the_user_may_start(owner_client, owner, committed):
    page = owner_client.get(reverse("jobs:job_list")).content.decode()
    offered = '<input type="hidden" name="kind" value="{}">'
    assert offered.format("tests.count") in page
    assert offered.format("distribution.rebuild_summaries") not in page  # needs distribution.edit
    with committed():
        response = owner_client.post(reverse("jobs:job_start"), {"kind": "tests.count"})
    job = Job.objects.get()
    assert response["Location"] == f"/admin/jobs/{job.pk}/"
    assert job.kind == "tests.count" and job.started_by == owner


@pytest.mark.parametrize(("kind", "status"), [("tests.nothing", 404), ("tests.fail", 404),
                                              ("distribution.rebuild_summaries", 403)])
def test_one_click_start_refuses_unknown_unoffered_and_forbidden_kinds(owner_client, kind, status):
    response = owner_client.post(reverse("jobs:job_start"), {"kind": kind})
    assert response.status_code == status
    assert not Job.objects.exists() and not AuditEvent.objects.filter(action="job.started").exists()


def test_the_header_shows_a_badge_while_one_of_my_jobs_runs(owner_client, owner):
    assert "running</span>" not in owner_client.get(reverse("home")).content.decode()
    job = Job.objects.create(kind="tests.count", started_by=owner, status=Job.Status.RUNNING,
                             heartbeat_at=timezone.now())
    Job.objects.create(kind="tests.count", started_by=f.UserFactory(), status=Job.Status.RUNNING)
    owner_client.get(reverse("jobs:job_detail", args=[job.pk]))  # starting a job from a page leads here
    assert ">1 running</span>" in owner_client.get(reverse("home")).content.decode()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    assert "running</span>" not in owner_client.get(reverse("home")).content.decode()


def test_pages_cost_no_query_for_the_badge_when_no_job_of_this_session_runs(owner_client, owner):
    job = Job.objects.create(kind="tests.count", started_by=owner, status=Job.Status.SUCCEEDED)
    owner_client.get(reverse("jobs:job_detail", args=[job.pk]))  # a finished job: nothing to follow
    with CaptureQueriesContext(connection) as queries:
        owner_client.get(reverse("home"))
    assert queries.captured_queries and not any("silqeqms_job" in q["sql"] for q in queries.captured_queries)


def test_viewing_a_job_whose_worker_died_marks_it_failed(owner_client, owner, settings):
    settings.JOBS_STALE_AFTER_SECONDS = 60
    beat = timezone.now() - datetime.timedelta(minutes=10)
    job = Job.objects.create(kind="tests.count", started_by=owner, status=Job.Status.RUNNING, started_at=beat,
                             heartbeat_at=beat, worker="web-2:77")
    body = owner_client.get(reverse("jobs:job_detail", args=[job.pk]), {"format": "json"}).json()
    assert body["status"] == "failed" and "(web-2:77) stopped" in body["error"]


def test_hostile_addresses_and_filters_are_404s_or_empty_lists_never_errors(admin_client):
    assert admin_client.get("/admin/jobs/99999999999999999999999/").status_code == 404
    assert admin_client.post("/admin/jobs/99999999999999999999999/retry/").status_code == 404
    listing = admin_client.get(reverse("jobs:job_list"), {"status": "x'; drop", "kind": "<script>", "whose": "zz",
                                                          "page": "abc", "sort": "nope", "per_page": "100000"})
    assert listing.status_code == 200 and "<script>" not in listing.content.decode().split("</header>")[1]
    assert admin_client.post(reverse("jobs:job_start"), {"kind": ["a", "b"]}).status_code == 404
    assert admin_client.post(reverse("jobs:job_start")).status_code == 404
    assert not Job.objects.exists()
