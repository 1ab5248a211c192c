"""Reads of Job rows, scoped to who may see them: your own jobs, or everyone's with silqeqms.view_all_jobs."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from silqeqms.jobs.models import Job

VIEW_ALL = "silqeqms.view_all_jobs"


def jobs_visible_to(user) -> QuerySet[Job]:
    jobs = Job.objects.select_related("started_by")
    if user.has_perm(VIEW_ALL):
        return jobs
    return jobs.filter(started_by=user)


def visible_job(user, pk: int) -> Job:
    """The job, or 404 when it does not exist or is someone else's (never 403: existence is not revealed)."""
    job = jobs_visible_to(user).filter(pk=pk).first()
    if job is None:
        raise Http404("No such job.")
    return job


def active_job_count(user) -> int:
    """The navigation badge: this user's queued and running jobs."""
    return Job.objects.filter(started_by=user, status__in=Job.ACTIVE).count()
