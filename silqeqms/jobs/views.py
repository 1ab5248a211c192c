"""Job pages: your jobs, one job's progress (HTML, or ?format=json for the polling script), Try again.

Any signed-in user may open them; what they see is scoped (selectors.py): another user's job is a 404.
Starting and retrying need the permission the job's kind declares.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views import View

from silqeqms.jobs import selectors, services
from silqeqms.jobs.filters import JobFilterSet
from silqeqms.jobs.models import Job
from silqeqms.jobs.registry import UnknownJobKind, all_kinds, get_kind, label_for
from silqeqms.jobs.tables import JobTable, status_badge
from silqeqms.lists import TableListView
from silqeqms.middleware import client_ip
from silqeqms.permissions import permission_denied_message

logger = logging.getLogger("silqeqms.jobs")

# A queued job nobody has taken after this long probably has no worker to go to: the page says so.
NO_WORKER_HINT_AFTER = datetime.timedelta(seconds=30)


def job_json(job: Job) -> dict:
    """The polling contract: exactly these keys."""
    return {"id": job.pk, "kind": job.kind, "status": job.status, "done": job.done, "total": job.total,
            "result": job.result, "error": job.error or None}


def _safe_url(url) -> bool:
    return isinstance(url, str) and url.startswith("/") and not url.startswith("//") and "\\" not in url


def result_display(result) -> dict:
    """What the page shows of a handler's result: `summary` lines, `counts` ([label, number] pairs, in
    order), and `links` ([{label, url}], same-site URLs only). Other keys stay in the JSON only."""
    result = result if isinstance(result, dict) else {}
    summary = result.get("summary") or []
    counts = result.get("counts") or {}
    links = result.get("links") or []
    if isinstance(counts, dict):  # PostgreSQL's jsonb does not keep key order: prefer [[label, n], ...]
        counts = list(counts.items())
    return {
        "summary": [str(line) for line in (summary if isinstance(summary, list) else [summary])],
        "counts": [(str(pair[0]), pair[1]) for pair in counts if isinstance(pair, list | tuple) and len(pair) == 2]
        if isinstance(counts, list) else [],
        "links": [link for link in links if isinstance(link, dict) and _safe_url(link.get("url"))
                  and link.get("label")] if isinstance(links, list) else [],
    }


def progress_bar(job: Job) -> dict | None:
    """value/max for the <progress> element; None draws it indeterminate (running, total unknown)."""
    if job.status == Job.Status.SUCCEEDED:
        return {"value": 1, "max": 1}
    if job.total:
        return {"value": min(job.done, job.total), "max": job.total}
    return None if job.is_active else {"value": 0, "max": 1}


def startable_kinds(user) -> list:
    return [kind for kind in all_kinds() if kind.startable and user.has_perm(kind.permission)]


class JobListView(TableListView):
    model = Job
    table_class = JobTable
    filterset_class = JobFilterSet
    template_name = "jobs/job_list.html"

    def get_queryset(self):
        return selectors.jobs_visible_to(self.request.user)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        return {**kwargs, "user": self.request.user, "see_all": self.request.user.has_perm(selectors.VIEW_ALL)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["startable_kinds"] = startable_kinds(self.request.user)
        context["sees_all"] = self.request.user.has_perm(selectors.VIEW_ALL)
        return context


class JobStartView(View):
    """POST kind=<name>: a one-click start of a kind that needs no params (e.g. rebuilding summaries)."""

    def get(self, request):
        return redirect("jobs:job_list")

    def post(self, request):
        try:
            kind = get_kind(request.POST.get("kind", ""))
        except UnknownJobKind:
            raise Http404("No such job kind.") from None
        if not kind.startable:
            raise Http404("This job is started from its own page.")
        if not request.user.has_perm(kind.permission):
            raise PermissionDenied(permission_denied_message(kind.permission))
        job = services.start_job(actor=request.user, kind=kind.name, params={}, request_ip=client_ip(request))
        return redirect(job)


class JobDetailView(View):
    template_name = "jobs/job_detail.html"

    def get(self, request, pk: int):
        job = selectors.visible_job(request.user, pk)
        job = self._swept(job)
        selectors.follow_in_badge(request, job)
        if request.GET.get("format") == "json":
            response = JsonResponse(job_json(job))
            response["Cache-Control"] = "no-store"
            return response
        try:
            kind = get_kind(job.kind)
        except UnknownJobKind:
            kind = None
        waiting = timezone.now() - job.created_at if job.status == Job.Status.QUEUED else None
        return render(request, self.template_name, {
            "job": job,
            "kind_label": label_for(job.kind),
            "status_badge": status_badge(job),
            "bar": progress_bar(job),
            "result": result_display(job.result),
            "can_retry": job.status == Job.Status.FAILED and kind is not None and request.user.has_perm(kind.permission),
            "retries": list(job.retries.order_by("id")),
            "no_worker_hint": waiting is not None and waiting > NO_WORKER_HINT_AFTER,
            "poll_ms": getattr(settings, "JOBS_POLL_MILLISECONDS", 1000),
            "audit_url": (reverse("audit_list") + "?" + urlencode({"batch_id": job.audit_batch_id})
                          if job.audit_batch_id and request.user.has_perm("silqeqms.view_audit") else None),
        })

    def _swept(self, job: Job) -> Job:
        """Viewing a running job whose heartbeat went quiet runs the sweep for it (best effort)."""
        if job.status != Job.Status.RUNNING or job.heartbeat_at is None:
            return job
        if timezone.now() - job.heartbeat_at <= datetime.timedelta(seconds=settings.JOBS_STALE_AFTER_SECONDS):
            return job
        try:
            if services.sweep_stale_jobs(job_ids=[job.pk]):
                job.refresh_from_db()
        except DatabaseError:  # SQLite busy behind a long write: the next view or the worker sweeps
            logger.info("Sweep for job %s skipped: database busy", job.pk, exc_info=True)
        return job


class JobRetryView(View):
    """POST: Try again. Needs the permission of the job's kind, on a job you can see (else 404)."""

    def get(self, request, pk: int):
        return redirect(selectors.visible_job(request.user, pk))

    def post(self, request, pk: int):
        job = selectors.visible_job(request.user, pk)
        try:
            kind = get_kind(job.kind)
        except UnknownJobKind as error:
            messages.error(request, f"Nothing was started. {error}")
            return redirect(job)
        if not request.user.has_perm(kind.permission):
            raise PermissionDenied(permission_denied_message(kind.permission))
        try:
            attempt = services.retry_job(actor=request.user, job=job, request_ip=client_ip(request))
        except services.JobNotRetryable as error:
            messages.warning(request, f"Nothing was started. {error}")
            return redirect(job)
        return redirect(attempt)
