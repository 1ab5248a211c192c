"""The ShipStation status page ("Sync now") and the SHIP_NOTIFY webhook: thin views over the sync."""

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
from distribution.models import Source, Status, SyncRun
from distribution.shipstation import sync
from silqeqms.middleware import client_ip
from silqeqms.permissions import PermissionRequiredMixin

RECENT_RUNS = 20
# A page request or a webhook must not hold a worker through a long rate-limit wait: it fails the run
# with a clear message instead, and the cron job (which may wait) carries on.
WEB_MAX_WAIT_SECONDS = 5.0
CRON_LINE = "*/15 * * * * cd /srv/silqeqms && .venv/bin/python manage.py sync_shipstation"


def run_summary(run: SyncRun) -> str:
    counts = (f"{run.created} created, {run.updated} updated, {run.voided} voided, {run.unchanged} unchanged, "
              f"{len(run.errors)} error{'s' if len(run.errors) != 1 else ''}")
    window = f"ship dates {run.window_start:%Y-%m-%d} to {run.window_end:%Y-%m-%d}"
    if run.status == SyncRun.RunStatus.FAILED:
        last = run.errors[-1] if run.errors else "unknown error"
        return f"Sync run {run.pk} failed ({window}): {last} Pages already saved are kept ({counts})."
    return f"Sync run {run.pk} {run.get_status_display().lower()} ({window}, {run.pages} page" \
           f"{'s' if run.pages != 1 else ''}): {counts}."


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
        })

    def post(self, request):
        try:
            client = sync.client_from_settings(max_wait=WEB_MAX_WAIT_SECONDS)
        except sync.ShipStationNotConfigured as error:
            messages.error(request, f"Nothing was synced. {error}")
            return redirect("distribution:shipstation")
        try:
            run = sync.sync_shipments(actor=request.user, client=client, request_ip=client_ip(request))
        except sync.SyncAlreadyRunning as error:
            messages.warning(request, f"Nothing was started. {error}")
            return redirect("distribution:shipstation")
        finally:
            client.close()
        level = messages.error if run.status == SyncRun.RunStatus.FAILED else messages.success
        level(request, run_summary(run))
        return redirect("distribution:shipstation")


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
        try:
            client = sync.client_from_settings(max_wait=WEB_MAX_WAIT_SECONDS)
        except sync.ShipStationNotConfigured:
            return JsonResponse({"status": "not_configured"}, status=503)
        try:
            run = sync.sync_shipments(actor=None, client=client, request_ip=client_ip(request))
        except sync.SyncAlreadyRunning:
            return JsonResponse({"status": "already_running"}, status=202)
        finally:
            client.close()
        return JsonResponse({"status": run.status, "run": run.pk}, status=202)
