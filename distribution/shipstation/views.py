"""The ShipStation status page ("Sync now") and the SHIP_NOTIFY webhook: each starts the sync as a
background job (distribution.jobs.SYNC_SHIPSTATION), so no request waits on ShipStation."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from distribution import selectors
from distribution.jobs import SYNC_SHIPSTATION, active_sync_job
from distribution.models import Source, Status, SyncRun
from distribution.shipstation import sync
from silqeqms.jobs import start_job
from silqeqms.middleware import client_ip
from silqeqms.permissions import PermissionRequiredMixin

RECENT_RUNS = 20
CRON_LINE = "*/15 * * * * cd /srv/silqeqms && .venv/bin/python manage.py sync_shipstation --background"


class ShipStationView(PermissionRequiredMixin, View):
    """GET: configuration (never the secrets), recent runs, the review count. POST: sync now."""

    permission_required = "distribution.sync"
    template_name = "distribution/shipstation.html"

    def get(self, request):
        window_start, window_end = sync.default_window()
        needs_review = selectors.entries_visible_to(request.user).filter(
            status=Status.NEEDS_REVIEW, source=Source.SHIPSTATION).count()
        return render(request, self.template_name, {
            "config": sync.configuration(),
            "runs": SyncRun.objects.select_related("started_by")[:RECENT_RUNS],
            "window_start": window_start,
            "window_end": window_end,
            "needs_review": needs_review,
            "cron_line": CRON_LINE,
            "active_job": active_sync_job(),
        })

    def post(self, request):
        """Sync now: a background job (the worker may wait out ShipStation's rate limit; no page waits)."""
        if not sync.is_configured():
            messages.error(request, "Nothing was synced. ShipStation is not configured: set SHIPSTATION_API_KEY "
                                    "and SHIPSTATION_API_SECRET in the server's environment.")
            return redirect("distribution:shipstation")
        if job := active_sync_job():
            messages.warning(request, f"A sync is already queued or running (job {job.pk}); here it is.")
            return redirect(job)
        return redirect(start_job(actor=request.user, kind=SYNC_SHIPSTATION, request_ip=client_ip(request)))


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(login_not_required, name="dispatch")
class ShipNotifyWebhookView(View):
    """ShipStation's SHIP_NOTIFY webhook. The payload is unsigned, so nothing in it is read: the secret token
    in the path only proves the caller knows it, and the notification only triggers the usual sync
    (the default window, which always covers at least the last `SHIPSTATION_OVERLAP_DAYS` days)."""

    http_method_names = ["post"]

    def dispatch(self, request, *args, token: str = "", **kwargs):
        expected = settings.SHIPSTATION_WEBHOOK_TOKEN
        if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def post(self, request):
        if not sync.is_configured():
            return JsonResponse({"status": "not_configured"}, status=503)
        if job := active_sync_job():
            return JsonResponse({"status": "already_running", "job": job.pk}, status=202)
        job = start_job(actor=None, kind=SYNC_SHIPSTATION, request_ip=client_ip(request))
        return JsonResponse({"status": "queued", "job": job.pk}, status=202)
