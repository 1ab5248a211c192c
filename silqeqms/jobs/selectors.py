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


# The header badge counts only for a session that started or watched one of its user's jobs, so that the
# pages of everyone else cost no query for it. A job started from a page always leads to that job's page.
BADGE_SESSION_KEY = "jobs_badge"


def active_job_count(user) -> int:
    """The navigation badge: this user's queued and running jobs."""
    return Job.objects.filter(started_by=user, status__in=Job.ACTIVE).count()


def follow_in_badge(request, job: Job) -> None:
    if job.started_by_id == request.user.pk and job.is_active:
        request.session[BADGE_SESSION_KEY] = True


def badge_count(request) -> int:
    if not request.session.get(BADGE_SESSION_KEY):
        return 0
    count = active_job_count(request.user)
    if not count:
        del request.session[BADGE_SESSION_KEY]
    return count
