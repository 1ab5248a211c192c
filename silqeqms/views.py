"""Core pages: home, the audit trail and its export, error pages."""

from __future__ import annotations

from django.shortcuts import render
from django.views.generic import TemplateView, View

from silqeqms.exports import AuditTrailExporter
from silqeqms.filters import AuditEventFilterSet
from silqeqms.lists import TableListView
from silqeqms.models import AuditEvent
from silqeqms.permissions import PermissionRequiredMixin
from silqeqms.tables import AuditEventTable, DeferredJoinPaginator


class HomeView(TemplateView):
    """Every signed-in user may open home; it lists only what they may see (see navigation)."""

    template_name = "home.html"


class AuditEventListView(PermissionRequiredMixin, TableListView):
    permission_required = "silqeqms.view_audit"
    model = AuditEvent
    table_class = AuditEventTable
    filterset_class = AuditEventFilterSet
    template_name = "audit/audit_list.html"

    def get_queryset(self):
        return AuditEvent.objects.order_by("-seq")

    def get_table_pagination(self, table):
        pagination = {"per_page": 50, "paginator_class": DeferredJoinPaginator}
        if not any(value for key, value in self.request.GET.items() if key in self.filterset.filters):
            # The chain is gapless and append-only, so the newest seq is the number of events.
            pagination["known_count"] = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        return pagination


class AuditEventExportView(PermissionRequiredMixin, View):
    permission_required = "silqeqms.view_audit"

    def get(self, request):
        filterset = AuditEventFilterSet(request.GET, queryset=AuditEvent.objects.order_by("seq"))
        events = filterset.qs if filterset.is_valid() else AuditEvent.objects.none()
        return AuditTrailExporter(actor=request.user, events=events, filters=request.GET).response()


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", {"message": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
