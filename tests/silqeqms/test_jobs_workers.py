"""Real `manage.py db_worker` processes against the test database (PostgreSQL): two workers never run
the same job, and a worker killed mid-job leaves nothing of the job's transaction behind; the next
worker marks the job failed and Try again runs it once more."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest

from silqeqms.audit import verify_chain
from silqeqms.jobs import retry_job, start_job
from silqeqms.models import AuditEvent, Job
from tests.job_workers import NEEDS_POSTGRESQL, wait_for, worker_pool

pytestmark = [NEEDS_POSTGRESQL, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workers(tmp_path, settings):
    yield from worker_pool(tmp_path, settings)


def test_twenty_jobs_and_two_workers_every_job_runs_exactly_once(workers):
    workers.start("a")
    workers.start("b")
    workers.wait_until_polling("a", "b")  # both poll the queue when the 20 jobs arrive
    jobs = [start_job(actor=None, kind="tests.record_run", params={"tag": f"job-{n}", "pause": 0.3})
            for n in range(20)]
    ids = [job.pk for job in jobs]
    wait_for(lambda: Job.objects.filter(pk__in=ids, status__in=Job.ACTIVE).count() == 0, timeout=90,
             what="the 20 jobs to finish", workers=workers)
    statuses = Counter(Job.objects.filter(pk__in=ids).values_list("status", flat=True))
    assert statuses == {Job.Status.SUCCEEDED: 20}, workers.logs()
    runs = Counter(AuditEvent.objects.filter(action="test.job_ran").values_list("data__tag", flat=True))
    assert runs == {f"job-{n}": 1 for n in range(20)}
    ran_on = set(Job.objects.filter(pk__in=ids).values_list("worker", flat=True))
    assert len(ran_on) == 2, f"both workers should have taken jobs: {ran_on}"


def test_a_worker_killed_mid_job_leaves_nothing_and_the_next_worker_fails_it_for_try_again(workers, tmp_path):
    hold = tmp_path / "hold"
    hold.touch()
    first = workers.start("first")
    job = start_job(actor=None, kind="tests.write_then_hold",
                    params={"rows": 5, "hold_file": str(hold), "tag": "killed"})
    # Progress commits on its own while the job's transaction (5 rows written) is still open.
    wait_for(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, done=5).exists(), timeout=60,
             what="the job to write its rows", workers=workers)
    assert AuditEvent.objects.filter(action="test.held_row").count() == 0

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    hold.unlink()  # from now on the job would finish at once
    time.sleep(1)
    assert AuditEvent.objects.filter(action="test.held_row").count() == 0
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING  # nobody has noticed yet

    workers.start("next")
    wait_for(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).exists(), timeout=30,
             what="the next worker to mark the job failed", workers=workers)
    job.refresh_from_db()
    assert "stopped: no heartbeat since" in job.error and job.error.endswith("Try again runs it once more.")
    assert AuditEvent.objects.filter(action="test.held_row").count() == 0

    again = retry_job(actor=None, job=job)
    wait_for(lambda: Job.objects.filter(pk=again.pk, status=Job.Status.SUCCEEDED).exists(), timeout=30,
             what="the retry to succeed", workers=workers)
    assert AuditEvent.objects.filter(action="test.held_row", data__tag="killed").count() == 5
    report = verify_chain()
    assert report.ok, report.problem  # the killed transaction left no hole in the audit chain
