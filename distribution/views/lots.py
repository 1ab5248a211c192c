"""Lot trace pages (the recall report: every consignee that received a lot) and imported originals."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django_tables2 import RequestConfig

from customers.selectors import is_rep_scoped
from distribution import exports, selectors
from distribution.models import SourceDocument
from distribution.tables import LotTraceTable
from products.selectors import lots_for_number
from silqeqms.permissions import PermissionRequiredMixin


class LotSearchView(PermissionRequiredMixin, View):
    """"Trace a lot": what a person typed → the lot as recorded (matched ignoring case)."""

    permission_required = "distribution.view"

    def get(self, request):
        lot = request.GET.get("lot", "").strip()
        if not lot:
            messages.error(request, "Enter a lot number to trace.")
            return redirect("distribution:entry_list")
        matches = selectors.lots_matching(lot)
        if matches and matches[0] != lot:
            messages.info(request, f"Lot numbers are matched ignoring case: showing {matches[0]} for “{lot}”.")
            lot = matches[0]
        return redirect("distribution:lot_trace", lot=lot)


class LotTraceView(PermissionRequiredMixin, View):
    permission_required = "distribution.view"

    def get(self, request, lot):
        entries = selectors.lot_trace_entries(request.user, lot)
        table = LotTraceTable(entries)
        RequestConfig(request, paginate={"per_page": 100}).configure(table)
        totals = selectors.lot_trace_totals(entries)
        other_spellings = [m for m in selectors.lots_matching(lot) if m != lot]
        return render(request, "distribution/lot_trace.html", {
            "lot": lot, "table": table, "totals": totals, "other_spellings": other_spellings,
            "lot_records": lots_for_number(lot),
            "suggestions": selectors.lots_like(lot) if not totals["lines"] and not other_spellings else [],
            "rep_scoped": is_rep_scoped(request.user),
        })


class LotTraceExportView(PermissionRequiredMixin, View):
    permission_required = "distribution.export"

    def get(self, request, lot):
        return exports.LotTraceExporter(actor=request.user, lot=lot,
                                        entries=selectors.lot_trace_entries(request.user, lot)).response()


class SourceDocumentView(PermissionRequiredMixin, View):
    """Download an imported original (e.g. the sales-order PDF an entry came from)."""

    permission_required = "distribution.view"

    def get(self, request, pk):
        document = get_object_or_404(SourceDocument, pk=pk)
        if not selectors.entries_visible_to(request.user).filter(source_document=document).exists() and \
                not request.user.has_perm("distribution.import"):
            raise Http404
        return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name,
                            content_type=document.content_type)
