"""The job framework: start → run → result or error, progress written apart from the work, Try again,
the stale-heartbeat sweep, input files. Jobs run with the immediate backend (tests/settings.py)."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, transaction
from django.utils import timezone

from silqeqms.audit import record_event
from silqeqms.jobs import Progress, UnknownJobKind, liveness, register, retry_job, start_job
from silqeqms.jobs.files import MissingJobInput, read_job_input, save_job_input
from silqeqms.jobs.progress import Reporter
from silqeqms.jobs.runner import execute_job
from silqeqms.jobs.services import JobNotRetryable, purge_old_job_inputs, sweep_stale_jobs
from silqeqms.models import AuditEvent, Job
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def starter(db):
    return f.UserFactory(username="starter", perms=["silqeqms.view_audit"])


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what start_job queued for commit (the test's transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def read_job_elsewhere(job_id: int) -> dict:
    """The job row as another connection sees it (what a web page polling the job would read)."""
    seen = {}

    def read():
        try:
            seen.update(Job.objects.filter(pk=job_id).values("status", "done", "total", "heartbeat_at").get())
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return seen


def test_a_started_job_runs_once_after_commit_and_keeps_the_handlers_result(starter, committed):
    with committed():
        job = start_job(actor=starter, kind="tests.record_run", params={"tag": "a", "when": datetime.date(2026, 3, 1)})
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED  # nothing runs before the commit
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result == {"tag": "a"}
    assert job.params == {"tag": "a", "when": "2026-03-01"}
    assert (job.done, job.error) == (1, "")
    assert job.started_at <= job.finished_at and job.task_id and job.worker
    assert AuditEvent.objects.filter(action="test.job_ran").count() == 1
    started = AuditEvent.objects.get(action="job.started")
    assert (started.actor, started.target_id, started.data["kind"]) == (starter, str(job.pk), "tests.record_run")


def test_the_events_a_job_records_share_its_batch_id_and_the_starters_address(starter, committed):
    with committed():
        job = start_job(actor=starter, kind="tests.record_run", params={"tag": "b"}, request_ip="192.0.2.7")
    job.refresh_from_db()
    event = AuditEvent.objects.get(action="test.job_ran")
    assert job.audit_batch_id and event.batch_id == job.audit_batch_id
    assert event.request_ip == "192.0.2.7" and event.actor == starter


def test_a_handler_that_raises_job_failed_fails_the_job_with_its_message_and_keeps_the_progress(starter, committed):
    with committed():
        job = start_job(actor=starter, kind="tests.fail", params={"expected": True})
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "Row 3: the quantity “-2” is not a whole number above zero."
    assert (job.done, job.total, job.result) == (3, 4, None)
    assert job.finished_at is not None


def test_an_unexpected_error_is_a_plain_sentence_for_the_user_and_a_traceback_in_the_log(starter, committed, caplog):
    with committed():
        job = start_job(actor=starter, kind="tests.fail")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Fail (test) stopped on an unexpected error (KeyError: 'missing').")
    assert f"worker's log (job {job.pk})" in job.error
    assert "Traceback" not in job.error
    assert any(r.exc_info and "Traceback" in caplog.text for r in caplog.records if r.name == "silqeqms.jobs")


def test_an_unknown_kind_or_params_that_are_not_json_start_nothing(starter):
    with pytest.raises(UnknownJobKind):
        start_job(actor=starter, kind="tests.nothing_like_this")
    with pytest.raises(ValueError, match="must be JSON"):
        start_job(actor=starter, kind="tests.record_run", params={"tag": object()})
    assert not Job.objects.exists()
    assert not AuditEvent.objects.filter(action="job.started").exists()


def test_a_user_without_the_kinds_permission_cannot_start_it():
    clerk = f.UserFactory(perms=["distribution.view"])
    with pytest.raises(PermissionDenied, match="silqeqms.view_audit"):
        start_job(actor=clerk, kind="tests.record_run", params={"tag": "x"})
    assert not Job.objects.exists()


def test_the_system_may_start_any_kind(committed):
    with committed():
        job = start_job(actor=None, kind="tests.record_run", params={"tag": "cron"})
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.started_by is None


def test_a_job_that_is_not_queued_any_more_is_never_run_again(starter, committed):
    with committed():
        job = start_job(actor=starter, kind="tests.record_run", params={"tag": "once"})
    execute_job(job.pk)  # the same task delivered a second time
    execute_job(job.pk + 1000)  # a job that does not exist
    assert AuditEvent.objects.filter(action="test.job_ran").count() == 1


def test_try_again_runs_the_same_kind_params_and_files_once_more_as_a_new_attempt(starter, committed):
    name = save_job_input("rows.csv", b"a\nb\n")
    with committed():
        failed = start_job(actor=starter, kind="tests.fail", params={"expected": True, "file": name},
                           input_files=[name])
    failed.refresh_from_db()
    assert failed.status == Job.Status.FAILED
    assert read_job_input(name) == b"a\nb\n"  # a failed job keeps its files for Try again
    with committed():
        again = retry_job(actor=starter, job=failed)
    again.refresh_from_db()
    assert (again.kind, again.params, again.input_files) == (failed.kind, failed.params, failed.input_files)
    assert (again.retry_of, again.attempt, again.status) == (failed, 2, Job.Status.FAILED)
    event = AuditEvent.objects.get(action="job.retried")
    assert event.data["retry_of"] == failed.pk and event.actor == starter


def test_try_again_twice_makes_one_new_attempt(starter, committed):
    with committed():
        failed = start_job(actor=starter, kind="tests.fail")
    Job.objects.filter(pk=failed.pk).update(kind="tests.record_run", params={"tag": "retried"})
    failed.refresh_from_db()
    with committed():
        first = retry_job(actor=starter, job=failed)
    second = retry_job(actor=starter, job=failed)
    assert first == second
    assert Job.objects.filter(retry_of=failed).count() == 1
    assert AuditEvent.objects.filter(action="test.job_ran").count() == 1


def test_only_a_failed_job_can_be_tried_again(starter, committed):
    with committed():
        done = start_job(actor=starter, kind="tests.record_run", params={"tag": "ok"})
    with pytest.raises(JobNotRetryable, match="succeeded; only a failed job"):
        retry_job(actor=starter, job=done)
    assert Job.objects.count() == 1


def test_progress_refuses_counts_that_are_not_whole_numbers():
    progress = Progress(job_id=1)
    progress.set_total(10)
    progress.advance(3)
    progress.update(5, total=12)
    assert progress.snapshot()[:2] == (5, 12)
    for bad in (lambda: progress.advance(-1), lambda: progress.set_total(-3), lambda: progress.update(2.5),
                lambda: progress.advance("1")):
        with pytest.raises(ValueError):
            bad()


def test_a_successful_attempt_removes_its_input_files(starter, committed):
    name = save_job_input("../../etc/passwd", b"hello\nworld")
    assert name.startswith("job-inputs/") and name.endswith("/passwd")
    with committed():
        job = start_job(actor=starter, kind="tests.read_input", params={"file": name}, input_files=[name])
    job.refresh_from_db()
    assert job.result["lines"] == ["hello", "world"]
    with pytest.raises(MissingJobInput, match="upload it again"):
        read_job_input(name)


def test_names_outside_the_job_input_folder_are_refused():
    for name in ("../settings.py", "job-inputs/../../x", "/etc/passwd", "other/file"):
        with pytest.raises(MissingJobInput):
            read_job_input(name)


def test_old_failed_jobs_lose_their_input_files_unless_a_running_retry_still_reads_them(starter):
    old, shared = save_job_input("a.csv", b"1"), save_job_input("b.csv", b"2")
    long_ago = timezone.now() - datetime.timedelta(days=30)
    gone = Job.objects.create(kind="tests.read_input", status=Job.Status.FAILED, finished_at=long_ago,
                              input_files=[old])
    kept = Job.objects.create(kind="tests.read_input", status=Job.Status.FAILED, finished_at=long_ago,
                              input_files=[shared])
    Job.objects.create(kind="tests.read_input", status=Job.Status.RUNNING, input_files=[shared], retry_of=kept)
    assert purge_old_job_inputs() == 2
    with pytest.raises(MissingJobInput):
        read_job_input(old)
    assert read_job_input(shared) == b"2"
    gone.refresh_from_db()
    assert gone.input_files == []


# --- progress and heartbeat are written by a thread of their own ---------------------------------------

def _observe_midway(*, actor, params, progress):
    progress.set_total(10)
    progress.advance(4)
    time.sleep(0.4)
    first = read_job_elsewhere(progress.job_id)
    time.sleep(0.6)
    second = read_job_elsewhere(progress.job_id)
    progress.advance(6)
    return {"first": first, "second": second}


def _observe_inside_a_transaction(*, actor, params, progress):
    with transaction.atomic():
        record_event(actor=None, action="test.uncommitted")
        progress.update(7, total=9)
        time.sleep(0.5)
        seen = read_job_elsewhere(progress.job_id)
        events_seen = {}

        def count_events():
            try:
                events_seen["n"] = AuditEvent.objects.filter(action="test.uncommitted").count()
            finally:
                connections.close_all()

        thread = threading.Thread(target=count_events)
        thread.start()
        thread.join()
    return {"seen": seen, "events_seen": events_seen["n"]}


register("tests.observe_midway", _observe_midway, label="Observe (test)", permission="silqeqms.view_audit")
register("tests.observe_in_transaction", _observe_inside_a_transaction, label="Observe (test)",
         permission="silqeqms.view_audit")


@pytest.mark.django_db(transaction=True)
def test_progress_and_heartbeat_are_visible_to_others_while_the_handler_still_runs(starter, settings):
    settings.JOBS_PROGRESS_INTERVAL_SECONDS = 0.05
    settings.JOBS_HEARTBEAT_SECONDS = 0.2
    job = start_job(actor=starter, kind="tests.observe_midway")
    job.refresh_from_db()
    first, second = job.result["first"], job.result["second"]
    assert first["status"] == second["status"] == "running"
    assert (first["done"], first["total"]) == (4, 10)
    assert second["heartbeat_at"] > first["heartbeat_at"]  # the heartbeat goes on while nothing advances
    assert (job.status, job.done, job.total) == (Job.Status.SUCCEEDED, 10, 10)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite has one writer: progress made inside a write transaction shows after it commits")
@pytest.mark.django_db(transaction=True)
def test_progress_commits_on_its_own_while_the_works_transaction_is_still_open(starter, settings):
    settings.JOBS_PROGRESS_INTERVAL_SECONDS = 0.05
    job = start_job(actor=starter, kind="tests.observe_in_transaction")
    job.refresh_from_db()
    assert job.result["seen"]["done"] == 7 and job.result["seen"]["total"] == 9
    assert job.result["events_seen"] == 0  # the work itself was not committed yet
    assert AuditEvent.objects.filter(action="test.uncommitted").count() == 1


def _advance_for_a_while(*, actor, params, progress):
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:
        progress.advance()
    return {"advances": progress.done}


register("tests.advance_for_a_while", _advance_for_a_while, label="Advance (test)", permission="silqeqms.view_audit")


@pytest.mark.django_db(transaction=True)
def test_progress_writes_are_rate_limited_however_often_the_handler_advances(starter, settings, monkeypatch):
    settings.JOBS_PROGRESS_INTERVAL_SECONDS = 0.1
    writes = []
    original = Reporter._write
    monkeypatch.setattr(Reporter, "_write", lambda self, done, total: writes.append(done) or original(self, done, total))
    job = start_job(actor=starter, kind="tests.advance_for_a_while")
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.done == job.result["advances"] > 10_000
    assert 2 <= len(writes) <= 0.6 / 0.1 + 2  # a few writes for ~0.6 s of tens of thousands of advances
    assert writes == sorted(writes)


# --- the stale-heartbeat sweep ----------------------------------------------------------------------------

def _running(heartbeat_age: float, **fields) -> Job:
    beat = timezone.now() - datetime.timedelta(seconds=heartbeat_age)
    return Job.objects.create(kind="tests.record_run", status=Job.Status.RUNNING, started_at=beat,
                              heartbeat_at=beat, worker="box-7:4242", **fields)


def test_the_sweep_fails_running_jobs_whose_heartbeat_went_quiet_and_nothing_else(settings):
    settings.JOBS_STALE_AFTER_SECONDS = 60
    quiet, alive = _running(61), _running(5)
    waiting = Job.objects.create(kind="tests.record_run")
    assert sweep_stale_jobs() == [quiet.pk]
    quiet.refresh_from_db()
    assert quiet.status == Job.Status.FAILED and quiet.finished_at is not None
    assert quiet.error.startswith("The worker running this job (box-7:4242) stopped: no heartbeat since ")
    assert quiet.error.endswith("Try again runs it once more.")
    for job in (alive, waiting):
        job.refresh_from_db()
    assert (alive.status, waiting.status) == (Job.Status.RUNNING, Job.Status.QUEUED)
    assert sweep_stale_jobs() == []  # twice is harmless


def test_a_swept_job_can_be_tried_again_and_then_runs(starter, committed, settings):
    settings.JOBS_STALE_AFTER_SECONDS = 60
    lost = _running(600, started_by=starter, params={"tag": "after-crash"})
    sweep_stale_jobs()
    lost.refresh_from_db()
    with committed():
        again = retry_job(actor=starter, job=lost)
    again.refresh_from_db()
    assert again.status == Job.Status.SUCCEEDED
    assert AuditEvent.objects.filter(action="test.job_ran", data__tag="after-crash").count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the file lock backs up the heartbeat on SQLite only")
def test_on_sqlite_a_quiet_job_whose_worker_still_holds_its_lock_is_left_running(settings):
    settings.JOBS_STALE_AFTER_SECONDS = 60
    busy = _running(600)
    with liveness.hold(busy.pk):
        assert liveness.is_held(busy.pk)
        assert sweep_stale_jobs() == []
    assert not liveness.is_held(busy.pk)
    assert sweep_stale_jobs() == [busy.pk]


def test_the_sweep_fails_a_queued_job_whose_task_a_worker_took_but_never_started(settings):
    from django_tasks_db.models import DBTaskResult

    from silqeqms.jobs.tasks import run_job

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.JOBS_STALE_AFTER_SECONDS = 60
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    taken = Job.objects.create(kind="tests.record_run", task_id=run_job.enqueue(1).id)
    DBTaskResult.objects.get(pk=taken.task_id).claim("dead-worker")
    waiting = Job.objects.create(kind="tests.record_run", task_id=run_job.enqueue(2).id)
    Job.objects.filter(pk__in=[taken.pk, waiting.pk]).update(created_at=long_ago)
    assert sweep_stale_jobs() == [taken.pk]
    waiting.refresh_from_db()
    assert waiting.status == Job.Status.QUEUED  # still waiting for a worker: nothing says it is lost


def _overshoot(*, actor, params, progress):
    progress.set_total(2)
    progress.advance(5)


register("tests.overshoot", _overshoot, label="Overshoot (test)", permission="silqeqms.view_audit")


def test_a_job_runs_even_when_its_handler_advances_past_the_total(starter, committed):
    with committed():
        job = start_job(actor=starter, kind="tests.overshoot")
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent, job.result) == (Job.Status.SUCCEEDED, 5, 2, 100, {})


def test_a_handler_cannot_be_registered_twice_under_one_name():
    with pytest.raises(ValueError, match="already registered"):
        register("tests.record_run", lambda **kwargs: None, label="x", permission="silqeqms.view_audit")
