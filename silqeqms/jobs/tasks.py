"""The one django-tasks task: run a Job row. Everything else about the job lives on that row."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int) -> None:
    from silqeqms.jobs.runner import execute_job

    execute_job(job_id)
