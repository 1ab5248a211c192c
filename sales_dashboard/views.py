"""The sales dashboard page (HTML or `?format=json`) and its CSV export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views import View
from django_tables2 import RequestConfig

from sales_dashboard import selectors, services
from sales_dashboard.charts import units_per_month_svg
from sales_dashboard.exports import SalesDashboardExporter
from sales_dashboard.forms import DashboardWindowForm
from sales_dashboard.selectors import DashboardFigures, Window
from sales_dashboard.tables import LotSummaryTable
from silqeqms.permissions import PermissionRequiredMixin

LOTS_PER_PAGE = 25


def _window_query(window: Window) -> str:
    return urlencode({"start": window.start.isoformat(), "end": window.end.isoformat() if window.end else ""})


class SalesDashboardView(PermissionRequiredMixin, View):
    permission_required = "sales_dashboard.view"
    template_name = "sales_dashboard/dashboard.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        as_json = request.GET.get("format") == "json"
        form = DashboardWindowForm.from_query(request.GET)
        if not form.is_valid():
            if as_json:
                return JsonResponse({"errors": form.errors_as_data()}, status=400)
            return render(request, self.template_name, {"form": form, "lot_search": request.GET.get("lot", "")},
                          status=400)
        window = form.window()
        if as_json:
            return JsonResponse(services.view_dashboard_json(actor=request.user, window=window))
        data = services.view_dashboard(actor=request.user, window=window)
        return render(request, self.template_name, self.page_context(data=data, form=form))

    def page_context(self, *, data: DashboardFigures, form: DashboardWindowForm) -> dict:
        lot_search = self.request.GET.get("lot", "").strip()
        table = LotSummaryTable(selectors.lot_summaries(search=lot_search, scope=data.scope))
        RequestConfig(self.request, paginate={"per_page": LOTS_PER_PAGE}).configure(table)
        query = _window_query(data.window)
        peak = max((m.units for m in data.months), default=0) or 1
        return {
            "form": form,
            "dashboard": data,
            "table": table,
            "lot_search": lot_search,
            "chart": units_per_month_svg(data.months, title="Units shipped per month"),
            "month_rows": [{"month": m, "of_peak": 100.0 * m.units / peak} for m in data.months],
            "export_url": f"{reverse('sales_dashboard:export')}?{query}",
            "json_url": f"{reverse('sales_dashboard:dashboard')}?{query}&format=json",
        }


class SalesDashboardExportView(PermissionRequiredMixin, View):
    """CSV, one row per order dated in the window (selectors.EXPORT_HEADER), streamed."""

    permission_required = "sales_dashboard.export"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = DashboardWindowForm.from_query(request.GET)
        if not form.is_valid():
            problems = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in form.errors_as_data().items())
            return HttpResponseBadRequest(f"Invalid window. {problems}", content_type="text/plain; charset=utf-8")
        return SalesDashboardExporter(actor=request.user, window=form.window()).response()
